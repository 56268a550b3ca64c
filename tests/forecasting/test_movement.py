"""The movement (waterfall) report against a hand-built history (issue 19)."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from forecasting.periods import Period
from forecasting.reports.movement import PARTS, movement_report, with_names

from ..factories import BusinessAreaFactory, LossReasonFactory
from .test_as_of import at, change, created

pytestmark = pytest.mark.django_db

Q2 = Period(date(2025, 4, 1), date(2025, 6, 30))
TODAY = date(2025, 8, 1)
MARCH, MAY = date(2025, 3, 1), date(2025, 5, 10)


@pytest.fixture
def history(salesperson):
    """Deals in Q2's pipeline on 31 March, and what became of them during Q2."""
    area = BusinessAreaFactory(name="North")

    def deal(amount, close=date(2025, 5, 1), when=MARCH, **fields):
        return created(
            at(when),
            business_area=area,
            owner=salesperson,
            amount=Decimal(amount),
            expected_close_date=close,
            **fields,
        )

    steady = deal("1000.00", name="Steady")
    grown = deal("2000.00", name="Grown")
    change(grown, at(MAY), amount=Decimal("2500.00"))
    shrunk = deal("3000.00", name="Shrunk")
    change(shrunk, at(MAY), amount=Decimal("2400.00"))
    won = deal("4000.00", name="Won")
    change(won, at(MAY), amount=Decimal("4100.00"))
    change(won, at(MAY), status="won", probability=100, closed_date=MAY)
    lost = deal("5000.00", name="Lost")
    change(lost, at(MAY), status="lost", probability=0, loss_reason=LossReasonFactory())
    pushed = deal("6000.00", name="Pushed")
    change(pushed, at(MAY), expected_close_date=date(2025, 9, 1))
    gone = deal("7000.00", name="Gone")
    gone._history_date = at(MAY)
    gone.delete()
    pulled = deal("800.00", name="Pulled", close=date(2025, 8, 1))
    change(pulled, at(MAY), expected_close_date=date(2025, 6, 1))
    deal("900.00", name="New", when=MAY)
    deal("50.00", name="Outside", close=date(2025, 7, 1))
    # Changed after the period ended: not in the movement.
    change(steady, at(date(2025, 7, 15)), amount=Decimal("1.00"))
    return {"steady": steady}


def _amounts(report):
    return {part.name: (part.count, part.amount) for part in report.parts}


def test_each_deal_lands_in_its_part(history):
    report = movement_report(Q2, {}, today=TODAY)

    assert (report.start_day, report.end_day) == (date(2025, 3, 31), date(2025, 6, 30))
    assert _amounts(report) == {
        "start": (7, Decimal("28000.00")),
        "new": (1, Decimal("900.00")),
        "increases": (2, Decimal("600.00")),  # Grown +500, Won +100 before it was won
        "decreases": (1, Decimal("600.00")),
        "pulled_in": (1, Decimal("800.00")),
        "pushed_out": (2, Decimal("13000.00")),  # Pushed, and Gone (deleted)
        "won": (1, Decimal("4100.00")),
        "lost": (1, Decimal("5000.00")),
        "end": (5, Decimal("7600.00")),
    }
    listed = movement_report(Q2, {}, today=TODAY, deals_of="pushed_out")
    # A deals page reads its part alone: the others are left empty.
    assert _amounts(listed) == {
        name: (amounts if name == "pushed_out" else (0, Decimal("0.00")))
        for name, amounts in _amounts(report).items()
    }
    pushed_out = with_names(listed, listed.part("pushed_out").deals)
    assert [m.name for m in pushed_out] == ["Gone", "Pushed"]
    assert [m.status for m in pushed_out] == ["", "open"]  # Gone was deleted
    assert all(not part.deals for part in report.parts)


