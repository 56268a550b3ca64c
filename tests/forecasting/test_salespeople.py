"""The salesperson grid: won, open, weighted and # per salesperson and month or quarter."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from forecasting.periods import parse_pick
from forecasting.reports.salespeople import salespeople_report
from opportunities import services
from opportunities.models import LossReason

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db

Q1 = parse_pick("2026-Q1")
D = Decimal


def _open(owner, amount: str, day: date, probability: int):
    return OpportunityFactory(
        owner=owner,
        amount=D(amount),
        probability=probability,
        is_probability_manual=True,
        expected_close_date=day,
    )


def _won(owner, amount: str, closed: date):
    # Expected to close inside Q1 too: a won deal must still never count as open.
    deal = _open(owner, amount, date(2026, 2, 1), 50)
    return services.close_won(deal, user=None, closed_date=closed, seen_version=deal.version)


@pytest.fixture
def deals(salesperson, other_salesperson):
    alice, charlie = salesperson, other_salesperson
    _won(alice, "100000.00", date(2026, 1, 1))
    _won(alice, "50000.00", date(2026, 3, 31))
    _won(alice, "70000.00", date(2026, 4, 1))
    _won(charlie, "80000.00", date(2026, 2, 10))
    _open(alice, "200000.00", date(2026, 1, 15), 25)
    _open(alice, "300000.00", date(2026, 2, 28), 50)
    _open(charlie, "400000.00", date(2026, 3, 31), 10)
    _open(charlie, "900000.00", date(2025, 12, 31), 10)
    _open(charlie, "900000.00", date(2026, 4, 1), 10)
    lost = _open(alice, "999.00", date(2026, 2, 1), 50)
    services.close_lost(
        lost,
        user=None,
        loss_reason=LossReason.objects.first(),
        closed_date=date(2026, 2, 1),
        seen_version=lost.version,
    )


def _cells(cells):
    return [(c.won, c.open, c.weighted, c.count) for c in cells]


def test_cells_per_salesperson_and_month(deals):
    report = salespeople_report(Q1, {})
    assert [b.label for b in report.buckets] == ["2026-01", "2026-02", "2026-03"]
    assert [row.name for row in report.rows] == ["Alice Andersson", "Charlie Carlsson"]
    alice, charlie = report.rows
    assert _cells(alice.cells) == [
        (D("100000.00"), D("200000.00"), D("50000.00"), 1),
        (D("0.00"), D("300000.00"), D("150000.00"), 1),
        (D("50000.00"), D("0.00"), D("0.00"), 0),
    ]
    assert _cells(charlie.cells) == [
        (D("0.00"), D("0.00"), D("0.00"), 0),
        (D("80000.00"), D("0.00"), D("0.00"), 0),
        (D("0.00"), D("400000.00"), D("40000.00"), 1),
    ]


def test_row_and_column_totals_are_sums_of_their_cells(deals):
    report = salespeople_report(Q1, {})
    assert _cells([report.rows[0].total]) == [(D("150000.00"), D("500000.00"), D("200000.00"), 2)]
    assert _cells([report.total]) == [(D("230000.00"), D("900000.00"), D("240000.00"), 3)]
    for row in report.rows:
        for name in ("won", "open", "weighted", "count"):
            assert getattr(row.total, name) == sum(getattr(c, name) for c in row.cells)
    for index, column in enumerate(report.totals):
        for name in ("won", "open", "weighted", "count"):
            assert getattr(column, name) == sum(getattr(r.cells[index], name) for r in report.rows)
    for name in ("won", "open", "weighted", "count"):
        assert getattr(report.total, name) == sum(getattr(c, name) for c in report.totals)
        assert getattr(report.total, name) == sum(getattr(r.total, name) for r in report.rows)


def test_by_quarter_gives_one_column_per_quarter(deals):
    report = salespeople_report(parse_pick("2026"), {}, by="quarter")
    assert [b.label for b in report.buckets] == ["2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"]
    alice = report.rows[0]
    assert _cells(alice.cells[:2]) == [
        (D("150000.00"), D("500000.00"), D("200000.00"), 2),
        (D("70000.00"), D("0.00"), D("0.00"), 0),
    ]


def test_period_bounds_are_inclusive_and_partial_months_are_clipped(deals):
    period = type(Q1)(date(2026, 1, 15), date(2026, 3, 31))
    report = salespeople_report(period, {})
    assert (report.buckets[0].start, report.buckets[0].end) == (
        date(2026, 1, 15),
        date(2026, 1, 31),
    )
    assert _cells([report.total]) == [(D("130000.00"), D("900000.00"), D("240000.00"), 3)]


def test_each_figure_links_to_exactly_its_deals(client_for, salesperson, deals):
    client = client_for(salesperson)
    report = client.get(reverse("forecasting:salespeople"), {"pick": "2026-Q1"}).context["report"]
    checks = []
    for row in report.rows:
        checks += [(c.won_url, c.won, None) for c in [*row.cells, row.total]]
        checks += [(c.open_url, c.open, c.count) for c in [*row.cells, row.total]]
    checks += [(c.won_url, c.won, None) for c in [*report.totals, report.total]]
    checks += [(c.open_url, c.open, c.count) for c in [*report.totals, report.total]]
    for url, amount, count in checks:
        totals = client.get(url).context["totals"]
        assert totals["amount"] == amount
        if count is not None:
            assert totals["count"] == count
    feb = report.rows[0].cells[1]
    assert client.get(feb.open_url).context["totals"]["weighted"] == D("150000.00")


def test_owner_filter_keeps_one_row_and_its_links(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {"pick": "2026-Q1", "owner": salesperson.pk, "by": "quarter"}
    report = client.get(reverse("forecasting:salespeople"), params).context["report"]
    assert [row.name for row in report.rows] == ["Alice Andersson"]
    totals = client.get(report.total.open_url).context["totals"]
    assert (totals["count"], totals["amount"]) == (2, D("500000.00"))


def test_page_renders_swedish_numbers(client_for, salesperson, deals):
    response = client_for(salesperson).get(
        reverse("forecasting:salespeople"), {"pick": "2026-Q1"}, HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert "900\xa0000,00" in response.text
    assert "Alice Andersson" in response.text


def test_exports_equal_the_page(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {"pick": "2026-Q1", "by": "quarter"}
    url = reverse("forecasting:salespeople")
    response = client.get(url, {**params, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Salesperson",
        "2026 Q1 Won",
        "2026 Q1 Open",
        "2026 Q1 Weighted",
        "2026 Q1 #",
        "Total Won",
        "Total Open",
        "Total Weighted",
        "Total #",
    ]
    assert rows[1] == ["Alice Andersson", *["150000.00", "500000.00", "200000.00", "2"] * 2]
    assert rows[-1] == ["Total", *["230000.00", "900000.00", "240000.00", "3"] * 2]
    response = client.get(url, {**params, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last == ("Total", 230000, 900000, 240000, 3, 230000, 900000, 240000, 3)


@pytest.mark.parametrize("count", [5, 50])
def test_query_count_is_fixed(client_for, salesperson, django_assert_max_num_queries, count):
    for index in range(count):
        deal = OpportunityFactory(expected_close_date=date(2026, 1 + index % 3, 1))
        if index % 2:
            services.close_won(
                deal, user=None, closed_date=date(2026, 2, 1), seen_version=deal.version
            )
    client = client_for(salesperson)
    with django_assert_max_num_queries(20):
        client.get(reverse("forecasting:salespeople"), {"pick": "2026-Q1"})
