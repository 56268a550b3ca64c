"""DealTotals, kept by the database on every path a deal changes, equals the deals' own totals;
the list's footer and page counts read it wherever the filters allow."""

import itertools
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities import services
from opportunities.filters import ALL_DEALS_PARAMS as ALL_DEALS
from opportunities.models import NO_AREA, DealTotals, Opportunity, Stage
from pipeline_crm.history import Origin

from ..factories import (
    BusinessAreaFactory,
    LossReasonFactory,
    OpportunityFactory,
    StageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")


def _kept_equals_deals():
    """Every (stage, owner, area, status) of DealTotals, summed, against the deals."""
    kept = {
        (row["stage"], row["owner"], row["business_area"], row["status"]): (
            row["n"],
            row["a"],
            row["w"],
        )
        for row in DealTotals.objects.values("stage", "owner", "business_area", "status")
        .annotate(n=Sum("count"), a=Sum("amount"), w=Sum("weighted"))
        .order_by()
        if row["n"] or row["a"] or row["w"]
    }
    deals = {}
    for deal in Opportunity.objects.all():
        key = (deal.stage_id, deal.owner_id, deal.business_area_id or NO_AREA, deal.status)
        count, amount, weighted = deals.get(key, (0, Decimal("0.00"), Decimal("0.00")))
        deals[key] = (count + 1, amount + deal.amount, weighted + deal.weighted_amount)
    assert kept == deals
    return kept


@pytest.fixture
def deals(salesperson):
    area = BusinessAreaFactory(name="Norr")
    stages = list(Stage.objects.filter(is_active=True).order_by("order")[:3])
    for n, (stage, area_or_none) in enumerate(itertools.product(stages, [area, None])):
        OpportunityFactory(
            owner=salesperson,
            stage=stage,
            business_area=area_or_none,
            amount=Decimal("1000.10") * (n + 1),
            probability=stage.default_probability,
        )
    return Opportunity.objects.order_by("pk")


def test_created_deals_are_counted(deals):
    kept = _kept_equals_deals()
    assert sum(count for count, _amount, _weighted in kept.values()) == 6


def test_a_form_save_moves_a_deal_between_keys(deals, salesperson):
    deal = deals.first()
    deal.stage = Stage.objects.exclude(pk=deal.stage_id).filter(is_active=True).first()
    deal.amount = Decimal("12345.67")
    services.save_opportunity(deal, user=salesperson, origin=Origin.FORM, seen_version=deal.version)
    _kept_equals_deals()


def test_closing_reassigning_updating_in_bulk_and_deleting_are_counted(deals, salesperson):
    services.close_lost(
        deals.first(),
        loss_reason=LossReasonFactory(name="Price"),
        user=salesperson,
        seen_version=deals.first().version,
    )
    deals.filter(pk=deals.last().pk).update(owner=UserFactory(), business_area=None)
    deals.filter(amount__gt=3000).update(amount=Decimal("1.01"), weighted_amount=Decimal("0.51"))
    _kept_equals_deals()
    deals.filter(pk__in=[deals[1].pk, deals[2].pk]).delete()
    _kept_equals_deals()


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL empties tables with TRUNCATE: no trigger"
)
def test_emptying_every_table_leaves_no_totals(deals):
    assert DealTotals.objects.exists()
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not Opportunity.objects.exists()
    assert not DealTotals.objects.exists()  # not the deals counted out again, below zero


def test_bulk_created_deals_are_counted(salesperson, deals):
    template = deals.first()
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                name=f"Bulk {n}",
                account=template.account,
                owner=salesperson,
                stage=template.stage,
                probability=10,
                amount=Decimal("10.00"),
                weighted_amount=Decimal("1.00"),
                expected_close_date=template.expected_close_date,
                stage_date=template.stage_date,
            )
            for n in range(5)
        ]
    )
    _kept_equals_deals()


@pytest.fixture
def shared(salesperson, co_responsible):
    """A deal of another salesperson's that the salesperson is co-responsible for."""
    deal = OpportunityFactory(owner=co_responsible, amount=Decimal("77.70"))
    deal.co_responsible.add(salesperson)
    return deal


