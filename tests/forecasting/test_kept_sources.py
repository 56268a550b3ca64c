"""The reports' won and open deals of a period read from their sums kept per day
(`forecasting.reports.figures.won_in_period`, `open_in_period`: `OpenAreaSums`,
`OpenDealSums`, `ClosedDealSums`, PostgreSQL): the budget comparison, the salespeople and the
trend reports are the same as summed from the deals, and the budget comparison a recount of
them; the deals are read where the kept sums cannot answer (other filters, as of a day)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forecasting.dashboard import budget_status
from forecasting.models import Budget
from forecasting.periods import Period
from forecasting.reports.budget import budget_export_rows, budget_report
from forecasting.reports.salespeople import salespeople_report
from forecasting.reports.trend import trend_report
from opportunities import services
from opportunities.models import ForecastCategory, Opportunity

from ..factories import (
    BusinessAreaFactory,
    LossReasonFactory,
    OpportunityFactory,
    ProductFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the sums are kept on PostgreSQL only"
    ),
]

TODAY = date(2026, 11, 16)
QUARTER = Period(date(2026, 10, 1), date(2026, 12, 31))
PERIODS = [
    QUARTER,
    Period(date(2026, 11, 1), date(2026, 11, 30)),
    Period(date(2026, 1, 1), date(2026, 12, 31)),
    Period(date(2026, 11, 16), date(2026, 11, 16)),
]
KEPT_TABLES = ("opportunities_open_area_sums", "opportunities_closed_deal_sums")


@pytest.fixture
def areas():
    return BusinessAreaFactory(name="Öst", order=1), BusinessAreaFactory(name="Väst", order=2)


@pytest.fixture
def deals(areas, salesperson):
    """Open deals of each category (none too) before, on and after today, in and out of the
    quarter, with and without a business area; won and lost ones in and out of it."""
    categories = [*ForecastCategory.objects.all(), None]
    east, west = areas
    for month in (10, 11, 12):
        Budget.objects.create(business_area=east, month=date(2026, month, 1), amount=100000)
    offsets = (-50, -20, -1, 0, 1, 14, 45, 120)
    for n, offset in enumerate(offsets * 3):
        OpportunityFactory(
            owner=salesperson,
            business_area=(east, west, None)[n % 3],
            forecast_category=categories[n % len(categories)],
            amount=Decimal("1000.10") * (n + 1),
            probability=(10, 25, 60, 90)[n % 4],
            is_probability_manual=True,
            expected_close_date=TODAY + timedelta(days=offset),
        )
    reason = LossReasonFactory()
    for n, offset in enumerate(offsets * 2):
        deal = OpportunityFactory(
            owner=salesperson,
            business_area=(east, west, None)[n % 3],
            amount=Decimal("2500.05") * (n + 1),
        )
        closed = min(TODAY + timedelta(days=offset), TODAY)
        if n % 3:
            services.close_won(deal, user=salesperson, closed_date=closed, seen_version=1)
        else:
            services.close_lost(
                deal, user=salesperson, loss_reason=reason, closed_date=closed, seen_version=1
            )


def _recount(period: Period, area=None) -> dict:
    """Won, weighted open and overdue per area (None: none), summed in Python."""
    result: dict = {}
    for deal in Opportunity.objects.select_related("forecast_category"):
        if area is not None and deal.business_area_id != area.pk:
            continue
        row = result.setdefault(deal.business_area_id, [Decimal(0)] * 3)
        if deal.status == "won" and period.start <= deal.closed_date <= period.end:
            row[0] += deal.amount
        in_period = period.start <= deal.expected_close_date <= period.end
        counts = deal.forecast_category is None or deal.forecast_category.counts_in_forecast
        if deal.status == "open" and in_period and deal.expected_close_date >= TODAY and counts:
            row[1] += deal.weighted_amount
        if deal.status == "open" and in_period and deal.expected_close_date < TODAY:
            row[2] += deal.amount
    return {key: value for key, value in result.items() if any(value)}


def _report(period, filters=None, **options):
    report = budget_report(period, filters or {}, today=TODAY, **options)
    return list(budget_export_rows(report)), report


def test_the_kept_report_is_the_deals_report_and_a_recount(settings, areas, deals):
    """Every period, with and without overdue, for every deal and for one area."""
    for period in PERIODS:
        for overdue in (True, False):
            for filters in ({}, {"business_area": areas[1]}):
                settings.KEPT_SUMS = True
                _check_budget(settings, period, filters, overdue)


def _check_budget(settings, period, filters, overdue):
    with CaptureQueriesContext(connection) as queries:
        kept, report = _report(period, filters, overdue=overdue)
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert all(table in read for table in KEPT_TABLES)
    assert "opportunities_opportunity" not in read
    settings.KEPT_SUMS = False
    summed, _ = _report(period, filters, overdue=overdue)
    assert kept == summed
    expected = _recount(period, filters.get("business_area"))
    got = {
        row.area.pk if row.area else None: [row.won, row.weighted, row.overdue]
        for row in report.rows
        if row.won or row.weighted or row.overdue
    }
    if not overdue:
        expected = {
            key: [won, weighted, Decimal(0)] for key, (won, weighted, _o) in expected.items()
        }
        expected = {key: value for key, value in expected.items() if any(value)}
    assert got == expected
    assert report.total.won == sum((row.won for row in report.rows), Decimal(0)) > 0


def test_commit_and_best_case_count_the_deals_without_a_category_in_neither(settings, areas, deals):
    kept = budget_report(QUARTER, {}, today=TODAY)
    settings.KEPT_SUMS = False
    summed = budget_report(QUARTER, {}, today=TODAY)
    for mine, theirs in zip(kept.rows, summed.rows, strict=True):
        assert (mine.commit, mine.best_case) == (theirs.commit, theirs.best_case)
    assert kept.total.best_case > kept.total.commit > kept.total.won


def _read(**options) -> str:
    with CaptureQueriesContext(connection) as queries:
        budget_report(QUARTER, options.pop("filters", {}), today=TODAY, **options)
    return " ".join(query["sql"] for query in queries.captured_queries)


def test_other_filters_and_a_past_day_read_the_deals(areas, deals, salesperson):
    # The won deals are kept per owner too; the open ones per area have no owner.
    read = _read(filters={"owner": salesperson})
    assert "opportunities_closed_deal_sums" in read
    assert "opportunities_open_area_sums" not in read
    # A product is no key of any kept sums.
    for options in (
        {"filters": {"product": ProductFactory()}},
        {"as_of": TODAY - timedelta(days=1)},
    ):
        read = _read(**options)
        assert not any(table in read for table in KEPT_TABLES)


def test_the_salespeople_and_trend_reports_are_the_same_on_and_off(
    settings, areas, deals, salesperson
):
    values = {
        "owner": salesperson,
        "business_area": areas[0],
        "area": areas[1],
        "forecast_category": ForecastCategory.objects.get(kind="commit"),
    }
    for period in PERIODS:
        for narrowed in (
            (),
            ("owner",),
            ("business_area",),
            ("forecast_category",),
            ("owner", "area"),
        ):
            filters = {
                ("business_area" if name == "area" else name): values[name] for name in narrowed
            }
            settings.KEPT_SUMS = True
            with CaptureQueriesContext(connection) as queries:
                kept = _people_and_trend(period, filters)
            assert "_sums" in " ".join(query["sql"] for query in queries.captured_queries)
            settings.KEPT_SUMS = False
            assert kept == _people_and_trend(period, filters), (period, narrowed)
            if not narrowed:  # the unfiltered reports have figures to compare
                assert kept[0] and any(count for *_key, count in kept[2])


def _people_and_trend(period, filters):
    people = salespeople_report(period, filters, by="quarter")
    trend = trend_report(period, filters)
    return (
        [(row.owner.pk, [_cell(cell) for cell in row.cells]) for row in people.rows],
        [_cell(cell) for cell in people.totals],
        [
            (row.bucket.key, row.figures.total, row.figures.weighted, row.figures.count)
            for row in trend.rows
        ],
    )


def _cell(cell):
    return (cell.won, cell.open, cell.weighted, cell.count)


def test_the_dashboards_budget_status_is_the_same_on_and_off(settings, deals):
    kept = [(status.rows, status.total) for status in budget_status(TODAY)]
    settings.KEPT_SUMS = False
    assert kept == [(status.rows, status.total) for status in budget_status(TODAY)]
    assert kept[1][1].budget == Decimal("300000.00")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("forecasting:budget", {"pick": "2026-Q4"}),
        ("forecasting:salespeople", {"start": "2026-01-01", "end": "2027-12-31", "by": "quarter"}),
        ("forecasting:trend", {"start": "2026-01-01", "end": "2027-12-31"}),
    ],
)
def test_the_report_pages_read_the_kept_sums_and_export_the_same(
    settings, client_for, manager, deals, name, params
):
    """As a manager opens them: the form's period and options are no filters of the deals."""
    client = client_for(manager)
    url = reverse(name)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    assert "_sums" in " ".join(query["sql"] for query in queries.captured_queries)
    kept = _csv(client.get(url, {**params, "export": "csv"}))
    settings.KEPT_SUMS = False
    assert _csv(client.get(url, {**params, "export": "csv"})) == kept
    assert len(kept.splitlines()) > 2


