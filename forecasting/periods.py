"""Report periods: inclusive calendar dates, picked as from–to or as a month, quarter or year."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from pipeline_crm.bounds import DATE_MAX, DATE_MIN


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def month_count(self) -> int:
        """How many calendar months the period touches (a report's month columns)."""
        return _month_number(self.end) - _month_number(self.start) + 1

    def quarter_count(self) -> int:
        """How many calendar quarters the period touches (a report's quarter columns)."""
        return _month_number(self.end) // 3 - _month_number(self.start) // 3 + 1

    def months(self) -> list[date]:
        """First days of every month the period touches."""
        first = self.start.replace(day=1)
        months = []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    def share_of_month(self, month: date) -> tuple[int, int]:
        """(days of `month` inside the period, days in `month`) for pro-rata budgets."""
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        month_end = month.replace(day=days_in_month)
        overlap = (min(self.end, month_end) - max(self.start, month)).days + 1
        return max(overlap, 0), days_in_month

    def as_query(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + 2
    end = date(day.year, end_month, calendar.monthrange(day.year, end_month)[1])
    return Period(start, end)


def current_quarter() -> Period:
    return quarter_of(timezone.localdate())


_PICK = re.compile(r"^(?P<year>[0-9]{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


def _month_of(day: date) -> Period:
    return Period(day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))


# Periods named relative to the day a report is opened, so that a saved report keeps showing
# "this quarter" (issue 17.8): the pick, its label, and the period it is on `today`.
RELATIVE_PICKS = {
    "this-month": (_("This month"), _month_of),
    "last-month": (_("Last month"), lambda today: _month_of(today.replace(day=1) - timedelta(1))),
    "this-quarter": (_("This quarter"), quarter_of),
    "last-quarter": (
        _("Last quarter"),
        lambda today: quarter_of(quarter_of(today).start - timedelta(1)),
    ),
    "this-year": (
        _("This year"),
        lambda today: Period(date(today.year, 1, 1), date(today.year, 12, 31)),
    ),
}


def is_pick(value: str) -> bool:
    """True for text shaped like a pick (`2026`, `2026-Q3`, `2026-07`), whatever the year."""
    return _PICK.match(value.strip()) is not None


def parse_pick(value: str, *, today: date | None = None) -> Period | None:
    """`2026` → the year, `2026-Q3` → the quarter, `2026-07` → the month, a relative pick
    (`this-quarter`, `RELATIVE_PICKS`) → that period on `today` (default: the company's
    today); else None, also for a year outside the date bounds (`0000` is no year at all)."""
    relative = RELATIVE_PICKS.get(value.strip())
    if relative is not None:
        return relative[1](today or timezone.localdate())
    match = _PICK.match(value.strip())
    if not match:
        return None
    year = int(match["year"])
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        return None
    if match["quarter"]:
        return quarter_of(date(year, 3 * int(match["quarter"]) - 2, 1))
    if match["month"]:
        month = int(match["month"])
        return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
    return Period(date(year, 1, 1), date(year, 12, 31))


def pick_for(start: date, end: date) -> str:
    """The pick naming exactly `start`–`end` (`2026`, `2026-Q3`, `2026-07`), else ""."""
    for pick in (f"{start.year}", f"{start.year}-Q{(start.month - 1) // 3 + 1}", f"{start:%Y-%m}"):
        period = parse_pick(pick)
        if period is not None and (period.start, period.end) == (start, end):
            return pick
    return ""


def pick_label(pick: str) -> str:
    """What the picker shows for `pick`: "This quarter", "Q3 2026", "July 2026" (the month in
    the active language), "2026"; "" for no pick."""
    if pick in RELATIVE_PICKS:
        return str(RELATIVE_PICKS[pick][0])
    match = _PICK.match(pick.strip())
    if not match:
        return ""
    if match["quarter"]:
        return _("Q%(quarter)s %(year)s") % {"quarter": match["quarter"], "year": match["year"]}
    if match["month"]:
        return capfirst(
            date_format(date(int(match["year"]), int(match["month"]), 1), "YEAR_MONTH_FORMAT")
        )
    return match["year"]


def relative_choices() -> list[tuple[str, str]]:
    """The relative periods as (pick, label) choices."""
    return [(pick, str(label)) for pick, (label, _period) in RELATIVE_PICKS.items()]


def pick_choices(today: date | None = None) -> list[tuple[str, str]]:
    """The picker's options: the relative periods, this and neighbouring years, their
    quarters, and the months, each by its name (`pick_label`)."""
    today = today or timezone.localdate()
    picks = list(RELATIVE_PICKS)
    for year in (today.year - 1, today.year, today.year + 1):
        picks.append(str(year))
        picks += [f"{year}-Q{q}" for q in range(1, 5)]
    for offset in range(-6, 13):
        month = (today.month - 1 + offset) % 12 + 1
        year = today.year + (today.month - 1 + offset) // 12
        picks.append(f"{year}-{month:02d}")
    return [(pick, pick_label(pick)) for pick in picks]


PERIOD_ERROR = _("Give a start and an end date (YYYY-MM-DD), the start not after the end.")


# --- buckets: the months or quarters of a period (a report's columns) ---------------------------

BY_MONTH = "month"
BY_QUARTER = "quarter"
TRUNC_BY = {BY_MONTH: TruncMonth, BY_QUARTER: TruncQuarter}  # a date to its bucket's `key`


@dataclass(frozen=True)
class Bucket:
    """A month or quarter of a period, clipped to the period; `key` is its first calendar day
    (what TruncMonth / TruncQuarter return for it)."""

    key: date
    start: date
    end: date
    by: str

    @property
    def label(self) -> str:
        if self.by == BY_QUARTER:
            return f"{self.key.year} Q{(self.key.month - 1) // 3 + 1}"
        return f"{self.key:%Y-%m}"


def buckets(period: Period, by: str) -> list[Bucket]:
    """Every month (or quarter) the period touches, in order, clipped to the period."""
    result = []
    first = period.start.replace(day=1) if by == BY_MONTH else quarter_of(period.start).start
    while first <= period.end:
        if by == BY_MONTH:
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            last = quarter_of(first).end
        result.append(
            Bucket(key=first, start=max(first, period.start), end=min(last, period.end), by=by)
        )
        first = last + timedelta(days=1)
    return result
