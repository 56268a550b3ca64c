"""Numbers as people type them: read in the active language's format (DESIGN.md, Input).

Every money, quantity and percent input of every form goes through `parse_number`, by way of
the form fields `DecimalNumberField` and `IntegerNumberField`: "1 920 000,00" in Swedish,
Norwegian and Polish, "1.920.000,00" in German, "1,920,000.00" in English. What the language
could read two ways is refused with a message, never rescaled: "800,000" is eight hundred
thousand in English and refused in German and Swedish (three decimals where two are allowed),
and "800,00" is refused in English (grouped wrongly).

The grouping is checked by Babel's strict parser (`babel.numbers.parse_decimal(...,
strict=True)`): a number that contains the language's group separator must be grouped as
the language groups it. Babel hands the rest to Python's `Decimal`, which would also take
"1e20", "NaN", "Infinity", "1_000" and digits of other scripts, so the text is first held to
a plain pattern here: an optional minus, ASCII digits, the language's group separator between
groups and its decimal separator once. Two conveniences Babel's strict mode lacks:

- where the language groups with a no-break space (sv, nb, pl), the plain space people type
  (and the narrow no-break space) is read as one;
- where it groups with a space, a dot before the decimals is read too ("1920000.50"): it
  cannot mean a group there, so it is not ambiguous.

Import files are read in the contracts' machine format (`MACHINE`: a dot before the decimals,
no grouping) unless the user declares a language on the import page.
"""

import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MACHINE = "machine"  # "1920000.50": the contracts' format of numbers in import files
_SPACES = " \u00a0\u202f"
_SPACE_RUN = re.compile(f"[{_SPACES}]")
_MACHINE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_EXAMPLE = Decimal("1920000.00")


@lru_cache(maxsize=32)
def _symbols(locale: str) -> tuple[str, str]:
    """(group separator, decimal separator) of a Babel locale name."""
    return get_group_symbol(locale), get_decimal_symbol(locale)


@lru_cache(maxsize=32)
def _pattern(group: str, decimal: str) -> re.Pattern:
    return re.compile(rf"-?[0-9]+(?:{re.escape(group)}[0-9]+)*(?:{re.escape(decimal)}[0-9]+)?")


@lru_cache(maxsize=32)
def _babel_locale(language: str) -> str:
    try:
        return str(Locale.parse(language, sep="-"))
    except (UnknownLocaleError, ValueError):
        return "en"


def number_locale(language: str | None = None) -> str:
    """The Babel locale of `language`, or of the active language (English when none is)."""
    return _babel_locale(language or translation.get_language() or "en")


def format_number(value: Decimal | int, *, places: int = 2, locale: str | None = None) -> str:
    """`value` as the user would type it: grouped, with `places` decimals, in `locale` (the
    active language's by default), e.g. 1 920 000,00 in Swedish."""
    locale = locale or number_locale()
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)


def grouped_count(value: int) -> str:
    """A whole number as pages print counts, grouped in the active language (sv: 23 525): for
    a count inside a sentence made in Python (`ngettext(...) % {"count": grouped_count(n)}`,
    with the plural picked by `n` itself); templates have the `|count` filter."""
    return number_format(int(value), use_l10n=True, force_grouping=True)


def example(places: int = 2, locale: str | None = None) -> str:
    """A number written the way `locale` writes it, for messages: 1,920,000.00 in English."""
    if locale == MACHINE:
        return f"{_EXAMPLE:.{places}f}"
    return format_number(_EXAMPLE, places=places, locale=locale)


def _invalid(text: str, places: int | None, locale: str | None) -> ValidationError:
    if locale == MACHINE:
        message = _("“%(value)s” is not a number such as %(example)s (no grouping).")
    else:
        message = _("“%(value)s” is not a number as written here, such as %(example)s.")
    return ValidationError(
        message % {"value": text, "example": example(2 if places is None else places, locale)},
        code="invalid",
    )


def parse_number(
    text: str,
    *,
    locale: str | None = None,
    places: int | None = None,
    max_digits: int | None = None,
) -> Decimal | None:
    """The Decimal that `text` writes in `locale` (the active language's by default; `MACHINE`
    for the contracts' "1920000.50"), or None for blank text.

    Raises ValidationError (code "invalid") for what is not a number written that way or is
    grouped wrongly, "ambiguous" for three decimals where fewer are allowed and the decimal
    separator is another language's group separator ("800.000" in English), "max_decimal_places"
    for more than `places` decimals (never rounded) and "max_digits" for a number with more
    than `max_digits` − `places` digits before the decimals (it would not fit its column).
    """
    text = (text or "").strip()
    if not text:
        return None
    locale = locale or number_locale()
    if locale == MACHINE:
        if not _MACHINE.fullmatch(text):
            raise _invalid(text, places, locale)
        value = Decimal(text)
    else:
        value = _parse_local(text, locale, places)
    _check_size(text, value, locale=locale, places=places, max_digits=max_digits)
    return value


