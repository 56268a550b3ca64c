"""Numbers typed in the user's language (pipeline_crm.numbers), in every language we ship."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from pipeline_crm.numbers import (
    MACHINE,
    DecimalNumberField,
    IntegerNumberField,
    format_number,
    parse_number,
)

NBSP = "\u00a0"
MILLION = Decimal("1920000.00")

# What each language reads, as its users type it.
READ = {
    "en": ["1,920,000.00", "1920000.00", "1920000"],
    "sv": ["1 920 000,00", f"1{NBSP}920{NBSP}000,00", "1\u202f920\u202f000,00", "1920000,00"],
    "nb": ["1 920 000,00", f"1{NBSP}920{NBSP}000,00", "1920000,00"],
    "pl": ["1 920 000,00", f"1{NBSP}920{NBSP}000,00", "1920000,00"],
    "de": ["1.920.000,00", "1920000,00", "1920000"],
}

# Another language's way, a wrong grouping, or what a spreadsheet or Python would read.
REFUSED = {
    "en": ["1 920 000,00", "1.920.000,00", "800,00", "1,92,000", "1920000,5", "1,5"],
    "sv": ["1.920.000,00", "1,920,000.00", "1 92 000", "1  920"],
    "nb": ["1.920.000,00", "1,920,000.00", "1 92 000"],
    "pl": ["1.920.000,00", "1,920,000.00", "1 92 000"],
    "de": ["1 920 000,00", "1,920,000.00", "800.00", "1.92.000", "1.5"],
}
HOSTILE = ["1e20", "1E5", "NaN", "nan", "Infinity", "-Infinity", "1_000", "+5", "٣", "0x10", "--1"]
LANGUAGES = sorted(READ)


@pytest.mark.parametrize(
    ("language", "text"), [(lang, text) for lang in LANGUAGES for text in READ[lang]]
)
def test_reads_the_languages_own_format(language, text):
    with translation.override(language):
        assert parse_number(text, places=2, max_digits=14) == MILLION


@pytest.mark.parametrize(
    ("language", "text"), [(lang, text) for lang in LANGUAGES for text in REFUSED[lang]]
)
def test_refuses_another_format_or_a_wrong_grouping(language, text):
    with translation.override(language), pytest.raises(ValidationError) as error:
        parse_number(text, places=2, max_digits=14)
    assert error.value.code in ("invalid", "max_decimal_places", "ambiguous")


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang in LANGUAGES for t in HOSTILE])
def test_refuses_exponents_nan_and_foreign_digits(language, text):
    with translation.override(language), pytest.raises(ValidationError) as error:
        parse_number(text, places=2, max_digits=14)
    assert error.value.code == "invalid"


@pytest.mark.parametrize(
    ("language", "text", "thousands"),
    [
        ("en", "800.000", "800,000"),
        ("sv", "800,000", f"800{NBSP}000"),
        ("sv", "800.000", f"800{NBSP}000"),
        ("nb", "800,000", f"800{NBSP}000"),
        ("pl", "800,000", f"800{NBSP}000"),
        ("de", "800,000", "800.000"),
    ],
)
def test_three_decimals_that_elsewhere_group_thousands_are_ambiguous(language, text, thousands):
    """Never 800.00 saved for 800,000: the message says how to type thousands here."""
    with translation.override(language), pytest.raises(ValidationError) as error:
        parse_number(text, places=2, max_digits=14)
    assert error.value.code == "ambiguous"
    assert thousands in error.value.messages[0]


@pytest.mark.parametrize(
    ("language", "text"), [("en", "800,000"), ("de", "800.000"), ("sv", "800 000")]
)
def test_thousands_grouped_the_languages_way_are_thousands(language, text):
    with translation.override(language):
        assert parse_number(text, places=2, max_digits=14) == Decimal("800000")


@pytest.mark.parametrize("language", LANGUAGES)
def test_too_many_digits_is_an_error_naming_the_largest(language):
    with translation.override(language), pytest.raises(ValidationError) as error:
        largest = format_number(Decimal("999999999999.99"))
        parse_number("1" + "0" * 20, places=2, max_digits=14)
    assert error.value.code == "max_digits"
    assert largest in error.value.messages[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_more_decimals_than_allowed_is_refused_not_rounded(language):
    with translation.override(language), pytest.raises(ValidationError) as error:
        parse_number(format_number(Decimal("1.2345"), places=4), places=2)
    assert error.value.code == "max_decimal_places"


@pytest.mark.parametrize("language", LANGUAGES)
def test_blank_is_none(language):
    with translation.override(language):
        assert parse_number("  ") is None


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "1,920,000.50"),
        ("sv", f"1{NBSP}920{NBSP}000,50"),
        ("nb", f"1{NBSP}920{NBSP}000,50"),
        ("pl", f"1{NBSP}920{NBSP}000,50"),
        ("de", "1.920.000,50"),
    ],
)
def test_formats_as_the_language_writes_and_reads_it_back(language, shown):
    with translation.override(language):
        assert format_number(Decimal("1920000.5")) == shown
        assert parse_number(shown, places=2) == Decimal("1920000.50")


def test_machine_format_is_a_dot_and_no_grouping():
    assert parse_number("1920000.50", locale=MACHINE) == Decimal("1920000.50")
    for text in ("1 920 000,50", "1,920,000.50", "1920000,50", "1e5", "NaN"):
        with pytest.raises(ValidationError):
            parse_number(text, locale=MACHINE)


class _Form(forms.Form):
    amount = DecimalNumberField(max_digits=14, decimal_places=2, min_value=0)
    employees = IntegerNumberField(required=False, min_value=0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_form_field_keeps_what_was_typed_when_refused(language):
    with translation.override(language):
        form = _Form({"amount": "12,34,5", "employees": "1.5"})
        assert not form.is_valid()
        assert 'value="12,34,5"' in str(form["amount"])
        assert 'value="1.5"' in str(form["employees"])
        assert form.errors["amount"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_form_field_shows_a_value_in_the_users_format(language):
    with translation.override(language):
        form = _Form(initial={"amount": Decimal("1920000.5"), "employees": 12000})
        html = str(form["amount"])
        assert format_number(Decimal("1920000.5")) in html
        assert 'inputmode="decimal"' in html
        assert 'type="text"' in html
        assert format_number(12000, places=0) in str(form["employees"])


@pytest.mark.parametrize(
    ("language", "employees"), [("en", "12,000"), ("sv", "12 000"), ("de", "12.000")]
)
def test_integer_field_reads_grouped_thousands(language, employees):
    with translation.override(language):
        form = _Form({"amount": "0", "employees": employees})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["employees"] == 12000
