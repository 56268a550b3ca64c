"""The kept quote totals (`quotes.kept_totals`, PostgreSQL): they equal a recount of the
quotes after every kind of write, the list's footer read from them equals the footer summed
from the quotes, and the checks and the rebuild find and repair what is missing or wrong."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import checks, management
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from opportunities.models import Opportunity
from pipeline_crm.money import ZERO
from quotes import kept_totals, services
from quotes.checks import totals_agree, totals_triggers
from quotes.models import Quote

from .conftest import deal_with_lines

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="quote totals are kept on PostgreSQL only"
    ),
]

LIST = reverse("quotes:list")


def _sent(owner, price: str, *, today=date(2026, 4, 1)):
    quote = services.create_quote(deal_with_lines(owner, ("1", price, "0", "10")), user=owner)
    return services.mark_sent(quote, user=owner, today=today)


def _straight(**keys) -> dict:
    """The totals the kept rows stand for, counted and summed from the quotes."""
    return Quote.objects.filter(**{k: v for k, v in keys.items() if v is not None}).totals()


def _every_key_agrees(users):
    assert kept_totals.differences() == []
    for status in (None, *Quote.Status.values):
        for owner in (None, *(user.pk for user in users)):
            assert kept_totals.totals(status=status, owner=owner) == _straight(
                status=status, owner=owner
            )


def test_the_kept_totals_follow_every_write(salesperson, co_responsible, manager):
    """Create, send, revise, answer, expire, a bulk update, a deal's owner changed by SQL,
    a deal deleted: after each, every status and owner sums as the quotes do."""
    first, second = _sent(salesperson, "100.10"), _sent(salesperson, "250.55")
    third = _sent(co_responsible, "7.35")
    services.create_quote(deal_with_lines(salesperson, ("2", "12.50", "10", "3")), user=salesperson)
    users = (salesperson, co_responsible, manager)
    _every_key_agrees(users)
    services.revise(first, user=salesperson)
    services.decline_quote(second, user=salesperson, comment="", close_deal=False)
    services.expire_quotes(today=date(2026, 12, 31))
    _every_key_agrees(users)
    Quote.objects.filter(pk=third.pk).update(amount=Decimal("8.15"), margin=Decimal("1.05"))
    Opportunity.objects.filter(pk=first.opportunity_id).update(owner=manager)
    _every_key_agrees(users)
    Opportunity.objects.get(pk=second.opportunity_id).delete()
    _every_key_agrees(users)


@pytest.mark.parametrize(
    ("viewer", "query"),
    [
        ("manager", {}),
        ("manager", {"status": ""}),
        ("manager", {"status": "expired"}),
        ("manager", {"owner": "salesperson"}),
        ("manager", {"status": "", "owner": "co_responsible", "page": "2", "per_page": "1"}),
        ("salesperson", {"scope": "team", "sort": "-amount"}),
    ],
)
def test_the_footer_from_the_kept_totals_equals_the_quotes_sums(
    request, client_for, settings, salesperson, co_responsible, viewer, query
):
    _sent(salesperson, "100.10")
    _sent(salesperson, "0.05", today=date(2026, 3, 1))
    _sent(co_responsible, "1234.50")
    services.expire_quotes(today=date(2026, 4, 15))  # the one sent in March
    _sent(co_responsible, "99.99")
    query = {
        name: str(request.getfixturevalue(value).pk) if name == "owner" else value
        for name, value in query.items()
    }
    client = client_for(request.getfixturevalue(viewer))
    kept = client.get(LIST, query).context["table"]
    settings.KEPT_QUOTE_TOTALS = False
    summed = client.get(LIST, query).context["table"]
    assert kept.data.kept is not None and summed.data.kept is None
    assert kept.totals == summed.totals
    assert kept.paginator.count == summed.paginator.count
    assert [row.pk for row in kept.paginated_rows.data] == [
        row.pk for row in summed.paginated_rows.data
    ]


@pytest.mark.parametrize(
    "query", [{"scope": "mine"}, {"q": "deal"}, {"business_area": "1"}, {"sent_from": "2026-01-01"}]
)
def test_other_filters_sum_the_quotes(client_for, manager, query):
    """Only the team's quotes by status and owner are read from the kept totals."""
    table = client_for(manager).get(LIST, query).context["table"]
    assert table.data.kept is None


def test_a_missing_trigger_is_reported_and_rebuilt(salesperson):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER quote_totals_update ON quotes_quote")
    errors = totals_triggers(databases=["default"])
    assert [error.id for error in errors] == ["quotes.E003"]
    assert "quote_totals_update" in errors[0].msg
    quote = _sent(salesperson, "100")  # sent unseen by the dropped trigger
    with pytest.raises(CommandError):
        management.call_command("rebuild_quote_totals", "--check")
    management.call_command("rebuild_quote_totals")
    assert totals_triggers(databases=["default"]) == []
    assert kept_totals.totals(status="sent") == _straight(status="sent")
    assert kept_totals.totals(status="sent")["amount"] == quote.amount


def test_a_wrong_total_is_reported(salesperson):
    _sent(salesperson, "100")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {kept_totals.TOTALS} (status, owner, count, amount, margin)"
            " VALUES ('sent', %s, 0, 0.01, 0)",
            [salesperson.pk],
        )
    errors = totals_agree(databases=["default"])
    assert [error.id for error in errors] == ["quotes.E004"]
    assert checks.run_checks(databases=["default"], tags=[checks.Tags.database])
    management.call_command("rebuild_quote_totals")
    assert totals_agree(databases=["default"]) == []


def test_truncating_the_quotes_empties_the_totals(salesperson):
    _sent(salesperson, "100")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks pending: TRUNCATE refuses
        cursor.execute("TRUNCATE quotes_quote, quotes_quoteline CASCADE")
    assert kept_totals.differences() == []
    assert kept_totals.totals() == {"count": 0, "amount": ZERO, "margin": ZERO}
