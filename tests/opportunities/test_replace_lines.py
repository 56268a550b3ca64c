"""`services.replace_lines`: a deal's lines replaced in one write (how an accepted quote sets
them): the version is checked, the amount recalculated once, one history entry."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from opportunities import services
from opportunities.models import Opportunity, OpportunityLine
from pipeline_crm.concurrency import LOCKED, EditConflict, MissingVersion

from ..factories import OpportunityFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _line(quantity: str, price: str, discount: str = "0", cost: str = "0", product=None):
    return OpportunityLine(
        product=product or ProductFactory(),
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        discount_percent=Decimal(discount),
        unit_cost=Decimal(cost),
    )


@pytest.fixture
def deal(salesperson):
    opportunity = OpportunityFactory(owner=salesperson)
    for line in (_line("1", "100"), _line("2", "50")):
        services.add_line(opportunity, line, user=salesperson)
    return Opportunity.objects.get(pk=opportunity.pk)


def test_replace_lines_sets_the_lines_amount_and_margin(deal, salesperson):
    new = [_line("3", "99.99", "10", "50"), _line("1", "0.05")]
    services.replace_lines(deal, new, user=salesperson, seen_version=deal.version)
    deal.refresh_from_db()
    assert sorted((line.quantity, line.unit_price) for line in deal.lines.all()) == [
        (Decimal("1.00"), Decimal("0.05")),
        (Decimal("3.00"), Decimal("99.99")),
    ]
    assert deal.amount == Decimal("269.97") + Decimal("0.05")  # 3 × 89.991 → 269.97
    assert deal.margin == Decimal("119.97") + Decimal("0.05")
    assert deal.has_lines


def test_replace_lines_is_one_history_entry_and_one_version(deal, salesperson):
    before_history, before_version = deal.history.count(), deal.version
    services.replace_lines(
        deal, [_line("1", "10"), _line("1", "20")], user=salesperson, seen_version=deal.version
    )
    deal.refresh_from_db()
    assert deal.version == before_version + 1
    assert deal.history.count() == before_history + 1
    entry = deal.history.latest()
    assert (entry.amount, entry.history_user) == (Decimal("30.00"), salesperson)


def test_each_replaced_and_new_line_is_in_the_lines_history(deal, salesperson):
    old_ids = set(deal.lines.values_list("pk", flat=True))
    services.replace_lines(deal, [_line("1", "10")], user=salesperson, seen_version=deal.version)
    deleted = OpportunityLine.history.filter(history_type="-", id__in=old_ids)
    created = OpportunityLine.history.filter(history_type="+", opportunity_id=deal.pk)
    assert deleted.count() == 2
    assert {record.history_user for record in deleted} == {salesperson}
    assert created.filter(unit_price=Decimal("10")).count() == 1


def test_a_stale_version_is_refused_and_nothing_changes(deal, salesperson):
    shown = deal.version
    services.add_line(deal, _line("1", "1"), user=salesperson)  # someone else, meanwhile
    current = Opportunity.objects.get(pk=deal.pk)
    with pytest.raises(EditConflict):
        services.replace_lines(deal, [_line("1", "999")], user=salesperson, seen_version=shown)
    after = Opportunity.objects.get(pk=deal.pk)
    assert (after.version, after.amount, after.lines.count()) == (
        current.version,
        Decimal("201.00"),
        3,
    )


def test_a_missing_version_is_refused(deal, salesperson):
    with pytest.raises(MissingVersion):
        services.replace_lines(deal, [_line("1", "999")], user=salesperson, seen_version=None)
    assert deal.lines.count() == 2


def test_a_closed_deals_lines_are_refused(deal, salesperson):
    services.close_won(deal, user=salesperson, seen_version=deal.version)
    deal.refresh_from_db()
    with pytest.raises(services.RuleError) as refused:
        services.replace_lines(deal, [_line("1", "1")], user=salesperson, seen_version=LOCKED)
    assert refused.value.code == "closed"
    assert deal.lines.count() == 2


def test_no_lines_keeps_the_amount_they_came_to(deal, salesperson):
    services.replace_lines(deal, [], user=salesperson, seen_version=deal.version)
    deal.refresh_from_db()
    assert (deal.has_lines, deal.amount, deal.margin, deal.lines.count()) == (
        False,
        Decimal("200.00"),
        None,
        0,
    )


def test_an_empty_price_and_cost_are_the_products(deal, salesperson):
    product = ProductFactory(list_price=Decimal("12.50"), unit_cost=Decimal("4.00"))
    line = OpportunityLine(product=product, quantity=Decimal("2"), unit_cost=None)
    services.replace_lines(deal, [line], user=salesperson, seen_version=deal.version)
    deal.refresh_from_db()
    assert (deal.amount, deal.margin) == (Decimal("25.00"), Decimal("17.00"))


def test_lines_too_large_for_an_amount_are_refused(deal, salesperson):
    huge = _line("9999999999", "999999999999")
    with pytest.raises(services.RuleError) as refused:
        services.replace_lines(deal, [huge], user=salesperson, seen_version=deal.version)
    assert refused.value.code == "too_large"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_replacements_from_the_same_page_one_wins_the_other_is_refused():
    owner = UserFactory(username="replace-owner")
    opportunity = OpportunityFactory(owner=owner, business_area=None)
    services.add_line(opportunity, _line("1", "100"), user=owner)
    shown = Opportunity.objects.get(pk=opportunity.pk).version
    product = ProductFactory()
    barrier = threading.Barrier(4, timeout=20)
    outcomes, errors = [], []
    order = threading.Lock()

    def replace(price: str):
        try:
            barrier.wait()
            with transaction.atomic():
                lines = [_line("1", price, product=product), _line("2", price, product=product)]
                services.replace_lines(
                    Opportunity(pk=opportunity.pk), lines, user=owner, seen_version=shown
                )
            with order:
                outcomes.append(price)
        except EditConflict:
            with order:
                outcomes.append("refused")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=replace, args=(f"{n}0",)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    winners = [outcome for outcome in outcomes if outcome != "refused"]
    assert len(winners) == 1 and outcomes.count("refused") == 3
    deal = Opportunity.objects.get(pk=opportunity.pk)
    prices = {line.unit_price for line in deal.lines.all()}
    assert prices == {Decimal(winners[0])} and deal.lines.count() == 2
    assert deal.amount == Decimal(winners[0]) * 3
    assert deal.version == shown + 1
