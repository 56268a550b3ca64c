"""DESIGN.md's named figures: one definition each, read by every report that shows it.

A deal in a forecast category that does not count (Omitted) is left out of weighted open,
forecast, commit, best case and every weighted figure; a deal without a category counts.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from forecasting.periods import Period
from forecasting.reports.budget import budget_report
from forecasting.reports.effort import effort_figures
from forecasting.reports.funnel import funnel_report
from forecasting.reports.pipeline import pipeline_report
from forecasting.reports.salespeople import salespeople_report
from forecasting.reports.trend import trend_report
from opportunities import services
from opportunities.models import ForecastCategory, Opportunity

from ..factories import BusinessAreaFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 2, 10)
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
def area():
    return BusinessAreaFactory(name="Öst")


@pytest.fixture
def deals(area, salesperson):
    """Three open deals closing in Q1 after TODAY (none, Commit, Omitted) at 50 %, an
    overdue one, and a won one."""
    omitted = ForecastCategory.objects.get(kind="omitted")
    assert not omitted.counts_in_forecast
    common = {
        "business_area": area,
        "owner": salesperson,
        "probability": 50,
        "is_probability_manual": True,
        "expected_close_date": date(2026, 3, 15),
    }
    OpportunityFactory(amount=Decimal("1000.00"), forecast_category=None, **common)
    OpportunityFactory(
        amount=Decimal("2000.00"),
        forecast_category=ForecastCategory.objects.get(kind="commit"),
        **common,
    )
    OpportunityFactory(amount=Decimal("758000.00"), forecast_category=omitted, **common)
    OpportunityFactory(
        amount=Decimal("400.00"), **{**common, "expected_close_date": date(2026, 2, 1)}
    )
    won = OpportunityFactory(amount=Decimal("5000.00"), business_area=area, owner=salesperson)
    services.close_won(
        won, user=salesperson, closed_date=date(2026, 1, 20), seen_version=won.version
    )


def test_budget_comparison_leaves_out_categories_that_do_not_count(deals):
    row = budget_report(Q1, {}, today=TODAY).rows[0]
    assert row.weighted == Decimal("1500.00")  # 500 + 1000; not the Omitted 379 000
    assert row.forecast == Decimal("6500.00")
    assert row.commit == Decimal("7000.00")  # won + the Commit deal
    assert row.best_case == Decimal("7000.00")
    assert row.overdue == Decimal("400.00")


def test_a_commit_category_that_does_not_count_adds_to_no_commit(deals):
    ForecastCategory.objects.filter(kind="commit").update(counts_in_forecast=False)
    row = budget_report(Q1, {}, today=TODAY).rows[0]
    assert row.commit == row.won == Decimal("5000.00")
    assert row.weighted == Decimal("500.00")


def test_budget_comparison_figures_are_the_named_querysets(deals):
    row = budget_report(Q1, {}, today=TODAY).rows[0]
    deals = Opportunity.objects
    assert (
        row.weighted
        == deals.weighted_open(Q1.start, Q1.end, today=TODAY).aggregate(s=Sum("weighted_amount"))[
            "s"
        ]
    )
    assert row.won == deals.won_in(Q1.start, Q1.end).aggregate(s=Sum("amount"))["s"]
    assert (
        row.overdue
        == deals.overdue(TODAY).in_period(Q1.start, Q1.end).aggregate(s=Sum("amount"))["s"]
    )


def test_every_weighted_column_leaves_out_categories_that_do_not_count(deals, salesperson):
    """Pipeline, funnel, trend, salesperson grid and effort: the total keeps every open
    deal (open pipeline), the weighted only those that count; overdue ones are their rows'."""
    pipeline = pipeline_report(Q1, {})
    assert pipeline.total.total == Decimal("761400.00")
    assert pipeline.total.weighted == Decimal("1700.00")
    assert funnel_report(Q1, {}).total.weighted == Decimal("1700.00")
    assert trend_report(Q1, {}).total.weighted == Decimal("1700.00")
    grid = salespeople_report(Q1, {})
    assert grid.total.weighted == Decimal("1700.00") and grid.total.open == Decimal("761400.00")
    assert effort_figures(Q1).total.weighted == Decimal("1700.00")


def test_report_rows_add_up_to_their_totals(deals):
    pipeline = pipeline_report(Q1, {})
    assert sum(b.subtotal.weighted for b in pipeline.areas) == pipeline.total.weighted
    report = budget_report(Q1, {}, today=TODAY)
    assert sum(r.weighted for r in report.rows) == report.total.weighted


def test_dashboard_weighted_leaves_out_categories_that_do_not_count(client_for, salesperson, deals):
    context = client_for(salesperson).get(reverse("dashboard")).context
    assert context["my_pipeline"]["amount"] == Decimal("761400.00")
    assert context["my_pipeline"]["weighted"] == Decimal("1700.00")


def test_weighted_open_and_weighted_pipeline_are_two_named_figures(deals):
    """*Weighted open* (the budget comparison) leaves the overdue deal out, as it is shown
    apart there; *weighted pipeline* (the effort report) keeps it. Each report reads its own."""
    deals = Opportunity.objects
    weighted_open = deals.weighted_open(Q1.start, Q1.end, today=TODAY)
    pipeline = deals.weighted_pipeline(Q1.start, Q1.end)
    assert weighted_open.aggregate(s=Sum("weighted_amount"))["s"] == Decimal("1500.00")
    assert pipeline.aggregate(s=Sum("weighted_amount"))["s"] == Decimal("1700.00")
    assert budget_report(Q1, {}, today=TODAY).total.weighted == Decimal("1500.00")
    assert effort_figures(Q1).total.weighted == Decimal("1700.00")
