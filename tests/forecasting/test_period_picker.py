"""Dates that make exactly a month, quarter or year show as that period in the picker."""

from datetime import date

import pytest
from django.urls import reverse

from forecasting.forms import PeriodForm
from forecasting.periods import pick_for


@pytest.mark.parametrize(
    "start,end,pick",
    [
        (date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        (date(2026, 1, 1), date(2026, 12, 31), "2026"),
        (date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
        (date(2026, 10, 1), date(2026, 12, 30), ""),
        (date(2026, 10, 2), date(2026, 12, 31), ""),
        (date(2026, 1, 1), date(2027, 12, 31), ""),
    ],
)
def test_pick_for(start, end, pick):
    assert pick_for(start, end) == pick


def test_the_form_shows_an_exact_quarter_as_the_quarter():
    form = PeriodForm({"start": "2026-10-01", "end": "2026-12-31"})
    assert form.is_valid()
    assert 'value="2026-Q4" selected' in str(form["pick"])
    assert (form.period.start, form.period.end) == (date(2026, 10, 1), date(2026, 12, 31))


def test_other_dates_stay_custom():
    form = PeriodForm({"start": "2026-10-05", "end": "2026-12-31"})
    assert form.is_valid()
    assert 'value="" selected' in str(form["pick"])


@pytest.mark.django_db
def test_the_report_page_names_the_quarter(client_for, manager):
    url = reverse("forecasting:pipeline") + "?start=2026-10-01&end=2026-12-31"
    html = client_for(manager).get(url).content.decode()
    assert 'value="2026-Q4" selected' in html