def _csv(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_kept_key_that_adds_up_to_no_deal_is_no_row(settings, areas, deals, manager):
    """Rows a writer added while another folded (+1, then -1 for the same key) are no group:
    the manager, who owns no deal, gets no row in the salespeople report, an area without
    deals none in the budget comparison."""
    stage = Opportunity.objects.first().stage_id
    empty = BusinessAreaFactory(name="Nord", order=3)
    rows = {
        "opportunities_open_deal_sums": [TODAY, manager.pk, stage, 0, "open"],
        "opportunities_closed_deal_sums": [TODAY, manager.pk, empty.pk, "won"],
        "opportunities_open_area_sums": [TODAY, empty.pk, 0, "open"],
    }
    with connection.cursor() as cursor:
        for table, key in rows.items():
            for sign in (1, -1):
                values = [*key, sign, sign * 5, 0]
                marks = ", ".join(["%s"] * len(values))
                cursor.execute(f"INSERT INTO {table} VALUES ({marks})", values)
    people = _people_and_trend(QUARTER, {})
    budget = _report(QUARTER)[0]
    assert manager.pk not in [owner for owner, _cells in people[0]]
    assert "Nord" not in str(budget)
    settings.KEPT_SUMS = False
    assert _people_and_trend(QUARTER, {}) == people
    assert _report(QUARTER)[0] == budget
