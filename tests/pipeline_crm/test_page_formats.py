"""`PageFormats` (formats resolved once per render) writes what the plain filters write."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Value
from django.template import engines
from django.template.defaultfilters import date as date_filter
from django.utils import translation
from django.utils.formats import number_format

from pipeline_crm import jinja2
from pipeline_crm.page_formats import PageFormats
from pipeline_crm.templatetags.crm import money
from tests import factories

LANGUAGES = [code for code, _name in settings.LANGUAGES]

AMOUNTS = [
    Decimal("0"),
    Decimal("0.00"),
    Decimal("-0.00"),
    Decimal("0.004"),
    Decimal("-0.004"),
    Decimal("0.01"),
    Decimal("-0.01"),
    Decimal("7.5"),
    Decimal("999.99"),
    Decimal("1000.00"),
    Decimal("-1000.00"),
    Decimal("1920000.00"),
    Decimal("-1920000.50"),
    Decimal("123456789.129"),
    Decimal("999999999999.99"),
    Decimal("-999999999999.99"),
    Decimal("1E+3"),
    Decimal("12345678901234567890.12"),
    12345,
    -7,
    "1234.5",
    None,
    "",
]

DATES = [date(2026, 1, 5), date(1900, 1, 1), date(2199, 12, 31), None, ""]
DATE_FORMATS = [None, "SHORT_DATE_FORMAT", "DATE_FORMAT", "d.m.Y", "j F Y"]
MOMENTS = [datetime(2026, 12, 7, 9, 5), datetime(2026, 1, 5, 23, 59, 59)]
MOMENT_FORMATS = [*DATE_FORMATS, "SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("thousands", [False, True])
def test_money_equals_the_money_filter(language, thousands, settings):
    settings.USE_THOUSAND_SEPARATOR = thousands
    with translation.override(language):
        formats = PageFormats()
        for amount in AMOUNTS:
            assert formats.money(amount) == money(amount), (language, amount)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("thousands", [False, True])
def test_number_equals_number_format(language, thousands, settings):
    settings.USE_THOUSAND_SEPARATOR = thousands
    numbers = [a for a in AMOUNTS if a not in (None, "", "1234.5")] + [Decimal("12.5"), 7]
    with translation.override(language):
        formats = PageFormats()
        for value in numbers:
            for places in (None, 0, 1, 2, 3):
                expected = number_format(value, decimal_pos=places, force_grouping=True)
                assert formats.number(value, places) == expected, (language, value, places)


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_equals_the_date_filter(language):
    with translation.override(language):
        formats = PageFormats()
        for _twice in range(2):  # the second round reads what the first kept
            for values, names in ((DATES, DATE_FORMATS), (MOMENTS, MOMENT_FORMATS)):
                for value in values:
                    for name in names:
                        expected = date_filter(value, name)
                        assert formats.date(value, name) == expected, (value, name)


def test_a_date_is_not_read_as_the_datetime_of_its_midnight():
    with translation.override("sv"):
        formats = PageFormats()
        formats.date(datetime(2026, 3, 4), "SHORT_DATETIME_FORMAT")
        with pytest.raises(TypeError):  # as the filter: a date has no time to show
            formats.date(date(2026, 3, 4), "SHORT_DATETIME_FORMAT")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv", "de"])
def test_name_equals_the_rows_name_in_the_language(language):
    stage = factories.StageFactory(name="Negotiation", name_sv="Förhandling")
    area = factories.BusinessAreaFactory(name="Energy")  # no Swedish name: falls back
    with translation.override(language):
        formats = PageFormats()
        for _twice in range(2):
            assert formats.name(stage) == stage.name
            assert formats.name(area) == area.name
        assert formats.name(None) == ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_jinja_filters_write_alike_with_and_without_the_page_formats(language):
    template = engines["jinja2"].from_string(
        "{% for a in amounts %}{{ a|money }}|{% endfor %}"
        "{% for d in dates %}{{ d|date }}/{{ d|date('SHORT_DATE_FORMAT') }}|{% endfor %}"
    )
    context = {"amounts": AMOUNTS, "dates": DATES}
    with translation.override(language):
        plain = template.render(context)
        assert template.render({**context, "formats": PageFormats()}) == plain
        expected = "".join(f"{money(a)}|" for a in AMOUNTS) + "".join(
            f"{date_filter(d)}/{date_filter(d, 'SHORT_DATE_FORMAT')}|" for d in DATES
        )
        assert plain == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_deal_rows_render_alike_with_and_without_the_page_formats(language):
    from opportunities.models import Opportunity
    from opportunities.tables import OpportunityTable

    stage = factories.StageFactory(name="Negotiation", name_sv="Förhandling", is_active=False)
    factories.OpportunityFactory(stage=stage, amount=Decimal("1920000.00"), probability=35)
    factories.OpportunityFactory(amount=Decimal("12.50"), next_action_date=date(2026, 2, 1))
    deals = list(Opportunity.objects.annotate(is_stale=Value(False), user_can_edit=Value(True)))
    with translation.override(language):
        context = {"records": deals, **OpportunityTable([]).row_context()}
        plain = engines["jinja2"].get_template("opportunities/deal_rows.html").render(context)
        assert str(jinja2.render("opportunities/deal_rows.html", context)) == plain
        assert money(Decimal("1920000.00")) in plain
