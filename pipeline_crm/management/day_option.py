"""The `--date YYYY-MM-DD` option of the daily commands (`send_reminders`, `expire_quotes`)."""

from datetime import date

from django.core.management.base import CommandError

from pipeline_crm.bounds import in_bounds


def parse_day_option(value: str) -> date:
    """The day `value` names, within the date bounds; a CommandError (fixed English, as all
    command output) otherwise."""
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error
    if not in_bounds(day):
        raise CommandError(f"--date must lie between 1900-01-01 and 2199-12-31, not {value}")
    return day
