"""The list's search summed part by part (`OpportunityQuerySet.matching_parts`): the footer and
the pages equal a deal-by-deal recount, on PostgreSQL (the parts read the kept name tails,
`opportunities.name_tails`) and SQLite (the OR), whatever the names, and the tails follow
every rename."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from opportunities import name_tails
from opportunities.checks import name_tails_agree, name_tails_triggers
from opportunities.models import ForecastCategory, Opportunity

from ..factories import AccountFactory, LossReasonFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the name tails are PostgreSQL's"
)


@pytest.fixture
def deals(salesperson):
    """Deals named after their account (the default), and named otherwise; open, won and lost,
    one out of the forecast."""
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    accounts = {
        name: AccountFactory(name=name)
        for name in ("Klippbygg AB", "Västerbygg AB", "Ekdata AS", "Granmekanik Oy", "X")
    }
    names = [
        ("Klippbygg AB", "Klippbygg AB – User expansion"),
        ("Klippbygg AB", "Klippbygg AB – Byggstart"),
        ("Västerbygg AB", "Västerbygg AB – ERP rollout"),
        ("Ekdata AS", "Ekdata AS – Lagerbygge pilot"),  # by name alone
        ("Ekdata AS", "Ekdata AS – Data migration"),
        ("Ekdata AS", "Hosting move"),  # not named after its account
        ("Granmekanik Oy", "Granmekanik Oy – 50%_off pilot"),
        ("Granmekanik Oy", "Granmekanik Oy – Network upgrade"),
        ("X", "X – Bygg"),  # an account's name shorter than its tail's overlap
        ("X", "Xylofon"),
    ]
    made = []
    for n, (account, name) in enumerate(names):
        made.append(
            OpportunityFactory(
                name=name,
                account=accounts[account],
                owner=salesperson,
                amount=Decimal("1000.10") * (n + 1),
                probability=10 * n,
                forecast_category=omitted if n == 3 else None,
            )
        )
    Opportunity.objects.filter(pk=made[1].pk).update(
        status="won", closed_date=datetime.date.today(), weighted_amount=Decimal("5")
    )
    Opportunity.objects.filter(pk=made[4].pk).update(
        status="lost", loss_reason=LossReasonFactory(), weighted_amount=0
    )
    return accounts


def recount(text: str) -> dict:
    """The search's footer counted deal by deal in Python."""
    text = text.strip().upper()
    found = [
        deal
        for deal in Opportunity.objects.select_related("account", "forecast_category")
        if text in deal.name.upper() or text in deal.account.name.upper()
    ]
    listed = [
        deal
        for deal in found
        if deal.status == "open"
        and (deal.forecast_category is None or deal.forecast_category.counts_in_forecast)
    ]
    return {
        "ids": sorted(deal.pk for deal in found),
        "count": len(found),
        "amount": sum((deal.amount for deal in found), Decimal("0.00")),
        "weighted": sum((deal.weighted_amount for deal in listed), Decimal("0.00")),
    }


SEARCHES = {
    "by account and by name": "bygg",
    "by account only": "ekdata",
    "by name alone": "pilot",
    "across the account's name and the tail": "ab – byggs",
    "the tail's first characters": "b – bygg",
    "an account named by one letter": "x – b",
    "wildcards taken literally": "50%_",
    "an underscore alone": "_of",
    "shorter than a trigram": "ag",
    "nothing": "zzzz",
    "surrounding spaces": "  erp ",
}


@pytest.mark.parametrize("text", SEARCHES.values(), ids=SEARCHES.keys())
def test_the_search_footer_and_pages_equal_a_recount(client_for, manager, deals, text):
    expected = recount(text)
    response = client_for(manager).get(LIST, {"q": text})
    filterset, table, totals = (response.context[k] for k in ("filter", "table", "totals"))
    parts = filterset.deal_parts()

    assert totals == {k: expected[k] for k in ("count", "amount", "weighted")}
    assert sorted(row.pk for row in table.page.object_list.data) == expected["ids"]
    assert (
        sorted(pk for part in parts for pk in part.values_list("pk", flat=True))
        == (expected["ids"])
    )
    assert len(parts) == 2


def test_the_search_splits_with_another_split_filter(client_for, manager, deals):
    response = client_for(manager).get(LIST, {"q": "bygg", "stale": "true"})
    filterset = response.context["filter"]
    parts = filterset.deal_parts()
    ids = sorted(pk for part in parts for pk in part.values_list("pk", flat=True))

    assert len(parts) == 4
    assert ids == sorted(filterset.qs.values_list("pk", flat=True))
    assert response.context["totals"] == filterset.qs.totals(listed=True)


