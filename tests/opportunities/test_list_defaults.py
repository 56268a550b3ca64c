"""The deal list opened without filters (issue 17.7): a salesperson's own open deals, a
manager's the team's, soonest close first; every deal a click away; a footer that says what it
sums and does not count closed deals as pipeline."""

import csv
import datetime
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.filters import ALL_DEALS, ALL_DEALS_PARAMS
from opportunities.models import ForecastCategory, Opportunity, Stage

from ..factories import LossReasonFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
TODAY = datetime.date.today()


@pytest.fixture
def deals(salesperson, other_salesperson):
    """The salesperson's open, shared, won and lost deals, and another salesperson's."""
    omitted = ForecastCategory.objects.create(
        name="Left out", kind=ForecastCategory.Kind.OMITTED, counts_in_forecast=False
    )
    won_stage = Stage.objects.get(name="Qualified")
    made = {
        "late": OpportunityFactory(
            owner=salesperson,
            amount=Decimal("1000.00"),
            probability=25,
            expected_close_date=TODAY + datetime.timedelta(days=40),
        ),
        "soon": OpportunityFactory(
            owner=salesperson,
            amount=Decimal("2000.00"),
            probability=50,
            expected_close_date=TODAY + datetime.timedelta(days=3),
        ),
        "omitted": OpportunityFactory(
            owner=salesperson,
            amount=Decimal("4000.00"),
            probability=50,
            forecast_category=omitted,
        ),
        "won": OpportunityFactory(
            owner=salesperson,
            stage=won_stage,
            status=Opportunity.Status.WON,
            probability=100,
            amount=Decimal("8000.00"),
            closed_date=TODAY,
        ),
        "lost": OpportunityFactory(
            owner=salesperson,
            status=Opportunity.Status.LOST,
            probability=0,
            loss_reason=LossReasonFactory(name="Price"),
            closed_date=TODAY,
        ),
        "shared": OpportunityFactory(
            owner=other_salesperson,
            amount=Decimal("300.00"),
            probability=10,
            expected_close_date=TODAY + datetime.timedelta(days=10),
        ),
        "theirs": OpportunityFactory(owner=other_salesperson, amount=Decimal("500.00")),
    }
    made["shared"].co_responsible.add(salesperson)
    return made


def _listed(response) -> list[str]:
    return [row.name for row in response.context["table"].page.object_list.data]


def _names(deals, *keys) -> list[str]:
    return [deals[key].name for key in keys]


def test_a_salesperson_opens_on_their_own_open_deals_soonest_first(client_for, salesperson, deals):
    response = client_for(salesperson).get(LIST)

    assert _listed(response) == _names(deals, "soon", "shared", "omitted", "late")


def test_a_manager_opens_on_the_teams_open_deals(client_for, manager, deals):
    response = client_for(manager).get(LIST)

    assert Counter(_listed(response)) == Counter(
        _names(deals, "soon", "shared", "omitted", "late", "theirs")
    )


def test_the_defaults_are_shown_in_the_filter_form(client_for, salesperson, deals):
    html = client_for(salesperson).get(LIST).text

    assert re.search(r'<option value="true" selected>Mine</option>', html)
    assert re.search(r'<option value="open" selected>Open</option>', html)
    assert f'href="{LIST}?{ALL_DEALS.replace("&", "&amp;")}"' in html  # "Clear", "Show every deal"


@pytest.mark.parametrize(
    "params", [ALL_DEALS_PARAMS, {"mine": "", "status": "", "q": ""}], ids=["clear", "form"]
)
def test_every_deal_of_every_status_is_one_choice_away(client_for, salesperson, deals, params):
    response = client_for(salesperson).get(LIST, params)

    assert Counter(_listed(response)) == Counter(deal.name for deal in deals.values())
    assert not response.context["filter"].defaulted


def test_a_link_with_filters_is_taken_as_it_is(client_for, salesperson, deals):
    """A report's drill-down names its filters: no default is added to them."""
    stage = deals["theirs"].stage
    response = client_for(salesperson).get(LIST, {"stage": stage.pk})

    listed = _listed(response)
    assert deals["theirs"].name in listed and deals["lost"].name in listed


def test_sorting_and_paging_keep_the_defaults(client_for, salesperson, deals):
    response = client_for(salesperson).get(LIST, {"sort": "-amount"})

    assert _listed(response) == _names(deals, "omitted", "soon", "late", "shared")


def test_the_export_of_the_default_list_equals_the_list(client_for, salesperson, deals):
    client = client_for(salesperson)
    listed = _listed(client.get(LIST))
    response = client.get(LIST, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert [row[0] for row in rows[1:]] == listed


@pytest.mark.parametrize("kept", [True, False], ids=["kept totals", "summed deals"])
@pytest.mark.parametrize(
    "params,weighted",
    [
        # 25 % of 1000 + 50 % of 2000 + 10 % of 300: not the won deal's 8000, not the Omitted.
        ({}, "1280.00"),
        # ... and 10 % of another salesperson's 500.
        (ALL_DEALS_PARAMS, "1330.00"),
        ({"status": ""}, "1330.00"),
        ({"sort": "stage", **ALL_DEALS_PARAMS}, "1330.00"),
    ],
    ids=["default", "every deal", "every status", "sorted by stage"],
)
def test_the_weighted_total_counts_open_deals_in_the_forecast_only(
    client_for, salesperson, deals, settings, kept, params, weighted
):
    settings.KEPT_DEAL_TOTALS = kept
    response = client_for(salesperson).get(LIST, params)
    totals = response.context["totals"]
    listed = response.context["filter"].qs

    assert totals["weighted"] == Decimal(weighted)
    assert totals["amount"] == sum(deal.amount for deal in listed)
    assert totals["count"] == listed.count()


def test_the_footer_says_what_it_sums(client_for, salesperson, deals):
    html = client_for(salesperson).get(LIST).text

    assert 'id="deal-totals-note"' in html
    assert "Weighted: open deals only" in html


def test_the_filter_and_bulk_bars_have_unique_ids(client_for, salesperson, deals):
    html = client_for(salesperson).get(LIST).text
    ids = re.findall(r'\sid="([^"]+)"', html)

    assert [name for name, n in Counter(ids).items() if n > 1] == []
