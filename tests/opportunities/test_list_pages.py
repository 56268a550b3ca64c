"""The deal list's pages, read ids first: the same rows in the same order as plain slicing."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.filters import ALL_DEALS_PARAMS as ALL_DEALS
from opportunities.models import Opportunity, Stage

from ..factories import BusinessAreaFactory, OpportunityFactory, StageFactory, UserFactory

pytestmark = pytest.mark.django_db

SORTS = {
    "close date": ("expected_close_date", "pk"),
    "amount, descending": ("-amount", "-pk"),
    "stage": ("stage__order", "stage__name", "pk"),
    "stage, descending": ("-stage__order", "-stage__name", "-pk"),
    "owner": ("owner__first_name", "owner__username", "pk"),
    "owner, descending": ("-owner__first_name", "-owner__username", "-pk"),
    "business area": ("business_area__order", "business_area__name", "pk"),
    "business area, descending": ("-business_area__order", "-business_area__name", "-pk"),
}


@pytest.fixture
def deals():
    """23 deals over three stages (one of them ordered before the defaults), owners and areas."""
    stages = [
        Stage.objects.get(name="Qualified"),
        StageFactory(name="0. Lead", order=1),
        Stage.objects.get(name="Prospect"),
    ]
    owners = [
        UserFactory(first_name="Berit", username="berit"),
        UserFactory(first_name="", username="zed"),
        UserFactory(first_name="Anna", username="anna2"),
    ]
    areas = [
        BusinessAreaFactory(name="Väst", order=2),
        None,
        BusinessAreaFactory(name="Öst", order=1),
    ]
    today = datetime.date(2026, 11, 23)
    for n, (stage, owner, area) in zip(
        range(23), itertools.cycle(itertools.product(stages, owners, areas)), strict=False
    ):
        OpportunityFactory(
            name=f"Deal {n:02d}",
            stage=stage,
            owner=owner,
            business_area=area,
            amount=Decimal(1000 + (n * 37) % 11 * 100),
            expected_close_date=today + datetime.timedelta(days=n % 5),
        )


@pytest.mark.parametrize("sort", SORTS.values(), ids=SORTS.keys())
@pytest.mark.parametrize("window", [(0, 5), (4, 13), (17, 30), (0, 50)])
def test_page_equals_plain_slicing(deals, sort, window):
    deals = Opportunity.objects.order_by(*sort)
    expected = [deal.pk for deal in deals[slice(*window)]]

    assert deals.page_ids(*window) == expected


@pytest.mark.parametrize("sort", SORTS.values(), ids=SORTS.keys())
def test_page_of_a_filtered_list_with_counts_from_totals(deals, sort):
    deals = Opportunity.objects.filter(amount__gte=1500).order_by(*sort)
    field, _descending = deals.lookup_sort() or ("stage", False)
    totals, counts = deals.totals_by(field)

    assert totals == deals.totals()
    assert deals.page_ids(3, 9, counts=counts) == [deal.pk for deal in deals[3:9]]


def test_lookup_sort_is_recognised_only_for_a_lookup_order():
    deals = Opportunity.objects.all()

    assert deals.order_by("stage__order", "stage__name", "pk").lookup_sort() == ("stage", False)
    assert deals.order_by("-owner__first_name", "-owner__username", "-pk").lookup_sort() == (
        "owner",
        True,
    )
    assert deals.order_by("stage__order", "-stage__name", "pk").lookup_sort() is None
    assert deals.order_by("expected_close_date", "pk").lookup_sort() is None


@pytest.mark.parametrize("sort", ["stage", "-stage", "owner", "-business_area", "-amount"])
def test_list_pages_through_a_lookup_sort_without_gaps_or_repeats(
    client_for, salesperson, deals, sort, monkeypatch
):
    monkeypatch.setattr("opportunities.views.PER_PAGE", 10)
    client = client_for(salesperson)
    seen = []
    for page in (1, 2, 3):
        response = client.get(
            reverse("opportunities:list"), {**ALL_DEALS, "sort": sort, "page": page}
        )
        seen += [row.pk for row in response.context["table"].page.object_list.data]

    assert seen == [deal.pk for deal in Opportunity.objects.order_by(*_ordering(sort))]
    assert len(seen) == len(set(seen)) == 23


def _ordering(sort: str) -> tuple:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    ordering = {
        "stage": SORTS["stage"],
        "owner": SORTS["owner"],
        "business_area": SORTS["business area"],
        "amount": ("amount", "pk"),
    }[key]
    return tuple(f"-{field}" for field in ordering) if descending else ordering


def test_per_page_is_capped(client_for, salesperson, deals, monkeypatch):
    monkeypatch.setattr("opportunities.views.CountedPaginator.MAX_PER_PAGE", 7)
    response = client_for(salesperson).get(
        reverse("opportunities:list"), {**ALL_DEALS, "per_page": 100000}
    )

    assert len(response.context["table"].page.object_list.data) == 7


@pytest.mark.parametrize("as_list", [200, 1], ids=["shared ids as a list", "as a subquery"])
def test_mine_is_owned_and_shared_deals(salesperson, as_list, monkeypatch):
    monkeypatch.setattr("opportunities.models.CO_OWNED_AS_LIST", as_list)
    own = OpportunityFactory(owner=salesperson)
    shared = [OpportunityFactory() for _ in range(3)]
    for deal in shared:
        deal.co_responsible.add(salesperson)
    OpportunityFactory()  # someone else's

    assert set(Opportunity.objects.owned_by(salesperson)) == {own, *shared}
    assert Opportunity.objects.owned_by(salesperson).totals()["count"] == 4


@pytest.mark.parametrize("sort", ["owner", "-owner"])
def test_a_page_over_many_small_owners_costs_three_queries_at_most(
    sort, django_assert_max_num_queries
):
    owners = [UserFactory(first_name=f"Owner {n:02d}") for n in range(12)]
    for n, owner in enumerate(owners):
        OpportunityFactory.create_batch(1 + n % 3, owner=owner)
    deals = Opportunity.objects.order_by(*_ordering(sort))
    totals, counts = deals.totals_by("owner")

    with django_assert_max_num_queries(4):  # the owners' order, then three
        ids = deals.page_ids(1, 20, counts=counts)
    assert ids == [deal.pk for deal in deals[1:20]]
