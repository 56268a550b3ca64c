"""Bounds on what a user or a request may set: one parser or validator per kind of value.

DESIGN.md: dates a user or an import sets lie between 1900-01-01 and 2199-12-31; sizes, offsets
and ids a request sends are bounded; no input, however hostile, gives a 500. Views read
request values through these parsers (never `int(request.GET[...])` or `str.isdigit()`, which
is true for `²`); forms and models carry the validators.

A value out of bounds in a query string is a `BadRequest` (a 400 page with the message); in a
form it is a `ValidationError` next to the field.
"""

from datetime import UTC, date, datetime, time

import django_filters
from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date as _parse_iso_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
# Every local time on a day within the bounds, in any time zone (offsets stay within a day),
# lies between these instants: a datetime column's CHECK constraint holds them, whatever the
# company's time zone, and the field's validator keeps the exact local dates.
INSTANT_MIN = datetime(1899, 12, 31, tzinfo=UTC)
INSTANT_MAX = datetime(2200, 1, 2, tzinfo=UTC)
# Ids are PostgreSQL bigints; anything longer is not an id.
ID_MAX = 2**63 - 1
_ASCII_DIGITS = frozenset("0123456789")


def is_ascii_int(text: str) -> bool:
    """True for a non-empty run of ASCII digits ('12'); False for '²', '١٢', '-1', '1.0'."""
    return bool(text) and len(text) <= 19 and set(text) <= _ASCII_DIGITS


def parse_id(value) -> int | None:
    """A primary key from a request (`?account=12`); None for anything that is not one."""
    text = str(value if value is not None else "").strip()
    if not is_ascii_int(text):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


def parse_int(
    value, *, default: int, minimum: int, maximum: int, name: str = "", clamp: bool = False
) -> int:
    """A bounded whole number from a request; empty or missing gives `default`.

    Anything else that is not ASCII digits within [minimum, maximum] is a 400 (`BadRequest`),
    or, with `clamp`, the nearest bound (a page length asked beyond the maximum).
    """
    text = str(value if value is not None else "").strip()
    if text == "":
        return default
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or not set(digits) <= _ASCII_DIGITS:
        raise BadRequest(
            _("“%(name)s” must be a whole number, not “%(value)s”.")
            % {"name": name or _("value"), "value": text[:40]}
        )
    # Past 19 digits a number is beyond any bound (and int() of thousands of digits is slow).
    number = int(digits) if is_ascii_int(digits) else ID_MAX + 1
    number = -number if negative else number
    if minimum <= number <= maximum:
        return number
    if clamp:
        return min(max(number, minimum), maximum)
    raise BadRequest(
        _("“%(name)s” must be between %(min)d and %(max)d.")
        % {"name": name or _("value"), "min": minimum, "max": maximum}
    )


def parse_date(value, *, name: str = "") -> date | None:
    """An ISO date (YYYY-MM-DD) within the bounds from a request; empty gives None, the rest
    is a 400."""
    text = str(value if value is not None else "").strip()
    if text == "":
        return None
    try:
        day = _parse_iso_date(text)
    except ValueError:
        day = None
    if day is None:
        raise BadRequest(_("“%(name)s” must be a date (YYYY-MM-DD).") % {"name": name or _("date")})
    if not DATE_MIN <= day <= DATE_MAX:
        raise BadRequest(bounds_message())
    return day


def bounds_message() -> str:
    return _("Enter a date between %(min)s and %(max)s.") % {
        "min": date_format(DATE_MIN, "SHORT_DATE_FORMAT"),
        "max": date_format(DATE_MAX, "SHORT_DATE_FORMAT"),
    }


def validate_date_bounds(value: date | datetime | None) -> None:
    """Model and form validator: a date, or a datetime's local date, within the bounds."""
    if value is None:
        return
    # A datetime's own date, as typed: converting year 1 to UTC would overflow.
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(bounds_message(), code="date_bounds")


def bounds_condition(*names: str, instants: bool = False) -> Q:
    """A CheckConstraint condition: each named date (or, with `instants`, datetime) column is
    empty or within the bounds. It keeps out of the table what psycopg could not read back
    (a year-1 time in Stockholm is stored as a date BC) and what date arithmetic would overflow.
    """
    low, high = (INSTANT_MIN, INSTANT_MAX) if instants else (DATE_MIN, DATE_MAX)
    condition = Q()
    for name in names:
        condition &= Q(**{f"{name}__isnull": True}) | Q(
            **{f"{name}__gte": low, f"{name}__lte": high}
        )
    return condition


def in_bounds(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def clamp_date(day: date) -> date:
    """`day` moved inside the bounds (for a computed date, e.g. a range's end + a margin)."""
    return min(max(day, DATE_MIN), DATE_MAX)


def bounds_datetime(day: date, *, end: bool = False) -> datetime:
    """The start (or end) of `day` in the company's time zone, for filtering datetimes."""
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


class BoundedDateField(forms.DateField):
    """A form date within DESIGN.md's bounds; the browser's date picker is told them too."""

    default_validators = [validate_date_bounds]
    default_error_messages = {"invalid": gettext_lazy("Enter a date (YYYY-MM-DD).")}

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.setdefault("min", DATE_MIN.isoformat())
        attrs.setdefault("max", DATE_MAX.isoformat())
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    default_validators = [validate_date_bounds]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.setdefault("min", f"{DATE_MIN.isoformat()}T00:00")
        attrs.setdefault("max", f"{DATE_MAX.isoformat()}T23:59")
        return attrs


class BoundedDateFilter(django_filters.DateFilter):
    """A filter's date parameter within the bounds; outside them, an error next to the field."""

    field_class = BoundedDateField