def test_a_blank_search_is_no_search(client_for, manager, deals):
    response = client_for(manager).get(LIST, {"q": "   "})
    filterset = response.context["filter"]

    assert response.context["totals"]["count"] == Opportunity.objects.count()
    assert filterset.deal_parts() == [filterset.qs]


@ON_POSTGRESQL
def test_deals_matching_by_name_alone_are_read_through_their_tails(deals):
    by_account, by_name = Opportunity.objects.matching_parts("bygg")
    candidates = name_tails.candidates(connection, "bygg", limit=10)

    assert sorted(Opportunity.objects.filter(pk__in=candidates).values_list("name", flat=True))
    assert set(by_name.values_list("pk", flat=True)) <= set(candidates)
    assert sorted(by_name.values_list("name", flat=True)) == [
        "Ekdata AS – Lagerbygge pilot",
        "X – Bygg",
    ]
    assert by_account.count() == 3


@ON_POSTGRESQL
def test_when_no_tail_holds_the_text_the_second_part_reads_nothing(
    client_for, manager, deals, django_assert_num_queries
):
    """No deal can match by name alone: the part is empty without a query, and the footer
    is still a recount."""
    assert name_tails.candidates(connection, "granmekanik", limit=10) == []
    by_account, by_name = Opportunity.objects.matching_parts("granmekanik")

    with django_assert_num_queries(0):
        assert list(by_name) == []
        assert by_name.totals(listed=True)["count"] == 0
    assert by_account.count() == 2
    expected = recount("granmekanik")
    totals = client_for(manager).get(LIST, {"q": "granmekanik"}).context["totals"]
    assert totals == {k: expected[k] for k in ("count", "amount", "weighted")}


@ON_POSTGRESQL
def test_the_tails_follow_renames_moves_and_deletes(deals):
    ekdata, klipp = deals["Ekdata AS"], deals["Klippbygg AB"]
    deal = Opportunity.objects.get(name="Ekdata AS – Data migration")

    deal.name = "Ekdata AS – Byggnad"
    deal.save()
    assert deal.pk in matched("bygg")
    ekdata.name = "Ekdata AS – Bygg"  # now the account matches, and its deals through it
    ekdata.save()
    assert name_tails.wrong_deals() == []
    ekdata.name = "Ekdata"
    ekdata.save()
    Opportunity.objects.filter(name="Hosting move").update(account=klipp)
    assert name_tails.wrong_deals() == []
    for text in ("bygg", "ekdata as – b", "hosting", "move"):
        assert sorted(matched(text)) == recount(text)["ids"]
    deal.delete()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {name_tails.TABLE} WHERE deal_id = %s", [deal.pk])
        assert cursor.fetchone() == (0,)


@ON_POSTGRESQL
@pytest.mark.parametrize("text", SEARCHES.values(), ids=SEARCHES.keys())
def test_past_the_first_look_at_the_tails_the_name_alone_is_read(monkeypatch, deals, text):
    monkeypatch.setattr("opportunities.models.NAME_ONLY_BY_ID", 0)

    assert sorted(matched(text)) == recount(text)["ids"]


def matched(text: str) -> list[int]:
    return [
        pk
        for part in Opportunity.objects.matching_parts(text.strip())
        for pk in part.values_list("pk", flat=True)
    ]


@ON_POSTGRESQL
def test_check_reports_a_missing_trigger_and_a_wrong_tail(deals):
    deal = Opportunity.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {name_tails.TABLE} SET tail = 'X' WHERE deal_id = %s", [deal.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending events before ALTER
        cursor.execute("ALTER TABLE accounts_account DISABLE TRIGGER account_name_tails_rename")

    assert [e.id for e in name_tails_triggers(databases=["default"])] == ["opportunities.E004"]
    assert [e.id for e in name_tails_agree(databases=["default"])] == ["opportunities.E005"]
    call_command("rebuild_name_tails", stdout=None)
    assert name_tails_triggers(databases=["default"]) == []
    assert name_tails_agree(databases=["default"]) == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps no tails")
def test_without_tails_the_search_is_the_or_and_an_empty_part(deals):
    whole, empty = Opportunity.objects.matching_parts("bygg")

    assert sorted(whole.values_list("pk", flat=True)) == recount("bygg")["ids"]
    assert not empty.exists()
    assert name_tails_triggers(databases=["default"]) == []


def test_switched_off_the_search_is_the_or(settings, deals):
    settings.SEARCH_NAME_TAILS = False
    whole, empty = Opportunity.objects.matching_parts("bygg")

    assert sorted(whole.values_list("pk", flat=True)) == recount("bygg")["ids"]
    assert not empty.exists()
