"""The quote rules: exact totals, lines copied from the deal, versions, freezing, numbering."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from opportunities import services as deal_services
from opportunities.models import Stage
from quotes import services
from quotes.models import Quote, QuoteLine, QuoteNumberCounter, QuoteSettings

from ..factories import (
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
    QuoteLineFactory,
    UserFactory,
)
from .conftest import deal_with_lines

pytestmark = pytest.mark.django_db


def test_line_total_rounds_half_up_per_line():
    line = QuoteLineFactory.build(
        quantity=Decimal("3"), unit_price=Decimal("10.05"), discount_percent=Decimal("12.5")
    )
    # 3 × 10.05 × 0.875 = 26.38125 → 26.38
    assert line.total == Decimal("26.38")
    line.unit_price = Decimal("0.01")
    line.quantity = Decimal("0.50")
    line.discount_percent = Decimal("0")
    assert line.total == Decimal("0.01")  # 0.005 rounds up


def test_quote_total_is_the_sum_of_its_rounded_lines_and_vat_is_on_the_total():
    lines = [
        QuoteLineFactory.build(quantity=Decimal("1"), unit_price=Decimal("0.333")) for _ in range(3)
    ]
    totals = services.quote_totals(lines, Decimal("25.00"))
    assert totals["amount"] == Decimal("0.99")  # 3 × 0.33, not round(0.999)
    assert totals["vat_amount"] == Decimal("0.25")  # 0.2475 → 0.25


def test_create_copies_the_deal_lines_and_defaults(salesperson):
    deal = deal_with_lines(salesperson, ("2", "1500.00", "10", "800.00"), ("1", "99.99", "0", "0"))
    contact = ContactFactory(account=deal.account)
    deal.contacts.add(contact)
    quote = services.create_quote(deal, user=salesperson)
    assert quote.version == 1
    assert quote.status == Quote.Status.DRAFT
    assert quote.number == ""
    assert quote.contact == contact
    assert quote.payment_terms == QuoteSettings.load().payment_terms
    copied = [
        (line.product_id, line.quantity, line.unit_price, line.discount_percent, line.unit_cost)
        for line in quote.lines.all()
    ]
    original = [
        (line.product_id, line.quantity, line.unit_price, line.discount_percent, line.unit_cost)
        for line in deal.lines.order_by("pk")
    ]
    assert copied == original
    assert quote.amount == deal.amount == Decimal("2799.99")
    assert quote.margin == deal.margin
    assert quote.vat_amount == Decimal("700.00")  # 25 % of 2,799.99 = 699.9975


def test_each_quote_of_a_deal_is_its_next_version(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    first = services.create_quote(deal, user=salesperson)
    second = services.create_quote(deal, user=salesperson)
    assert (first.version, second.version) == (1, 2)


def test_a_closed_deal_gets_no_new_quote(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    deal_services.close_won(deal, user=salesperson, seen_version=deal.version)
    with pytest.raises(services.RuleError):
        services.create_quote(deal, user=salesperson)


def test_editing_a_draft_line_recalculates_the_quote(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    quote = services.create_quote(deal, user=salesperson)
    line = quote.lines.get()
    line.quantity = Decimal("3")
    services.update_line(line, user=salesperson)
    quote.refresh_from_db()
    assert quote.amount == Decimal("300.00")
    assert quote.margin == Decimal("150.00")
    services.add_line(quote, QuoteLine(product=ProductFactory(list_price=Decimal("10"))), user=None)
    quote.refresh_from_db()
    assert quote.amount == Decimal("310.00")
    assert quote.lines.count() == 2


def test_a_sent_quote_is_frozen(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    quote = services.mark_sent(services.create_quote(deal, user=salesperson), user=salesperson)
    line = quote.lines.get()
    line.unit_price = Decimal("1")
    with pytest.raises(services.RuleError) as refused:
        services.update_line(line, user=salesperson)
    assert refused.value.code == "frozen"
    with pytest.raises(services.RuleError):
        services.remove_line(line, user=salesperson)
    with pytest.raises(services.RuleError):
        services.add_line(quote, QuoteLine(product=ProductFactory()), user=salesperson)
    quote.introduction = "Changed"
    with pytest.raises(services.RuleError):
        services.save_quote(quote, user=salesperson)
    assert QuoteLine.objects.get(pk=line.pk).unit_price == Decimal("100.00")


def test_refusals_say_where_the_quote_stands_in_a_whole_sentence(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    quote = services.mark_sent(services.create_quote(deal, user=salesperson), user=salesperson)
    with pytest.raises(services.RuleError) as refused:
        services.update_line(quote.lines.get(), user=salesperson)
    assert str(refused.value) == (
        f"{quote} has been sent. Only a draft changes: make a new version instead."
    )
    with pytest.raises(services.RuleError) as refused:
        services.mark_sent(quote, user=salesperson)
    assert str(refused.value) == (
        f"{quote} has been sent. Only a draft or an approved quote can be sent."
    )


def test_every_status_has_its_sentence():
    assert set(services.STATUS_SENTENCES) == set(Quote.Status)


def test_revise_makes_a_new_draft_version_and_keeps_the_sent_one(salesperson):
    deal = deal_with_lines(salesperson, ("2", "100", "5", "50"))
    sent = services.mark_sent(services.create_quote(deal, user=salesperson), user=salesperson)
    sent.refresh_from_db()
    draft = services.revise(sent, user=salesperson)
    assert draft.version == 2
    assert draft.status == Quote.Status.DRAFT
    assert draft.number == ""
    assert draft.amount == sent.amount
    assert [line.quantity for line in draft.lines.all()] == [Decimal("2.00")]
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT


def test_sending_numbers_the_quote_and_sets_valid_until(salesperson):
    QuoteSettings.objects.update_or_create(pk=1, defaults={"number_prefix": "OFF-"})
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    today = date(2026, 3, 1)
    quote = services.mark_sent(
        services.create_quote(deal, user=salesperson), user=salesperson, today=today
    )
    assert quote.number == "OFF-2026-0001"
    assert quote.valid_until == today + timedelta(days=30)
    assert quote.status == Quote.Status.SENT
    other = services.mark_sent(
        services.create_quote(deal, user=salesperson), user=salesperson, today=today
    )
    assert other.number == "OFF-2026-0002"
    next_year = services.mark_sent(
        services.create_quote(deal, user=salesperson),
        user=salesperson,
        today=date(2027, 1, 2),
    )
    assert next_year.number == "OFF-2027-0001"


def test_a_quote_without_lines_is_not_sent_and_keeps_no_number(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    quote = services.create_quote(deal, user=salesperson)
    with pytest.raises(services.RuleError):
        services.mark_sent(quote, user=salesperson)
    assert not QuoteNumberCounter.objects.filter(last__gt=0).exists()


def test_status_changes_are_in_the_history_with_who(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    quote = services.mark_sent(services.create_quote(deal, user=salesperson), user=salesperson)
    statuses = [(r.status, r.history_user_id) for r in quote.history.order_by("history_id")]
    assert statuses[-1] == ("sent", salesperson.pk)
    assert ("draft", salesperson.pk) in statuses


def test_expire_marks_only_outstanding_quotes_past_valid_until(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    today = date(2026, 3, 1)
    old = services.mark_sent(
        services.create_quote(deal, user=salesperson), user=salesperson, today=today
    )
    fresh = services.mark_sent(
        services.create_quote(deal, user=salesperson),
        user=salesperson,
        today=today + timedelta(days=10),
    )
    draft = services.create_quote(deal, user=salesperson)
    assert services.expire_quotes(today=today + timedelta(days=31)) == 1
    old.refresh_from_db()
    assert old.status == Quote.Status.EXPIRED
    assert Quote.objects.get(pk=fresh.pk).status == Quote.Status.SENT
    assert Quote.objects.get(pk=draft.pk).status == Quote.Status.DRAFT


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_get_distinct_gap_free_numbers():
    user = UserFactory(username="sender")
    Stage.objects.get_or_create(name="Prospect", defaults={"order": 1})
    quotes = []
    for _ in range(8):
        deal = deal_with_lines(user, ("1", "100", "0", "50"))
        quotes.append(services.create_quote(deal, user=user))
    barrier = threading.Barrier(len(quotes), timeout=20)
    errors = []
    failing = quotes[3].pk  # this send fails after taking its number: the number returns

    def send(quote):
        try:
            barrier.wait()
            try:
                with_failure(quote)
            except RuntimeError:
                pass
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def with_failure(quote):
        from django.db import transaction

        with transaction.atomic():
            services.mark_sent(quote, user=user, today=date(2026, 5, 1))
            if quote.pk == failing:
                raise RuntimeError("the mail server refused")

    threads = [threading.Thread(target=send, args=(quote,)) for quote in quotes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(
        Quote.objects.filter(number_year=2026).values_list("number_sequence", flat=True)
    )
    assert sequences == list(range(1, len(quotes)))
    assert Quote.objects.get(pk=failing).number == ""


def test_saving_the_header_keeps_totals_changed_meanwhile(salesperson):
    deal = deal_with_lines(salesperson, ("1", "100", "0", "50"))
    quote = services.create_quote(deal, user=salesperson)
    header = Quote.objects.get(pk=quote.pk)  # the edit form's copy, loaded first
    services.add_line(quote, QuoteLine(product=ProductFactory(list_price=Decimal("10"))), user=None)
    header.introduction = "Hello"
    services.save_quote(header, user=salesperson)
    quote.refresh_from_db()
    assert (quote.introduction, quote.amount) == ("Hello", Decimal("110.00"))
