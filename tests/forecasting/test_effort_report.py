import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils.timezone import localdate

from activities.models import Activity
from forecasting.periods import Period, current_quarter
from forecasting.reports.effort import effort_figures
from opportunities.models import Opportunity

from ..factories import AccountFactory, ActivityFactory, OpportunityFactory, SegmentFactory

pytestmark = pytest.mark.django_db

Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture(autouse=True)
def stockholm(settings):
    settings.TIME_ZONE = "Europe/Stockholm"


@pytest.fixture
def data(salesperson, other_salesperson):
    industry = SegmentFactory(name="Industry", order=1)
    public = SegmentFactory(name="Public sector", order=2)
    busy = AccountFactory(name="Busy AB", segment=industry)
    rich = AccountFactory(name="Rich AS", segment=public)
    start = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
    for _ in range(3):
        ActivityFactory(
            account=busy, owner=salesperson, start=start, end=start + timedelta(hours=2)
        )
    ActivityFactory(account=busy, owner=salesperson, task=True, due_date=date(2026, 2, 4))
    ActivityFactory(
        account=rich, owner=other_salesperson, start=start, end=start + timedelta(minutes=30)
    )
    # Outside the period: 1 April 00:30 in Stockholm is 31 March 22:30 UTC.
    ActivityFactory(
        account=rich, owner=other_salesperson, start=datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    )
    OpportunityFactory(
        account=rich,
        owner=other_salesperson,
        status="won",
        probability=100,
        amount=Decimal("900000.00"),
        closed_date=date(2026, 3, 15),
    )
    OpportunityFactory(
        account=busy,
        owner=salesperson,
        amount=Decimal("100000.00"),
        probability=25,
        expected_close_date=date(2026, 3, 20),
    )
    OpportunityFactory(  # open but closing after the period
        account=busy,
        owner=salesperson,
        amount=Decimal("5000.00"),
        expected_close_date=date(2026, 4, 2),
    )
    return {"busy": busy, "rich": rich}


def test_figures_per_segment_account_and_salesperson(data, salesperson, other_salesperson):
    report = effort_figures(Q1)
    assert report.total.activities == 5
    assert report.total.hours == Decimal("6.5")
    assert report.total.won == Decimal("900000.00")
    assert report.total.weighted == Decimal("25000.00")

    segments = {row.name: row for row in report.segments}
    assert [row.name for row in report.segments] == ["Industry", "Public sector"]
    assert (segments["Industry"].activities, segments["Industry"].hours) == (4, Decimal("6.0"))
    assert segments["Industry"].won == 0 and segments["Industry"].weighted == Decimal("25000.00")
    assert segments["Public sector"].won == Decimal("900000.00")
    assert segments["Industry"].activity_share == Decimal("80.0")
    assert segments["Public sector"].won_share == Decimal("100.0")

    assert [row.name for row in report.accounts] == ["Busy AB", "Rich AS"]
    people = {row.name: row for row in report.salespeople}
    assert people["Alice Andersson"].activities == 4
    assert people["Charlie Carlsson"].won == Decimal("900000.00")
    assert f"owner={other_salesperson.pk}" in people["Charlie Carlsson"].won_url


def test_segment_rows_add_up_to_the_total(data):
    report = effort_figures(Q1)
    assert sum(r.activities for r in report.segments) == report.total.activities
    assert sum(r.won for r in report.segments) == report.total.won
    assert sum(r.weighted for r in report.segments) == report.total.weighted


def test_page_without_period_shows_the_current_quarter(client_for, salesperson):
    response = client_for(salesperson).get(reverse("forecasting:effort"))
    quarter = current_quarter()
    assert response.status_code == 302
    assert f"start={quarter.start.isoformat()}" in response["Location"]


def test_page_renders_the_figures(client_for, salesperson, data):
    response = client_for(salesperson).get(reverse("forecasting:effort"), Q1.as_query())
    assert response.status_code == 200
    assert "Busy AB" in response.text and "Public sector" in response.text
    assert response.context["report"].total.activities == 5