FILTERS = {
    "none (the default: mine, open)": {},
    "every deal": ALL_DEALS,
    "status": {"status": "open"},
    "business area (none)": {"business_area": "null"},
    "mine": {"mine": "true"},
    "mine, open, sorted by stage": {"mine": "true", "status": "open", "sort": "stage"},
    "sorted by owner": {"sort": "-owner"},
    "sorted by area": {"sort": "business_area"},
}


@pytest.mark.parametrize("params", FILTERS.values(), ids=FILTERS.keys())
def test_the_footer_read_from_deal_totals_equals_the_deals(
    client_for, salesperson, co_responsible, deals, shared, params
):
    OpportunityFactory(owner=co_responsible, amount=Decimal("5.00"))  # not mine
    response = client_for(salesperson).get(LIST, params)
    table = response.context["table"]

    assert table.data.totals_source is not None
    filtered = response.context["filter"].qs
    assert response.context["totals"] == filtered.totals(listed=True)
    assert [row.pk for row in table.page.object_list.data] == [
        deal.pk for deal in table.data.data[:50]
    ]


def test_other_filters_read_the_deals(client_for, salesperson, deals):
    response = client_for(salesperson).get(LIST, {"q": "Deal", "status": "open"})
    assert response.context["table"].data.totals_source is None
    assert response.context["totals"]["count"] == 6


def test_the_default_footer_reads_only_the_deals_out_of_the_forecast(
    client_for, salesperson, deals
):
    with CaptureQueriesContext(connection) as queries:
        client_for(salesperson).get(LIST)
    aggregates = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"]]
    from_deals = [sql for sql in aggregates if "opportunities_dealtotals" not in sql]
    # The shared deals (not kept by owner) and the open deals out of the forecast.
    assert aggregates and all("counts_in_forecast" in sql for sql in from_deals)


BOARD_FILTERS = {
    "mine (the default)": {},
    "an owner": {"owner": "other"},
    "no business area": {"business_area": "null"},
    "a search": {"q": "Deal"},
}


@pytest.mark.parametrize("params", BOARD_FILTERS.values(), ids=BOARD_FILTERS.keys())
def test_board_column_totals_equal_the_open_deals(
    client_for, salesperson, co_responsible, deals, shared, params
):
    services.close_lost(
        deals.first(),
        loss_reason=LossReasonFactory(),
        user=salesperson,
        seen_version=deals.first().version,
    )
    if params.get("owner") == "other":
        params = {"owner": co_responsible.pk}
    response = client_for(salesperson).get(reverse("opportunities:board"), params)

    expected = response.context["filter"].qs.totals_per("stage")
    for column in response.context["columns"]:
        row = expected.get(column["stage"].pk, {"count": 0, "amount": None, "weighted": None})
        assert column["count"] == row["count"]
        assert column["amount"] == (row["amount"] or Decimal("0.00"))
        assert column["weighted"] == (row["weighted"] or Decimal("0.00"))
    assert response.context["grand"]["count"] == response.context["filter"].qs.count()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's concurrent writers"
)


@postgresql_only
def test_folding_keeps_the_sums_and_leaves_one_row_per_key(deals, salesperson):
    for deal in deals:
        deal.amount += Decimal("1.00")
        deal.save()
    before = _kept_equals_deals()
    with connection.cursor() as cursor:
        cursor.execute("SELECT opportunities_fold_deal_totals()")
    assert _kept_equals_deals() == before
    assert DealTotals.objects.count() == len(before)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_bulk_changes_of_different_deals_do_not_deadlock():
    alice, bob = UserFactory(username="a1"), UserFactory(username="b1")
    # A transactional test may follow one that emptied the tables: its own stages.
    first, second, third = (StageFactory(name=f"Stage {n}", order=90 + n) for n in range(3))
    deals = [
        OpportunityFactory(owner=owner, stage=first, business_area=None)
        for owner in (alice, bob, bob, alice)
    ]
    barrier = threading.Barrier(2, timeout=10)
    errors = []

    def move(one, other, stage):
        try:
            with transaction.atomic():
                Opportunity.objects.filter(pk=one.pk).update(stage=stage)
                barrier.wait()
                Opportunity.objects.filter(pk=other.pk).update(stage=stage)
        except (DatabaseError, threading.BrokenBarrierError) as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(deals[0], deals[1], second)),
        threading.Thread(target=move, args=(deals[2], deals[3], third)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    _kept_equals_deals()
