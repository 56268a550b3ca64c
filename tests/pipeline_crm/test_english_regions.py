"""English (UK) next to English (US): the browser's region picks one, each page writes dates,
times, numbers and counts one way (issue 17, item 4)."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import dateformat, formats, timezone, translation

from forecasting.forms import PipelineFilterForm
from pipeline_crm.numbers import format_number, number_locale, parse_number

from ..factories import ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 6)
AT = datetime.datetime(2026, 12, 6, 13, 35)


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("en-GB,en;q=0.9", "en-gb"),
        ("en-gb", "en-gb"),
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("en-AU", "en"),
        ("sv-SE,sv;q=0.9,en;q=0.5", "sv"),
    ],
)
def test_the_browser_region_picks_the_english(client_for, salesperson, accept, language):
    response = client_for(salesperson).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=accept)
    assert response.headers["Content-Language"] == language
    assert f'<html lang="{language}"' in response.text


def test_the_language_picker_tells_the_two_englishes_apart(client_for, salesperson):
    html = client_for(salesperson).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en-GB").text
    assert '<option value="en">English (US)</option>' in html
    assert '<option value="en-gb" selected>English (UK)</option>' in html
    assert '<option value="sv">Svenska</option>' in html


def test_choosing_english_uk_keeps_it(client):
    response = client.post(reverse("set_language"), {"language": "en-gb", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert page.headers["Content-Language"] == "en-gb"


@pytest.mark.parametrize(
    ("language", "short", "long", "time", "short_datetime"),
    [
        ("en-gb", "06/12/2026", "6 December 2026", "13:35", "06/12/2026 13:35"),
        ("en", "12/06/2026", "Dec. 6, 2026", "1:35 p.m.", "12/06/2026 1:35 p.m."),
    ],
)
def test_each_english_writes_dates_one_way(language, short, long, time, short_datetime):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(DAY, "DATE_FORMAT") == long
        assert formats.time_format(AT, "TIME_FORMAT") == time
        assert formats.date_format(AT, "SHORT_DATETIME_FORMAT") == short_datetime


def test_english_uk_needs_no_catalogue_of_its_own():
    """No locale/en_GB: the English source strings are shown, Django's own en_GB catalogue
    gives its messages, and nothing falls through to another language."""
    with translation.override("en-gb"):
        assert translation.gettext("Business area") == "Business area"
        assert translation.ngettext("%(count)d deal", "%(count)d deals", 2) == "%(count)d deals"
        assert translation.gettext("This field is required.") == "This field is required."


def test_english_uk_numbers_are_read_and_written_as_in_english():
    assert number_locale("en-gb") == "en_GB"
    with translation.override("en-gb"):
        assert format_number(Decimal("1920000")) == "1,920,000.00"
        assert parse_number("1,920,000.50") == Decimal("1920000.50")


def test_english_uk_reads_the_date_inputs(salesperson):
    """The date inputs send ISO dates whatever the browser shows; en-gb reads them."""
    with translation.override("en-gb"):
        form = PipelineFilterForm({"start": "2026-10-01", "end": "2026-12-31"})
        assert form.is_valid(), form.errors
        assert form.period.end == datetime.date(2026, 12, 31)


def test_the_deal_list_in_english_uk_shows_day_first_dates(client_for, salesperson):
    OpportunityFactory(owner=salesperson, expected_close_date=DAY, name="Dated deal")
    html = (
        client_for(salesperson)
        .get(
            reverse("opportunities:list"),
            {"scope": "all", "status": ""},
            HTTP_ACCEPT_LANGUAGE="en-GB",
        )
        .text
    )
    assert "Dated deal" in html
    assert "06/12/2026" in html and "12/06/2026" not in html


def test_the_agenda_in_english_uk_shows_a_24_hour_clock(client_for, salesperson):
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1), AT.time())
    )
    ActivityFactory(owner=salesperson, start=start, end=start + datetime.timedelta(hours=1))
    html = (
        client_for(salesperson).get(reverse("activities:agenda"), HTTP_ACCEPT_LANGUAGE="en-GB").text
    )
    day = start.strftime("%d/%m/%Y")
    assert f"{day} 13:35" in html and "14:35" in html
    assert "p.m." not in html


@pytest.mark.parametrize(("language", "text"), [("en-gb", "23,525"), ("sv", "23\xa0525")])
def test_counts_are_grouped_in_the_language(language, text):
    """Counts of deals and rows (list footer, board badges, reports) use `count`."""
    template = Template("{% load crm %}{{ n|count }}")
    with translation.override(language):
        assert template.render(Context({"n": 23525})) == text


@pytest.mark.parametrize(("accept", "long"), [("en-GB", "j F Y"), ("en-US", "N j, Y")])
def test_the_dashboard_writes_today_as_the_language_does(client_for, salesperson, accept, long):
    """Not a day-first date in American English: the weekday, then the language's date."""
    today = timezone.localdate()
    html = client_for(salesperson).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=accept).text
    expected = f"{today:%A}, {dateformat.format(today, long)}"
    assert expected in html
