"""A salesperson's default list (their own and shared open deals) in every sort: the pages are
plain slicing of the deals, and the footer and the per-value counts of a lookup sort
(`KeptTotals.totals_counting_by`) are a recount of the deals."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import ForecastCategory, Opportunity, Stage

from ..factories import BusinessAreaFactory, OpportunityFactory, StageFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")

ORDERINGS = {
    "stage": ("stage__order", "stage__name", "pk"),
    "-stage": ("-stage__order", "-stage__name", "-pk"),
    "owner": ("owner__first_name", "owner__username", "pk"),
    "-business_area": ("-business_area__order", "-business_area__name", "-pk"),
    "weighted_amount": ("weighted_amount", "pk"),
    "-amount": ("-amount", "-pk"),
    "probability": ("probability", "pk"),
    "expected_close_date": ("expected_close_date", "pk"),
}


@pytest.fixture
def mine(salesperson):
    """The salesperson's deals, owned and shared, open and closed, among others' deals, over
    three stages, two areas and none, some out of the forecast; returns the default list's
    deals (open, owned or shared)."""
    others = [UserFactory(first_name="Bo", username="bo"), UserFactory(username="zed")]
    stages = [
        Stage.objects.get(name="Qualified"),
        StageFactory(name="0. Lead", order=1),
        Stage.objects.get(name="Prospect"),
    ]
    areas = [BusinessAreaFactory(name="Väst", order=2), None, BusinessAreaFactory(name="Öst")]
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    today = datetime.date(2026, 11, 23)
    owners = [salesperson, *others]
    combos = itertools.cycle(itertools.product(stages, owners, areas, (None, omitted)))
    for n, (stage, owner, area, category) in zip(range(60), combos, strict=False):
        deal = OpportunityFactory(
            name=f"Deal {n:02d}",
            stage=stage,
            owner=owner,
            business_area=area,
            forecast_category=category,
            amount=Decimal("1000.10") + n % 7 * 100,
            probability=(10, 40, 0, 75)[n % 4],
            expected_close_date=today + datetime.timedelta(days=n % 5),
        )
        if n % 4 == 1:  # shared with the salesperson, whoever owns it (their own ones too)
            deal.co_responsible.add(salesperson)
    closed = Opportunity.objects.order_by("pk")[::9]
    Opportunity.objects.filter(pk__in=[deal.pk for deal in closed]).update(
        status="won", closed_date=today
    )
    return Opportunity.objects.responsible_for(salesperson).filter(status="open")


def _listed(deals) -> dict:
    """The footer, recounted deal by deal: every amount, the weighted of the forecast's."""
    rows = list(deals)
    return {
        "count": len(rows),
        "amount": sum((deal.amount for deal in rows), Decimal("0.00")),
        "weighted": sum(
            (
                deal.weighted_amount
                for deal in rows
                if deal.forecast_category is None or deal.forecast_category.counts_in_forecast
            ),
            Decimal("0.00"),
        ),
    }


@pytest.mark.parametrize("sort", ORDERINGS)
def test_every_page_of_mine_sorted_is_plain_slicing_and_the_footer_a_recount(
    client_for, salesperson, mine, sort, monkeypatch
):
    monkeypatch.setattr("opportunities.views.PER_PAGE", 7)
    client = client_for(salesperson)
    expected = [deal.pk for deal in mine.order_by(*ORDERINGS[sort])]
    seen = []
    for page in itertools.count(1):
        response = client.get(LIST, {"sort": sort, "page": page})
        table = response.context["table"]
        seen += [row.pk for row in table.page.object_list.data]
        if page == table.paginator.num_pages:
            break

    assert seen == expected
    totals = response.context["totals"]
    assert totals == _listed(mine)
    assert totals["count"] == 27  # owned or shared, open: not a figure of the fixture's maths
    if sort.lstrip("-") in ("stage", "owner", "business_area"):
        assert table.data.counts == {
            value: mine.filter(**{sort.lstrip("-"): value}).count()
            for value in mine.values_list(sort.lstrip("-"), flat=True)
        }


@pytest.mark.parametrize("sort", ["stage", "-business_area", "owner"])
def test_a_lookup_sort_of_mine_reads_the_shared_deals_once(
    client_for, salesperson, mine, sort, django_assert_max_num_queries
):
    client = client_for(salesperson)
    client.get(LIST, {"sort": sort})  # fills the lookup caches
    # Session, user, lookup version; the shared ids; the kept rows summed and per value, the
    # shared deals summed and per value (their copy on PostgreSQL, else the deals), the
    # Omitted weighted; the lookup's order, whether a value counted as none has deals where
    # the page is, a page's ids (up to three queries, each one past its value's part), its
    # rows; the transaction.
    with django_assert_max_num_queries(17):
        response = client.get(LIST, {"sort": sort})
    assert response.context["totals"] == _listed(mine)


def test_wrong_kept_counts_of_a_lookup_sort_are_recounted(client_for, salesperson, mine):
    """The page reads past each value's part of it and sees counts that are not the deals'."""
    from opportunities.models import DealTotals

    DealTotals.objects.update(count=0)

    response = client_for(salesperson).get(LIST, {"sort": "stage"})

    assert response.context["totals"]["count"] == _listed(mine)["count"]
    assert response.context["table"].paginator.count == _listed(mine)["count"]
    assert response.context["table"].data.counts == {
        value: mine.filter(stage=value).count() for value in mine.values_list("stage", flat=True)
    }
