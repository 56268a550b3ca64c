"""The period picker names its periods, offers periods relative to today, and a saved report
can keep one (issue 17.8); the budget pages link to each salesperson's budgets."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from forecasting.forms import PeriodForm
from forecasting.models import SavedReport
from forecasting.periods import Period, parse_pick, pick_label

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "pick,period",
    [
        ("this-month", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("last-month", Period(date(2026, 10, 1), date(2026, 10, 31))),
        ("this-quarter", Period(date(2026, 10, 1), date(2026, 12, 31))),
        ("last-quarter", Period(date(2026, 7, 1), date(2026, 9, 30))),
        ("this-year", Period(date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_a_relative_pick_is_the_period_on_the_day(pick, period):
    assert parse_pick(pick, today=TODAY) == period


def test_last_quarter_in_january_is_the_previous_years_fourth():
    assert parse_pick("last-quarter", today=date(2027, 1, 5)) == Period(
        date(2026, 10, 1), date(2026, 12, 31)
    )


def test_the_picker_names_quarters_and_months():
    assert pick_label("2026-Q3") == "Q3 2026"
    assert pick_label("2026-07") == "July 2026"
    with translation.override("sv"):
        assert pick_label("2026-07").lower() == "juli 2026"


def test_an_exact_quarter_shows_by_its_name():
    form = PeriodForm({"start": "2026-10-01", "end": "2026-12-31"})
    assert 'value="2026-Q4" selected>Q4 2026</option>' in str(form["pick"])


@pytest.mark.django_db
def test_a_saved_report_keeps_a_relative_period(client_for, manager):
    client = client_for(manager)
    client.post(
        reverse("forecasting:save"),
        {
            "name": "Pipeline, this quarter",
            "kind": SavedReport.Kind.PIPELINE,
            "query": "start=2026-10-01&end=2026-12-31&pick=2026-Q4&owner=",
            "period": "this-quarter",
        },
    )
    saved = SavedReport.objects.get()
    assert "pick=this-quarter" in saved.query
    assert "start=" not in saved.query

    opened = client.get(reverse("forecasting:saved", args=[saved.pk]), follow=True)
    assert opened.status_code == 200
    assert 'value="this-quarter" selected' in opened.text


@pytest.mark.django_db
def test_a_saved_report_keeps_fixed_dates_by_default(client_for, manager):
    client_for(manager).post(
        reverse("forecasting:save"),
        {"name": "Q4", "kind": SavedReport.Kind.PIPELINE, "query": "pick=2026-Q4", "period": ""},
    )
    assert SavedReport.objects.get().query == "pick=2026-Q4"


@pytest.mark.django_db
def test_the_save_form_offers_the_relative_period_in_use(client_for, manager):
    html = client_for(manager).get(reverse("forecasting:pipeline"), {"pick": "this-month"}).text
    assert '<option value="this-month" selected>This month</option>' in html


@pytest.mark.django_db
def test_the_budget_pages_link_to_each_salespersons_budgets(client_for, manager, salesperson):
    client = client_for(manager)
    grid = client.get(reverse("forecasting:budgets")).text
    assert f"salesperson={salesperson.pk}" in grid
    comparison = client.get(reverse("forecasting:budget"), {"pick": "2026-Q4"}).text
    assert 'id="salesperson-budgets"' in comparison
    by_owner = client.get(
        reverse("forecasting:budget"), {"pick": "2026-Q4", "owner": salesperson.pk}
    ).text
    assert f"salesperson={salesperson.pk}#budget-people" in by_owner
