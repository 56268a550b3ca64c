"""Dates follow the active language's format, shown and typed alike, one format a page
(issue 17.3): a date a text field writes is the one the page shows; a browser's date input
(ISO) is read in every language; a date that would be read as another day is refused."""

import datetime

import pytest
from django import forms
from django.utils import formats, translation

from pipeline_crm.bounds import BoundedDateField

DAY = datetime.date(2026, 12, 6)
SHOWN = {
    "en": "12/06/2026",
    "en-gb": "06/12/2026",
    "sv": "2026-12-06",
    "nb": "06.12.2026",
    "pl": "06.12.2026",
    "de": "06.12.2026",
}


@pytest.mark.parametrize("language,shown", SHOWN.items())
def test_a_date_is_written_in_a_field_as_it_is_shown(language, shown):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == shown
        assert formats.localize_input(DAY) == shown


@pytest.mark.parametrize("language,shown", SHOWN.items())
def test_a_date_is_read_as_shown_and_as_iso(language, shown):
    field = BoundedDateField()
    with translation.override(language):
        assert field.clean(shown) == DAY
        assert field.clean("2026-12-06") == DAY


def test_a_swedish_date_is_not_read_month_first():
    with translation.override("sv"), pytest.raises(forms.ValidationError):
        BoundedDateField().clean("06/12/2026")


def test_polish_dates_and_times_have_one_separator():
    moment = datetime.datetime(2026, 12, 6, 13, 35)
    with translation.override("pl"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "06.12.2026 13:35"
