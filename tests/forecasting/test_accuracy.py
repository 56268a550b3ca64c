"""Forecast accuracy against a hand-built history (issue 19)."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from forecasting.periods import Period
from forecasting.reports.accuracy import (
    BY_OWNER,
    accuracy_report,
    default_points,
    last_closed_quarter,
    report_points,
)
from opportunities.models import ForecastCategory, Stage

from ..factories import BusinessAreaFactory, LossReasonFactory, UserFactory
from ..history_rows import remove_behind_the_guard
from .test_as_of import at, change, created

pytestmark = pytest.mark.django_db

Q2 = Period(date(2025, 4, 1), date(2025, 6, 30))
POINTS = [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]


@pytest.fixture
def history(salesperson, other_salesperson):
    """Q2 2025 of two areas. Weighted values: Prospect is 10 %, Short list 50 %."""
    north, south = BusinessAreaFactory(name="North"), BusinessAreaFactory(name="South")
    prospect, short_list = (
        Stage.objects.get(name="Prospect"),
        Stage.objects.get(name="Short list"),
    )

    def deal(name, amount, area, owner=salesperson, close=date(2025, 5, 15), **fields):
        fields = {"stage": prospect, "probability": 10, **fields}
        return created(
            at(date(2025, 3, 1)),
            name=name,
            business_area=area,
            owner=owner,
            amount=Decimal(amount),
            expected_close_date=close,
            **fields,
        )

    # North: 10,000 at 10 % on 1 April; 50 % from 20 April; won on 10 May at 12,000.
    big = deal("Big", "10000.00", north)
    change(big, at(date(2025, 4, 20)), stage=short_list, probability=50)
    change(big, at(date(2025, 5, 10)), amount=Decimal("12000.00"))
    change(
        big, at(date(2025, 5, 10), 13), status="won", probability=100, closed_date=date(2025, 5, 10)
    )
    # North: 4,000 at 10 %, lost on 5 May.
    lost = deal("Lost", "4000.00", north)
    change(
        lost, at(date(2025, 5, 5)), status="lost", probability=0, loss_reason=LossReasonFactory()
    )
    # South: 6,000 at 50 %, pushed out to July on 15 May (in no forecast from 1 June).
    pushed = deal(
        "Pushed", "6000.00", south, owner=other_salesperson, stage=short_list, probability=50
    )
    change(pushed, at(date(2025, 5, 15)), expected_close_date=date(2025, 7, 15))
    # South: created on 2 May, won on 20 June for 2,500 (closing in June).
    late = created(
        at(date(2025, 5, 2)),
        name="Late",
        business_area=south,
        owner=other_salesperson,
        stage=short_list,
        probability=50,
        amount=Decimal("2500.00"),
        expected_close_date=date(2025, 6, 20),
    )
    change(
        late, at(date(2025, 6, 20)), status="won", probability=100, closed_date=date(2025, 6, 20)
    )
    # Omitted: never in the forecast, though in the period.
    omitted = ForecastCategory.objects.get(name="Omitted")
    deal("Omitted", "9000.00", north, forecast_category=omitted, probability=50)
    # Overdue at 1 June: expected on 30 May, still open.
    deal("Overdue", "1000.00", north, close=date(2025, 5, 30), probability=10)
    return {"north": north, "south": south}


def _figures(row):
    return [(f.won, f.weighted, f.forecast, f.error, f.percent) for f in row.forecasts]


def test_default_points_are_the_month_starts_or_quarter_starts():
    assert default_points(Q2) == POINTS
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    assert default_points(year) == [date(2025, m, 1) for m in (1, 4, 7, 10)]
    assert default_points(Period(date(2025, 4, 10), date(2025, 5, 20))) == [
        date(2025, 4, 10),
        date(2025, 5, 1),
    ]
    assert report_points(Q2, [date(2025, 5, 1), date(2025, 4, 15), date(2025, 8, 1)]) == [
        date(2025, 4, 1),
        date(2025, 4, 15),
        date(2025, 5, 1),
        date(2025, 6, 1),
    ]


def test_last_closed_quarter():
    assert last_closed_quarter(date(2025, 7, 1)) == Q2
    assert last_closed_quarter(date(2025, 2, 14)) == Period(date(2024, 10, 1), date(2024, 12, 31))


def test_forecast_per_area_at_each_point_beside_the_actual(history):
    report = accuracy_report(Q2, points=POINTS)

    north, south = report.rows
    assert (north.name, north.actual) == ("North", Decimal("12000.00"))
    # 1 April: Big 1,000 + Lost 400 + Overdue 100 (Omitted left out) = 1,500.
    # 1 May: Big at 50 % 5,000 + Lost 400 + Overdue 100 = 5,500.
    # 1 June: Big won 12,000; Overdue (30 May) is overdue, Lost is lost.
    assert _figures(north) == [
        (
            Decimal("0"),
            Decimal("1500.00"),
            Decimal("1500.00"),
            Decimal("-10500.00"),
            Decimal("-87.5"),
        ),
        (
            Decimal("0"),
            Decimal("5500.00"),
            Decimal("5500.00"),
            Decimal("-6500.00"),
            Decimal("-54.2"),
        ),
        (Decimal("12000.00"), Decimal("0"), Decimal("12000.00"), Decimal("0.00"), Decimal("0.0")),
    ]
    assert (south.name, south.actual) == ("South", Decimal("2500.00"))
    # 1 April: Pushed 3,000; 1 May: Pushed 3,000 (Late not yet created); 1 June: Late 1,250.
    assert [f.forecast for f in south.forecasts] == [
        Decimal("3000.00"),
        Decimal("3000.00"),
        Decimal("1250.00"),
    ]
    assert [f.forecast for f in report.total.forecasts] == [
        Decimal("4500.00"),
        Decimal("8500.00"),
        Decimal("13250.00"),
    ]
    assert report.total.actual == Decimal("14500.00")
    assert report.total.forecasts[2].error == Decimal("-1250.00")
    assert report.total.forecasts[2].percent == Decimal("-8.6")


def test_per_salesperson(history, salesperson, other_salesperson):
    report = accuracy_report(Q2, points=POINTS, by=BY_OWNER)

    by_owner = {row.key: row for row in report.rows}
    assert set(by_owner) == {salesperson.pk, other_salesperson.pk}
    assert by_owner[salesperson.pk].actual == Decimal("12000.00")
    assert [f.forecast for f in by_owner[other_salesperson.pk].forecasts] == [
        Decimal("3000.00"),
        Decimal("3000.00"),
        Decimal("1250.00"),
    ]


def test_the_rows_add_up_to_the_total(history):
    report = accuracy_report(Q2, points=POINTS)

    for index in range(len(POINTS)):
        assert report.total.forecasts[index].forecast == sum(
            row.forecasts[index].forecast for row in report.rows
        )
    assert report.total.actual == sum(row.actual for row in report.rows)


def test_nothing_won_has_no_percent(salesperson):
    report = accuracy_report(Q2, points=POINTS)

    assert report.rows == []
    assert report.total.forecasts[0].percent is None


def test_query_count_does_not_grow_with_deals_or_points(
    history, salesperson, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        accuracy_report(Q2, points=POINTS)
    area = BusinessAreaFactory(name="East")
    for number in range(10):
        created(
            at(date(2025, 3, 2)), business_area=area, owner=UserFactory(), name=f"More {number}"
        )
    with django_assert_max_num_queries(2):
        accuracy_report(Q2, points=[*POINTS, date(2025, 4, 15), date(2025, 6, 15)], by=BY_OWNER)


def test_opened_bare_it_shows_the_last_closed_quarter(client_for, salesperson, settings):
    response = client_for(salesperson).get(reverse("forecasting:accuracy"))

    assert response.status_code == 302
    assert "start=" in response.url and "end=" in response.url


def test_page_shows_tables_chart_and_links_to_the_won_deals(client_for, salesperson, history):
    response = client_for(salesperson).get(
        reverse("forecasting:accuracy"), {"pick": "2025-Q2", "points": "2025-04-15"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="accuracy-bar"') == 4
    assert 'id="accuracy-report"' in html and 'id="accuracy-total"' in html
    assert f"business_area={history['north'].pk}" in html
    assert "closed_from=2025-04-01" in html and "style=" not in html


def test_page_query_count_is_fixed(client_for, salesperson, history, django_assert_max_num_queries):
    client = client_for(salesperson)
    url = reverse("forecasting:accuracy")
    client.get(url, {"pick": "2025-Q2"})
    with django_assert_max_num_queries(12):
        client.get(url, {"pick": "2025-Q2", "by": "owner"})


@pytest.mark.parametrize(
    "params",
    [
        {"pick": "2099-Q1"},
        {"start": "2025-04-01", "end": "2099-01-01"},
        {"pick": "2025-Q2", "points": "2025-08-01"},
        {"pick": "2025-Q2", "points": "yesterday"},
        {"pick": "2025-Q2", "points": ",".join(["2025-04-02"] * 5)},
        {"pick": "2025-Q2", "by": "planet"},
        {"start": "2020-01-01", "end": "2024-12-31"},
    ],
)
def test_bad_input_is_a_form_error(client_for, salesperson, params):
    response = client_for(salesperson).get(reverse("forecasting:accuracy"), params)

    assert response.status_code == 400
    assert b"errorlist" in response.content


def test_exports_equal_the_page(client_for, salesperson, history):
    client = client_for(salesperson)
    url = reverse("forecasting:accuracy")
    response = client.get(url, {"pick": "2025-Q2", "export": "csv"})

    assert response.status_code == 200
    assert "accuracy-2025-Q2" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    north_june = next(row for row in rows if row[:2] == ["North", "2025-06-01"])
    assert north_june[2:] == ["12000.00", "0.00", "12000.00", "12000.00", "0.00", "0.0"]
    assert len([row for row in rows if row and row[0] == "Total"]) == 3

    response = client.get(url, {"pick": "2025-Q2", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Forecast accuracy"
    total_first = next(row for row in values if row[0] == "Total")
    assert total_first[4] == 4500


def test_deals_without_an_area_have_the_same_row_label_on_page_and_export(
    client_for, salesperson, history
):
    deal = created(
        at(date(2025, 4, 2)),
        name="Arealess",
        business_area=None,
        owner=salesperson,
        amount=Decimal("700.00"),
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 5, 1)), status="won", probability=100, closed_date=date(2025, 5, 1))
    client = client_for(salesperson)
    url = reverse("forecasting:accuracy")

    html = client.get(url, {"pick": "2025-Q2"}).content.decode()
    response = client.get(url, {"pick": "2025-Q2", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert '<th scope="row">(no business area)</th>' in html
    arealess = [row for row in rows if row[1:2] == ["2025-06-01"] and row[5] == "700.00"]
    assert [row[0] for row in arealess] == ["(no business area)"]


def test_a_group_deleted_since_is_named_so(history, salesperson):
    """History brought over from an old CRM may name an area that is not here."""
    gone = BusinessAreaFactory(name="Gone")
    deal = created(
        at(date(2025, 3, 1)),
        name="Moved",
        business_area=gone,
        owner=salesperson,
        amount=Decimal("1000.00"),
        probability=10,
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 4, 20)), business_area=history["north"])
    remove_behind_the_guard(gone)

    report = accuracy_report(Q2, points=POINTS)

    assert [row.name for row in report.rows] == ["North", "South", "(deleted)"]
    assert report.rows[2].forecasts[0].weighted == Decimal("100.00")
    # No live deal is in it: its actual is nothing, with no deal list to follow.
    assert (report.rows[2].actual, report.rows[2].actual_url) == (Decimal("0"), "")
