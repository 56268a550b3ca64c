"""Issue 15.2 and 15.3: report periods and their columns are bounded, and what is out of
bounds is refused up front (a 400 with the message next to the form), never run.

A salesperson grid from 0001-01-01 ran 67-100 s and made a 57 MB page; `pick=0000` and
`0000-Q1` and periods ending in December 9999 were 500s on all seven reports.
"""

import pytest
from django.urls import reverse
from django.utils.html import escape

from forecasting.periods import Period, parse_pick

pytestmark = pytest.mark.django_db

REPORTS = (
    "forecasting:pipeline",
    "forecasting:budget",
    "forecasting:funnel",
    "forecasting:salespeople",
    "forecasting:winloss",
    "forecasting:trend",
    "forecasting:effort",
)
BOUNDS = escape("Enter a date between")


@pytest.fixture
def client(client_for, salesperson):
    return client_for(salesperson)


def _refused(response, message: str) -> None:
    assert response.status_code == 400
    assert message in response.text
    assert "report" not in response.context  # nothing was computed


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("pick", ["0000", "0000-Q1", "0000-01", "9999-12", "1899", "2200-Q1"])
def test_a_pick_out_of_bounds_is_refused(name, pick, client):
    _refused(client.get(reverse(name), {"pick": pick}), BOUNDS)


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize(
    "period",
    [
        {"start": "9999-12-01", "end": "9999-12-31"},
        {"start": "2026-01-01", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "2026-12-31"},
    ],
)
def test_a_date_out_of_bounds_is_refused(name, period, client):
    response = client.get(reverse(name), period)
    _refused(response, BOUNDS)
    assert period["end"] in response.text  # what was typed stays


@pytest.mark.parametrize("name", REPORTS)
def test_a_period_past_five_years_is_refused(name, client):
    response = client.get(reverse(name), {"start": "2021-01-01", "end": "2026-01-01"})
    _refused(response, "at most 60 months")


@pytest.mark.parametrize("name", [name for name in REPORTS if name != "forecasting:salespeople"])
def test_the_longest_period_runs(name, client):
    period = {"start": "2022-01-01", "end": "2026-12-31", "by": "quarter"}
    assert client.get(reverse(name), period).status_code == 200


@pytest.mark.parametrize(
    ("name", "longest"), [("forecasting:salespeople", 12), ("forecasting:trend", 36)]
)
def test_month_columns_are_bounded(name, longest, client):
    last = parse_pick(f"{2026 + (longest - 1) // 12}-{(longest - 1) % 12 + 1:02d}").end
    response = client.get(reverse(name), {"start": "2026-01-01", "end": last.isoformat()})
    assert response.status_code == 200
    assert len(response.context["report"].period.months()) == longest
    one_more = client.get(reverse(name), {"start": "2025-12-31", "end": last.isoformat()})
    _refused(one_more, f"at most {longest} months")
    assert "by quarter" in one_more.text


@pytest.mark.parametrize(
    ("name", "longest"), [("forecasting:salespeople", 8), ("forecasting:trend", 20)]
)
def test_quarter_columns_are_bounded(name, longest, client):
    last = parse_pick(f"{2026 + (longest - 1) // 4}-Q{(longest - 1) % 4 + 1}").end
    period = {"start": "2026-01-01", "end": last.isoformat(), "by": "quarter"}
    response = client.get(reverse(name), period)
    assert response.status_code == 200
    assert (
        len(
            response.context["report"].buckets
            if name.endswith("salespeople")
            else response.context["report"].rows
        )
        == longest
    )
    one_more = client.get(reverse(name), {**period, "start": "2025-12-31"})
    _refused(one_more, f"at most {longest} quarters" if longest < 20 else "at most 60 months")


def test_the_funnel_without_a_period_still_shows_every_open_deal(client):
    assert client.get(reverse("forecasting:funnel")).status_code == 200


def test_column_counts():
    period = Period(parse_pick("2025-12").start, parse_pick("2026-Q1").end)
    assert (period.month_count(), period.quarter_count()) == (4, 2)
    assert parse_pick("2199-Q4").end.isoformat() == "2199-12-31"
    assert parse_pick("2200") is None and parse_pick("0000-Q1") is None
