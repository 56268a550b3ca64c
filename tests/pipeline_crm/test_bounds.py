"""The bounded parsers and validators every request value and user date goes through."""

from datetime import date, datetime

import pytest
from django.core.exceptions import BadRequest, ValidationError

from pipeline_crm.bounds import (
    BoundedDateField,
    parse_date,
    parse_id,
    parse_int,
    validate_date_bounds,
)


@pytest.mark.parametrize("raw", ["", None, "0", "-1", "²", "١٢", "1.0", "abc", "9" * 25, "1\x00"])
def test_parse_id_refuses_what_is_not_an_id(raw):
    assert parse_id(raw) is None


def test_parse_id_reads_ascii_digits():
    assert parse_id(" 42 ") == 42


@pytest.mark.parametrize("raw", ["abc", "²", "9" * 25, "-", "1e3", "\x00", "--1", "-²"])
def test_parse_int_refuses_garbage_with_a_400(raw):
    with pytest.raises(BadRequest):
        parse_int(raw, default=0, minimum=0, maximum=100, name="offset")


def test_parse_int_takes_a_number_of_any_length_as_beyond_the_bounds():
    with pytest.raises(BadRequest, match="between"):
        parse_int("9" * 25, default=0, minimum=0, maximum=100, name="offset")
    assert parse_int("9" * 5000, default=0, minimum=1, maximum=200, clamp=True) == 200
    assert parse_int("-" + "9" * 25, default=0, minimum=1, maximum=200, clamp=True) == 1


def test_parse_int_bounds_and_default():
    assert parse_int("", default=7, minimum=0, maximum=100) == 7
    assert parse_int("100", default=0, minimum=0, maximum=100) == 100
    with pytest.raises(BadRequest):
        parse_int("-1", default=0, minimum=0, maximum=100)
    assert parse_int("-1", default=0, minimum=1, maximum=100, clamp=True) == 1
    assert parse_int("5000", default=0, minimum=1, maximum=200, clamp=True) == 200


@pytest.mark.parametrize(
    "raw", ["0001-01-01", "9999-12-31", "2026-02-30", "tomorrow", "²⁰²⁶-01-01"]
)
def test_parse_date_refuses_out_of_bounds_and_garbage(raw):
    with pytest.raises(BadRequest):
        parse_date(raw, name="start")


def test_parse_date_reads_an_iso_date():
    assert parse_date("2026-12-06") == date(2026, 12, 6)
    assert parse_date("") is None


@pytest.mark.parametrize(
    "value", [date(1899, 12, 31), date(2200, 1, 1), datetime(1, 1, 1), datetime(9999, 12, 31)]
)
def test_validator_refuses_dates_outside_the_bounds(value):
    with pytest.raises(ValidationError) as error:
        validate_date_bounds(value)
    assert error.value.code == "date_bounds"


def test_validator_accepts_the_bounds_themselves():
    validate_date_bounds(date(1900, 1, 1))
    validate_date_bounds(date(2199, 12, 31))


def test_bounded_date_field_gives_a_form_error_and_tells_the_picker():
    field = BoundedDateField()
    with pytest.raises(ValidationError):
        field.clean("0001-01-01")
    assert field.clean("2026-01-31") == date(2026, 1, 31)
    assert field.widget.attrs["min"] == "1900-01-01"
    assert field.widget.attrs["max"] == "2199-12-31"