def _parse_local(text: str, locale: str, places: int | None) -> Decimal:
    group, decimal = _symbols(locale)
    normalised = text
    if group in _SPACES:
        normalised = _SPACE_RUN.sub(group, normalised)
        if "." in normalised and decimal not in normalised and decimal != ".":
            normalised = normalised.replace(".", decimal)
    if not _pattern(group, decimal).fullmatch(normalised):
        raise _invalid(text, places, locale)
    try:
        return parse_decimal(normalised, locale=locale, strict=True)
    except NumberFormatError:
        raise _invalid(text, places, locale) from None


def _check_size(
    text: str, value: Decimal, *, locale: str, places: int | None, max_digits: int | None
) -> None:
    exponent = value.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places is not None and decimals > places:
        group = "" if locale == MACHINE else _symbols(locale)[0]
        # "800.000" in English, "800,000" in German: elsewhere the same text is 800 thousand.
        if decimals == 3 and group not in text:
            raise ValidationError(
                ngettext(
                    "“%(value)s” is ambiguous here: for thousands, type %(thousands)s; "
                    "at most %(places)d decimal is allowed.",
                    "“%(value)s” is ambiguous here: for thousands, type %(thousands)s; "
                    "at most %(places)d decimals are allowed.",
                    places,
                )
                % {
                    "value": text,
                    "thousands": _written(value * 1000, 0, locale),
                    "places": places,
                },
                code="ambiguous",
            )
        if places == 0:
            message = _("“%(value)s” is not a whole number.")
        else:
            message = ngettext(
                "“%(value)s” has more than %(places)d decimal.",
                "“%(value)s” has more than %(places)d decimals.",
                places,
            )
        raise ValidationError(
            message % {"value": text, "places": places}, code="max_decimal_places"
        )
    if max_digits is not None:
        whole = max_digits - (places or 0)
        if value.copy_abs() >= Decimal(10) ** whole:
            largest = Decimal(10) ** whole - Decimal(1).scaleb(-(places or 0))
            raise ValidationError(
                _("“%(value)s” is too large; the largest number here is %(largest)s.")
                % {"value": text, "largest": _written(largest, places or 0, locale)},
                code="max_digits",
            )


def _written(value: Decimal, places: int, locale: str) -> str:
    if locale == MACHINE:
        return f"{value:.{places}f}"
    return format_number(value, places=places, locale=locale)


# --- form fields ---------------------------------------------------------------------------


class NumberTextInput(forms.TextInput):
    """A text box for a number: the browser leaves what is typed alone (an <input
    type="number"> would read and send it in the browser's own format), and phones show
    their number keyboard."""

    def __init__(self, attrs=None, *, decimals: bool = True):
        attrs = {"inputmode": "decimal" if decimals else "numeric", **(attrs or {})}
        super().__init__(attrs)


class DecimalNumberField(forms.DecimalField):
    """A DecimalField read by `parse_number` in the active language and shown in it; a
    value the user typed is shown again as typed (a form with errors keeps it)."""

    widget = NumberTextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        return parse_number(str(value), places=self.decimal_places, max_digits=self.max_digits)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_number(value, places=self.decimal_places or 0)
        return value

    def widget_attrs(self, widget):
        # Not DecimalField's: its "step" and "min" belong to <input type="number">.
        return forms.Field.widget_attrs(self, widget)


class IntegerNumberField(forms.IntegerField):
    """An IntegerField read by `parse_number` (no decimals) in the active language; "1 000"
    in Swedish and "1,000" in English are a thousand."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", NumberTextInput(decimals=False))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        number = parse_number(str(value), places=0, max_digits=18)
        return int(number)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_number(value, places=0)
        return value

    def widget_attrs(self, widget):
        return forms.Field.widget_attrs(self, widget)


def number_formfield(db_field, **kwargs):
    """The form field of a model's Decimal or integer field, read in the user's language:
    for a ModelForm's `formfield_callback` (the admin: `NumberInputsAdmin`)."""
    if isinstance(db_field, models.DecimalField):
        return db_field.formfield(form_class=DecimalNumberField, **kwargs)
    if isinstance(db_field, models.IntegerField) and db_field.choices is None:
        return db_field.formfield(form_class=IntegerNumberField, **kwargs)
    return db_field.formfield(**kwargs)


class NumberInputsAdmin:
    """A ModelAdmin or inline mixin: its decimal and integer inputs read and show numbers in
    the user's language, as the CRM's own forms do (the admin is a form too)."""

    formfield_overrides = {
        models.DecimalField: {
            "form_class": DecimalNumberField,
            "widget": NumberTextInput(attrs={"class": "vTextField"}),
        },
        models.IntegerField: {
            "form_class": IntegerNumberField,
            "widget": NumberTextInput(attrs={"class": "vIntegerField"}, decimals=False),
        },
    }