def test_the_parts_add_up_exactly_to_the_end(history):
    report = movement_report(Q2, {}, today=TODAY)
    listed = movement_report(Q2, {}, today=TODAY, deals_of="end")

    total = report.start + sum(part.signed for part in report.parts if part.sign)
    assert total == report.end == listed.end
    assert report.end == sum(m.amount for m in listed.part("end").deals)
    assert report.part("end").count == len(listed.part("end").deals)


def test_a_running_period_ends_today(history):
    report = movement_report(Q2, {}, today=date(2025, 5, 9))

    assert report.end_day == date(2025, 5, 9)
    assert _amounts(report)["end"] == (7, Decimal("28000.00"))
    assert report.start + sum(part.signed for part in report.parts if part.sign) == report.end


def test_the_filters_narrow_both_ends(history, other_salesperson):
    report = movement_report(Q2, {"owner": other_salesperson}, today=TODAY)

    assert report.start == report.end == Decimal("0")


def test_page_shows_the_table_and_a_linked_bar_per_part(client_for, salesperson, history):
    response = client_for(salesperson).get(
        reverse("forecasting:movement"), {"start": "2025-04-01", "end": "2025-06-30"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="waterfall-bar"') == len(PARTS)
    assert "part=won" in html and "style=" not in html


def test_a_bar_leads_to_its_deals(client_for, salesperson, history):
    response = client_for(salesperson).get(
        reverse("forecasting:movement_deals"),
        {"start": "2025-04-01", "end": "2025-06-30", "part": "increases"},
    )

    assert response.status_code == 200
    assert [m.name for m in response.context["deals"]] == ["Grown", "Won"]


def test_an_unknown_part_is_a_400(client_for, salesperson):
    response = client_for(salesperson).get(
        reverse("forecasting:movement_deals"),
        {"start": "2025-04-01", "end": "2025-06-30", "part": "<script>"},
    )

    assert response.status_code == 400


def test_page_without_a_period_shows_the_current_quarter(client_for, salesperson):
    response = client_for(salesperson).get(reverse("forecasting:movement"))

    assert response.status_code == 302
    assert "start=" in response["Location"]


def test_csv_and_xlsx_exports(client_for, salesperson, history):
    client = client_for(salesperson)
    params = {"start": "2025-04-01", "end": "2025-06-30"}

    response = client.get(reverse("forecasting:movement"), {**params, "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    xlsx = client.get(reverse("forecasting:movement"), {**params, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active

    assert rows[0] == ["Movement", "Direction", "#", "Amount"]
    assert rows[1] == ["Pipeline at the start", "level", "7", "28000.00"]
    assert rows[-1] == ["Pipeline at the end", "level", "5", "7600.00"]
    assert rows[7] == ["Won", "taken away", "1", "4100.00"]
    # The XLSX is titled like the other reports' (report, period), a blank row, then the table.
    assert sheet.cell(1, 1).value.startswith("Movement")
    assert "movement-2025-Q2" in xlsx["Content-Disposition"]
    assert sheet.cell(3, 1).value == "Movement"
    sign = {"level": 0, "added": 1, "taken away": -1}
    values = [(sign[r[1]], r[3]) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert values[0][1] + sum(s * v for s, v in values[1:-1]) == values[-1][1]


@pytest.mark.parametrize("deals", [2, 20])
def test_movement_pages_run_a_fixed_number_of_queries(
    client_for, salesperson, deals, django_assert_max_num_queries
):
    for n in range(deals):
        deal = created(at(MARCH), expected_close_date=date(2025, 5, 1))
        change(deal, at(MAY), amount=Decimal(n + 1))
    client = client_for(salesperson)
    params = {"start": "2025-04-01", "end": "2025-06-30"}
    with django_assert_max_num_queries(16):
        assert client.get(reverse("forecasting:movement"), params).status_code == 200
    with django_assert_max_num_queries(16):
        response = client.get(reverse("forecasting:movement_deals"), {**params, "part": "start"})
        assert response.status_code == 200