def test_bad_period_is_a_form_error(client_for, salesperson):
    response = client_for(salesperson).get(
        reverse("forecasting:effort"), {"start": "2026-04-01", "end": "2026-03-01"}
    )
    assert response.status_code == 400


def test_csv_export_has_the_same_figures(client_for, salesperson, data):
    response = client_for(salesperson).get(
        reverse("forecasting:effort"), {**Q1.as_query(), "export": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Section", "Name", "Activities"]
    assert ["Segment", "Industry", "4", "6.0", "80.0", "0.00", "0.0", "25000.00"] in rows
    assert rows[-1][:4] == ["Total", "Total", "5", "6.5"]


def test_xlsx_export(client_for, salesperson, data):
    response = client_for(salesperson).get(
        reverse("forecasting:effort"), {**Q1.as_query(), "export": "xlsx"}
    )
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.active.values)
    # The title row and an empty row, then the rows of the CSV.
    assert values[0][0] == "Effort vs revenue"
    assert values[2][0] == "Section"
    assert ("Account", "Busy AB", 4) == values[5][:3]


@pytest.mark.parametrize("rows", [5, 50])
def test_report_queries_do_not_grow(client_for, salesperson, django_assert_max_num_queries, rows):
    start = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
    for _ in range(rows):
        account = AccountFactory(segment=SegmentFactory())
        ActivityFactory(account=account, owner=salesperson, start=start)
        OpportunityFactory(account=account, owner=salesperson, expected_close_date=date(2026, 3, 1))
    client = client_for(salesperson)
    with django_assert_max_num_queries(26):
        response = client.get(reverse("forecasting:effort"), Q1.as_query())
    assert len(response.context["report"].segments) == rows


def test_total_equals_a_recount_of_every_activity_and_deal(data, salesperson, other_salesperson):
    """The total summed from the salesperson rows against a plain recount; its hours are those
    of the summed durations (20 minutes each for two people: 0.7 hours, not 0.3 + 0.3)."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for owner in (salesperson, other_salesperson):
        ActivityFactory(
            account=data["busy"], owner=owner, start=start, end=start + timedelta(minutes=20)
        )
    report = effort_figures(Q1)

    activities = [a for a in Activity.objects.all() if Q1.start <= localdate(a.start) <= Q1.end]
    duration = sum(
        (a.end - a.start for a in activities if a.end and a.due_date is None), timedelta(0)
    )
    deals = list(Opportunity.objects.all())
    won = sum(d.amount for d in deals if d.status == "won" and Q1.start <= d.closed_date <= Q1.end)
    weighted = sum(
        d.weighted_amount
        for d in deals
        if d.status == "open" and Q1.start <= d.expected_close_date <= Q1.end
    )
    assert report.total.activities == len(activities) == 7
    assert report.total.hours == (Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.1"))
    assert report.total.hours == Decimal("7.2")
    assert (report.total.won, report.total.weighted) == (won, weighted)


def test_segments_and_busiest_accounts_equal_a_recount(data):
    """Segment rows and the busiest accounts, both from one pass per account, recounted."""
    quiet = AccountFactory(name="Quiet AB", segment=None)
    ActivityFactory(account=quiet, start=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    report = effort_figures(Q1)

    activities = [a for a in Activity.objects.all() if Q1.start <= localdate(a.start) <= Q1.end]
    per_segment, per_account = {}, {}
    for activity in activities:
        segment = activity.account.segment
        name = segment.name if segment else "(no segment)"
        per_segment[name] = per_segment.get(name, 0) + 1
        per_account[activity.account] = per_account.get(activity.account, 0) + 1
    assert {row.name: row.activities for row in report.segments} == per_segment
    busiest = sorted(per_account, key=lambda account: (-per_account[account], account.pk))
    assert [row.name for row in report.accounts] == [account.name for account in busiest]
    assert [row.activities for row in report.accounts] == [per_account[a] for a in busiest]
