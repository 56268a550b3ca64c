"""Velocity: days per stage and conversion, aggregated from hand-built histories (issue 19)."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from forecasting.periods import BY_MONTH, Period, buckets
from forecasting.reports.velocity import CLOSED, velocity_report
from opportunities.models import Stage

from ..factories import BusinessAreaFactory, LossReasonFactory
from ..history_rows import remove_behind_the_guard
from .test_as_of import at, change, created

pytestmark = pytest.mark.django_db

Q2 = Period(date(2025, 4, 1), date(2025, 6, 30))
MONTHS = buckets(Q2, BY_MONTH)


def stage(name: str) -> Stage:
    return Stage.objects.get(name=name)


@pytest.fixture
def history(salesperson, other_salesperson):
    """Three deals through the stages in Q2 2025 (and one visit entered in March)."""
    north = BusinessAreaFactory(name="North")
    prospect, qualified, short_list = (
        stage("Prospect"),
        stage("Qualified"),
        stage("Short list"),
    )
    # A: Prospect 1 Apr (10 days), Qualified 11 Apr (20 days), Short list 1 May, won 11 May.
    a = created(at(date(2025, 4, 1)), name="A", owner=salesperson, business_area=north)
    change(a, at(date(2025, 4, 11)), stage=qualified)
    change(a, at(date(2025, 5, 1)), stage=short_list)
    change(a, at(date(2025, 5, 11)), status="won", probability=100, closed_date=date(2025, 5, 11))
    # B: Prospect 5 Apr (4 days), Qualified 9 Apr (6 days), back to Prospect 15 Apr,
    # lost on 25 Apr (10 days).
    b = created(at(date(2025, 4, 5)), name="B", owner=salesperson, business_area=north)
    change(b, at(date(2025, 4, 9)), stage=qualified)
    change(b, at(date(2025, 4, 15)), stage=prospect)
    reason = LossReasonFactory()
    change(
        b, at(date(2025, 4, 25)), status="lost", loss_reason=reason, closed_date=date(2025, 4, 25)
    )
    # C (Charlie's, no area): Prospect from 20 March; Qualified on 2 June, still there.
    c = created(at(date(2025, 3, 20)), name="C", owner=other_salesperson, business_area=None)
    change(c, at(date(2025, 6, 2)), stage=qualified)
    change(c, at(date(2025, 6, 5)), amount=Decimal("5.00"))  # no new step
    return {"north": north, "prospect": prospect, "qualified": qualified}


def _by_stage(report):
    return {row.stage.name: row.total for row in report.stages}


def test_entered_in_the_period(history):
    report = velocity_report(Q2, MONTHS)

    rows = _by_stage(report)
    assert list(rows) == ["Prospect", "Qualified", "Short list"]
    prospect = rows["Prospect"]
    # A 10 days (went on), B 4 days (went on), B again 10 days (lost); C entered in March.
    assert (prospect.visits, prospect.finished, prospect.days) == (3, 3, 24)
    assert (prospect.advanced, prospect.lost, prospect.won) == (2, 1, 1)
    assert prospect.average_days == Decimal("8.0")
    assert prospect.conversion == Decimal("66.7")
    assert prospect.won_rate == Decimal("33.3")
    qualified = rows["Qualified"]
    # A 20 days (went on), B 6 days (moved back: not on), C still there.
    assert (qualified.visits, qualified.finished, qualified.days) == (3, 2, 26)
    assert (qualified.advanced, qualified.lost, qualified.running) == (1, 0, 1)
    assert qualified.average_days == Decimal("13.0")
    short_list = rows["Short list"]
    assert (short_list.visits, short_list.days, short_list.advanced) == (1, 10, 1)
    assert short_list.conversion == Decimal("100.0")
    assert report.total.visits == 7


def test_each_month_has_its_own_figures(history):
    report = velocity_report(Q2, MONTHS)

    prospect = report.stages[0]
    assert [v.visits for v in prospect.buckets] == [3, 0, 0]
    qualified = report.stages[1]
    assert [v.visits for v in qualified.buckets] == [2, 0, 1]
    assert [v.average_days for v in qualified.buckets] == [Decimal("13.0"), None, None]


def test_closed_in_the_period_counts_every_visit_of_the_closed_deals(history):
    report = velocity_report(Q2, MONTHS, mode=CLOSED)

    rows = _by_stage(report)
    assert rows["Prospect"].visits == 3  # A, B twice; C is open
    assert rows["Short list"].won == 1
    # A closed in May, B in April.
    assert [v.visits for v in report.stages[0].buckets] == [2, 1, 0]


def test_filters_read_the_visit_as_it_was_entered(history, other_salesperson):
    by_owner = velocity_report(Q2, MONTHS, owner=other_salesperson)
    assert [(row.stage.name, row.total.visits) for row in by_owner.stages] == [("Qualified", 1)]

    by_area = velocity_report(Q2, MONTHS, business_area=history["north"])
    assert by_area.total.visits == 6


def test_query_count_is_fixed(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        velocity_report(Q2, MONTHS)


def test_page_shows_stages_and_months(client_for, salesperson, history):
    response = client_for(salesperson).get(reverse("forecasting:velocity"), {"pick": "2025-Q2"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="velocity-report"' in html and 'id="velocity-buckets"' in html
    assert "66.7" in html and "style=" not in html


def test_page_query_count_is_fixed(client_for, salesperson, history, django_assert_max_num_queries):
    client = client_for(salesperson)
    url = reverse("forecasting:velocity")
    client.get(url, {"pick": "2025-Q2"})
    with django_assert_max_num_queries(12):
        client.get(url, {"pick": "2025-Q2", "mode": "closed"})


@pytest.mark.parametrize(
    "params",
    [
        {"pick": "2025-Q2", "mode": "sideways"},
        {"start": "2020-01-01", "end": "2025-12-31"},
        {"pick": "0000"},
        {"pick": "2025", "by": "month", "owner": "x"},
    ],
)
def test_bad_input_is_a_form_error(client_for, salesperson, params):
    response = client_for(salesperson).get(reverse("forecasting:velocity"), params)

    assert response.status_code == 400


def test_exports_equal_the_page(client_for, salesperson, history):
    client = client_for(salesperson)
    url = reverse("forecasting:velocity")
    response = client.get(url, {"pick": "2025-Q2", "export": "csv"})

    assert "velocity-2025-Q2" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    prospect = next(row for row in rows if row[0] == "Prospect")
    assert prospect[2:] == ["3", "3", "8.0", "2", "66.7", "1", "1", "33.3"]
    assert next(row for row in rows if row[0] == "Total")[2] == "7"

    response = client.get(url, {"pick": "2025-Q2", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Velocity"


def test_an_empty_period_says_what_was_looked_for(client_for, salesperson):
    client = client_for(salesperson)
    url = reverse("forecasting:velocity")

    entered = client.get(url, {"pick": "2025-Q2"}).content.decode()
    closed = client.get(url, {"pick": "2025-Q2", "mode": "closed"}).content.decode()

    assert "No deal entered a stage in this period." in entered
    assert "No deal closed in this period." in closed
    assert "No deal entered a stage" not in closed


def test_a_stage_deleted_after_deals_passed_through_it_keeps_its_row(client_for, salesperson):
    """History brought over from an old CRM may name a stage that is not here."""
    temporary = Stage.objects.create(name="Temporary", order=15, default_probability=15)
    deal = created(at(date(2025, 4, 1)), owner=salesperson, stage=stage("Prospect"))
    change(deal, at(date(2025, 4, 5)), stage=temporary)
    change(deal, at(date(2025, 4, 9)), stage=stage("Qualified"))
    remove_behind_the_guard(temporary)

    report = velocity_report(Q2, MONTHS)
    response = client_for(salesperson).get(reverse("forecasting:velocity"), {"pick": "2025-Q2"})

    assert [(row.stage.name, row.total.visits, row.total.days) for row in report.stages] == [
        ("Prospect", 1, 4),
        ("Qualified", 1, 0),
        ("(deleted stage)", 1, 4),
    ]
    assert report.total.visits == 3
    assert response.status_code == 200
