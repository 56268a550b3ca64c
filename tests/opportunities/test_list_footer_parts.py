"""The deal list's footer summed part by part (`OpportunityFilter.deal_parts`) equals a plain
recount of the filtered deals, and the parts are exactly those deals, each once."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from opportunities.models import (
    ForecastCategory,
    Opportunity,
    Stage,
    stale_condition,
    stale_parts,
)

from ..factories import BusinessAreaFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
STALE_DAYS = 30  # the company's default


@pytest.fixture
def deals(salesperson, co_responsible):
    """Open and closed deals on both sides of today's close date and of the stale cut-off,
    some out of the forecast, in two areas and none."""
    today = timezone.localdate()
    area = BusinessAreaFactory(name="Norr")
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    stage = Stage.objects.filter(is_active=True).order_by("order").first()
    close_days = (-40, -1, 0, 1, 45)
    stage_days = (-STALE_DAYS - 1, -STALE_DAYS, 0)
    combos = itertools.product(close_days, stage_days, (area, None), (None, omitted))
    for n, (close, in_stage, deal_area, category) in enumerate(combos):
        OpportunityFactory(
            owner=salesperson if n % 3 else co_responsible,
            stage=stage,
            business_area=deal_area,
            forecast_category=category,
            amount=Decimal("100.10") * (n + 1),
            expected_close_date=today + datetime.timedelta(days=close),
            stage_date=today + datetime.timedelta(days=in_stage),
        )
    won = Opportunity.objects.order_by("pk")[:4]
    Opportunity.objects.filter(pk__in=[deal.pk for deal in won]).update(
        status="won", closed_date=today, weighted_amount=Decimal("1.00")
    )
    return area


def test_the_stale_parts_are_the_stale_deals_each_once(deals):
    today = timezone.localdate()
    first, second = stale_parts(today, STALE_DAYS)
    stale = set(Opportunity.objects.filter(stale_condition(today, STALE_DAYS)).values_list("pk"))

    assert stale
    assert set(Opportunity.objects.filter(first | second).values_list("pk")) == stale
    assert not Opportunity.objects.filter(first & second).exists()


FILTERS = {
    "stale": {"stale": "true"},
    "stale, sorted by stage": {"stale": "true", "sort": "stage"},
    "stale, sorted by area, descending": {"stale": "true", "sort": "-business_area"},
    "stale in an area": {"stale": "true", "business_area": "area"},
    "stale, mine": {"stale": "true", "mine": "true"},
    "stale, without an area, in a close range": {
        "stale": "true",
        "business_area": "null",
        "close_from": "-40",
        "close_to": "0",
    },
    "an area, open, in a close range": {
        "business_area": "area",
        "status": "open",
        "close_from": "0",
        "close_to": "90",
    },
}


def _params(params: dict, area) -> dict:
    today = timezone.localdate()
    resolved = dict(params)
    if resolved.get("business_area") == "area":
        resolved["business_area"] = area.pk
    for name in ("close_from", "close_to"):
        if name in resolved:
            resolved[name] = (today + datetime.timedelta(days=int(resolved[name]))).isoformat()
    return resolved


@pytest.mark.parametrize("params", FILTERS.values(), ids=FILTERS.keys())
def test_the_footer_summed_by_parts_equals_a_recount_of_the_deals(
    client_for, salesperson, deals, params
):
    response = client_for(salesperson).get(LIST, _params(params, deals))
    filterset, table = response.context["filter"], response.context["table"]
    filtered = filterset.qs
    parts = filterset.deal_parts()

    assert response.context["totals"] == filtered.totals(listed=True)
    assert response.context["totals"]["count"] > 0
    assert sorted(pk for part in parts for pk in part.values_list("pk", flat=True)) == sorted(
        filtered.values_list("pk", flat=True)
    )
    assert len(parts) == (2 if "stale" in params else 1)
    assert [row.pk for row in table.page.object_list.data] == [
        deal.pk for deal in table.data.data[:50]
    ]


def test_a_list_without_a_split_filter_is_its_own_part(client_for, salesperson, deals):
    response = client_for(salesperson).get(LIST, {"status": "open", "business_area": deals.pk})
    filterset = response.context["filter"]

    assert filterset.deal_parts() == [filterset.qs]
    assert not filterset.deal_parts()[0].filter(~Q(status="open")).exists()
