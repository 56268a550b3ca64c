"""The trend: total and weighted open pipeline per month or quarter of expected close."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils.html import escape

from forecasting.periods import Period, parse_pick
from forecasting.reports.trend import trend_chart, trend_report
from opportunities import services
from opportunities.models import LossReason

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db

Q1 = parse_pick("2026-Q1")
D = Decimal


def _open(amount: str, day: date, probability: int, **extra):
    return OpportunityFactory(
        amount=D(amount),
        probability=probability,
        is_probability_manual=True,
        expected_close_date=day,
        **extra,
    )


@pytest.fixture
def deals(salesperson):
    _open("400000.00", date(2026, 1, 1), 25, owner=salesperson)
    _open("100000.00", date(2026, 1, 31), 50)
    _open("1000000.00", date(2026, 3, 31), 75)
    _open("777.00", date(2025, 12, 31), 50)
    _open("888.00", date(2026, 4, 1), 50)
    won = _open("500000.00", date(2026, 1, 15), 50)
    services.close_won(won, user=None, closed_date=date(2026, 1, 15), seen_version=won.version)
    lost = _open("600000.00", date(2026, 3, 15), 50)
    services.close_lost(
        lost,
        user=None,
        loss_reason=LossReason.objects.first(),
        closed_date=date(2026, 3, 15),
        seen_version=lost.version,
    )


def _rows(report):
    return [
        (r.bucket.label, r.figures.total, r.figures.weighted, r.figures.count) for r in report.rows
    ]


def test_open_pipeline_per_month_with_empty_months(deals):
    report = trend_report(Q1, {})
    assert _rows(report) == [
        ("2026-01", D("500000.00"), D("150000.00"), 2),
        ("2026-02", D("0.00"), D("0.00"), 0),
        ("2026-03", D("1000000.00"), D("750000.00"), 1),
    ]
    assert (report.total.total, report.total.weighted, report.total.count) == (
        D("1500000.00"),
        D("900000.00"),
        3,
    )


def test_total_is_the_sum_of_the_rows(deals):
    report = trend_report(parse_pick("2026"), {}, by="quarter")
    assert report.total.total == sum(r.figures.total for r in report.rows)
    assert report.total.weighted == sum(r.figures.weighted for r in report.rows)
    assert report.total.count == sum(r.figures.count for r in report.rows)


def test_by_quarter(deals):
    report = trend_report(parse_pick("2026"), {}, by="quarter")
    assert _rows(report) == [
        ("2026 Q1", D("1500000.00"), D("900000.00"), 3),
        ("2026 Q2", D("888.00"), D("444.00"), 1),
        ("2026 Q3", D("0.00"), D("0.00"), 0),
        ("2026 Q4", D("0.00"), D("0.00"), 0),
    ]


def test_period_bounds_are_inclusive_and_partial_months_are_clipped(deals):
    report = trend_report(Period(date(2026, 1, 31), date(2026, 3, 31)), {})
    first = report.rows[0]
    assert (first.bucket.start, first.bucket.end) == (date(2026, 1, 31), date(2026, 1, 31))
    assert "close_from=2026-01-31" in first.figures.url
    assert report.total.count == 2


def test_each_bucket_links_to_exactly_its_deals(client_for, salesperson, deals):
    client = client_for(salesperson)
    response = client.get(reverse("forecasting:trend"), {"pick": "2026-Q1"})
    report = response.context["report"]
    for figures in [*(r.figures for r in report.rows), report.total]:
        totals = client.get(figures.url).context["totals"]
        assert (totals["count"], totals["amount"], totals["weighted"]) == (
            figures.count,
            figures.total,
            figures.weighted,
        )
    # The bar and the table row both link there.
    assert response.text.count(f'href="{escape(report.rows[0].figures.url)}"') == 5


def test_filters_narrow_the_figures_and_the_links(client_for, salesperson, deals):
    client = client_for(salesperson)
    response = client.get(
        reverse("forecasting:trend"), {"pick": "2026-Q1", "owner": salesperson.pk}
    )
    report = response.context["report"]
    assert report.total.total == D("400000.00")
    assert client.get(report.rows[0].figures.url).context["totals"]["count"] == 1


def test_chart_bars_are_proportional_to_the_largest_total(deals):
    chart = trend_chart(trend_report(Q1, {}))
    assert [(b["total_height"], b["weighted_height"]) for b in chart["bars"]] == [
        (100, 30),
        (0, 0),
        (200, 150),
    ]


def test_chart_has_no_inline_style(client_for, salesperson, deals):
    response = client_for(salesperson).get(reverse("forecasting:trend"), {"pick": "2026-Q1"})
    svg = response.text[response.text.index("<svg") : response.text.index("</svg>")]
    assert "style=" not in svg and 'class="bar-weighted"' in svg


def test_page_renders_swedish_numbers(client_for, salesperson, deals):
    response = client_for(salesperson).get(
        reverse("forecasting:trend"), {"pick": "2026-Q1"}, HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert "1\xa0500\xa0000,00" in response.text
    assert "900\xa0000,00" in response.text


def test_exports_equal_the_page(client_for, salesperson, deals):
    client = client_for(salesperson)
    url = reverse("forecasting:trend")
    response = client.get(url, {"pick": "2026-Q1", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["Period", "Total", "Weighted", "#"],
        ["2026-01", "500000.00", "150000.00", "2"],
        ["2026-02", "0.00", "0.00", "0"],
        ["2026-03", "1000000.00", "750000.00", "1"],
        ["Total", "1500000.00", "900000.00", "3"],
    ]
    response = client.get(url, {"pick": "2026-Q1", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert list(sheet.iter_rows(values_only=True))[-1] == ("Total", 1500000, 900000, 3)


@pytest.mark.parametrize("count", [5, 50])
def test_query_count_is_fixed(client_for, salesperson, django_assert_max_num_queries, count):
    for index in range(count):
        OpportunityFactory(expected_close_date=date(2026, 1 + index % 3, 1))
    client = client_for(salesperson)
    with django_assert_max_num_queries(20):
        client.get(reverse("forecasting:trend"), {"pick": "2026-Q1"})
