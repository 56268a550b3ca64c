"""The daily commands' `--date`: a calendar date within the bounds, else a CommandError that
says what was expected."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from pipeline_crm.management.day_option import parse_day_option


def test_a_day_in_the_bounds_is_read():
    assert parse_day_option("2026-12-07") == date(2026, 12, 7)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("07.12.2026", "--date must be YYYY-MM-DD, not '07.12.2026'"),
        ("2026-02-30", "--date must be YYYY-MM-DD, not '2026-02-30'"),
        ("1899-12-31", "--date must lie between 1900-01-01 and 2199-12-31, not 1899-12-31"),
        ("2200-01-01", "--date must lie between 1900-01-01 and 2199-12-31, not 2200-01-01"),
    ],
)
def test_a_day_out_of_format_or_bounds_is_refused(value, message):
    with pytest.raises(CommandError) as refused:
        parse_day_option(value)
    assert str(refused.value) == message


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["send_reminders", "expire_quotes"])
def test_the_daily_commands_refuse_a_bad_date(command):
    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command(command, "--date", "tomorrow", "--dry-run")
