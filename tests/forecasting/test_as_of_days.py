"""The deals as of a day read with their dates named one by one (`forecasting.asof`,
`_days_between`, `open_on_any_day`; issue 20), recounted the straightforward way: every history
row read into Python, each deal's newest row before the cut-off picked by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from forecasting.asof import HistoricalOpportunity, deals_as_of
from forecasting.reports.funnel import funnel_report

from .test_as_of import at, change
from .test_movement_recount import _as_of, _random_history

pytestmark = pytest.mark.django_db

DAYS = [date(2025, 1, 31), date(2025, 3, 31), date(2025, 5, 20), date(2025, 9, 1)]
PERIODS = [(date(2025, 4, 1), date(2025, 6, 30)), (date(2025, 1, 1), date(2026, 12, 31))]


def _rows():
    return list(HistoricalOpportunity.objects.order_by("history_date", "history_id").values())


@pytest.mark.parametrize("seed", [5, 6])
def test_a_period_as_of_a_day_is_its_rows_standing_then(seed, salesperson):
    _random_history(seed, [salesperson])
    rows = _rows()
    for day in DAYS:
        standing = _as_of(rows, day).values()
        for start, end in [
            (date(2025, 4, 1), date(2025, 6, 30)),
            (date(2025, 1, 1), date(2026, 12, 31)),
        ]:
            in_period = {r["id"] for r in standing if start <= r["expected_close_date"] <= end}
            closed_in = {
                r["id"] for r in standing if r["closed_date"] and start <= r["closed_date"] <= end
            }
            deals = deals_as_of(day)
            assert set(deals.in_period(start, end).values_list("id", flat=True)) == in_period
            assert set(deals.closed_in(start, end).values_list("id", flat=True)) == closed_in


@pytest.mark.parametrize("seed", [5, 6])
def test_every_open_deal_as_of_a_day_is_the_same_read_day_by_day(seed, salesperson):
    _random_history(seed, [salesperson])
    rows = _rows()
    for day in DAYS:
        expected = sorted(
            (r["id"], r["amount"]) for r in _as_of(rows, day).values() if r["status"] == "open"
        )
        read = deals_as_of(day).open_on_any_day().values_list("id", "amount")
        assert sorted(read) == expected
        report = funnel_report(None, {}, as_of=day)
        assert report.total.count == len(expected)
        assert report.total.total == sum((amount for _pk, amount in expected), Decimal("0.00"))


def test_no_open_deal_in_the_history_reads_none(salesperson):
    assert list(deals_as_of(date(2025, 5, 1)).open_on_any_day()) == []


def test_the_funnel_as_of_a_day_counts_deals_on_days_far_apart(client_for, salesperson):
    _random_history(8, [salesperson])
    early, late = HistoricalOpportunity.objects.order_by("history_id")[:2]
    change(early.instance, at(date(2025, 3, 1)), expected_close_date=date(2019, 1, 1))
    change(late.instance, at(date(2025, 3, 1)), expected_close_date=date(2031, 12, 31))
    rows = _rows()
    day = date(2025, 3, 2)
    expected = [r for r in _as_of(rows, day).values() if r["status"] == "open"]

    response = client_for(salesperson).get(reverse("forecasting:funnel"), {"as_of": day})

    assert response.status_code == 200
    assert response.context["report"].total.count == len(expected)
