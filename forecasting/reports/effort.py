"""Effort vs revenue (seed 000: "do we spend our time where we earn our money?").

For a period: activities (count, and hours where they have a start and an end) beside won value
(deals won with a closed date in the period) and *weighted pipeline* (open deals expected to
close in the period, overdue ones included: `weighted_pipeline_condition`), per segment, per
account (the 25 with most activities) and per salesperson. Everything is aggregated in the
database, in a fixed number of queries.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    When,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account, Segment
from activities.models import Activity
from opportunities.models import Opportunity, weighted_pipeline_condition
from pipeline_crm.money import ZERO, percent, round_money
from pipeline_crm.users import display_name

from ..forms import PeriodForm
from ..models import SavedReport
from ..periods import Period
from .base import ReportView

TOP_ACCOUNTS = 25
HOUR = Decimal("0.1")


@dataclass
class EffortRow:
    name: str
    activities: int = 0
    hours: Decimal = Decimal("0.0")
    won: Decimal = ZERO
    weighted: Decimal = ZERO
    activity_share: Decimal | None = None
    won_share: Decimal | None = None
    activities_url: str = ""
    won_url: str = ""
    weighted_url: str = ""
    # The activities' summed duration, unrounded: a total's hours are those of its sum.
    duration: timedelta = timedelta(0)


@dataclass
class EffortReport:
    period: Period
    segments: list[EffortRow] = field(default_factory=list)
    accounts: list[EffortRow] = field(default_factory=list)
    salespeople: list[EffortRow] = field(default_factory=list)
    total: EffortRow = field(default_factory=lambda: EffortRow(""))

    @property
    def total_rows(self) -> list[EffortRow]:
        return [self.total]


def _hours(duration: timedelta | None) -> Decimal:
    if not duration:
        return Decimal("0.0")
    seconds = duration.days * 86_400 + duration.seconds
    return (Decimal(seconds) / Decimal(3600)).quantize(HOUR)


_DURATION = Sum(
    Case(
        When(
            end__isnull=False,
            due_date__isnull=True,
            then=ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
        ),
        output_field=DurationField(),
    )
)


def _activities(period: Period):
    return Activity.objects.starting_between(period.start, period.end).order_by()


def _won(period: Period):
    return Opportunity.objects.won_in(period.start, period.end).order_by()


def _pipeline(period: Period):
    return Opportunity.objects.open().in_period(period.start, period.end).order_by()


def _weighted_pipeline(period: Period) -> Sum:
    """*Weighted pipeline* of the period (`weighted_pipeline_condition`: overdue deals in)."""
    return Sum("weighted_amount", filter=weighted_pipeline_condition(period.start, period.end))


def _url(name: str, **params) -> str:
    query = {k: v for k, v in params.items() if v is not None}
    return f"{reverse(name)}?{urlencode(query)}"


def _activity_sums(period: Period, *keys: str):
    """The period's activities counted and their durations summed per value of `keys`."""
    return _activities(period).values(*keys).annotate(n=Count("*"), duration=_DURATION)


def _grouped(
    period: Period, activities: Iterable[tuple], *, deal_key: str, keys: list | None = None
) -> dict[Any, EffortRow]:
    """Rows keyed by `deal_key`: the `activities` given as (key, count, duration), summed per
    key, beside the won and weighted pipeline of the deals (of `keys` only, if given)."""
    won, pipeline = _won(period), _pipeline(period)
    if keys is not None:
        won = won.filter(**{f"{deal_key}__in": keys})
        pipeline = pipeline.filter(**{f"{deal_key}__in": keys})
    rows: dict[Any, EffortRow] = {}

    def row(key) -> EffortRow:
        if key not in rows:
            rows[key] = EffortRow("")
        return rows[key]

    for key, count, duration in activities:
        entry = row(key)
        entry.activities += count
        entry.duration += duration or timedelta(0)
    for entry in rows.values():
        entry.hours = _hours(entry.duration)
    for item in won.values(deal_key).annotate(total=Sum("amount")):
        row(item[deal_key]).won = round_money(item["total"] or ZERO)
    for item in pipeline.values(deal_key).annotate(total=_weighted_pipeline(period)):
        row(item[deal_key]).weighted = round_money(item["total"] or ZERO)
    return rows


def effort_figures(period: Period) -> EffortReport:
    """The figures of the report for `period`, in a fixed number of queries (11).

    The period's activities are read twice, from the index `activity_start_sums` alone: per
    salesperson, and per account with its segment, which gives the segment rows and the top
    accounts. The total is the sum of the salesperson rows (every activity and deal has an
    owner), its hours those of the summed durations. At 100,000 deals and 1,000,000
    activities (252,000 in the quarter) this was five activity scans and 2.5 s of SQL; the
    tests recount the figures (`tests/forecasting/test_effort_report.py`)."""
    report = EffortReport(period)
    by_user = _grouped(
        period,
        ((r["owner"], r["n"], r["duration"]) for r in _activity_sums(period, "owner")),
        deal_key="owner",
    )
    total = EffortRow(_("Total"))
    for entry in by_user.values():
        total.activities += entry.activities
        total.duration += entry.duration
        total.won += entry.won
        total.weighted += entry.weighted
    total.hours = _hours(total.duration)
    report.total = total
    dates = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    closed = {"closed_from": period.start.isoformat(), "closed_to": period.end.isoformat()}
    closing = {"close_from": period.start.isoformat(), "close_to": period.end.isoformat()}

    # Each account's segment read once per account, after grouping: a join would probe the
    # accounts once per activity.
    segment = Account.objects.filter(pk=OuterRef("account")).order_by().values("segment")
    per_account = list(_activity_sums(period, "account").annotate(segment=Subquery(segment)))
    by_segment = _grouped(
        period,
        ((r["segment"], r["n"], r["duration"]) for r in per_account),
        deal_key="account__segment",
    )
    segments = Segment.objects.filter(pk__in=[k for k in by_segment if k is not None])
    segment_names = {s.pk: (s.order, s.name) for s in segments}
    for key in sorted(by_segment, key=lambda k: (k is None, segment_names.get(k, (0, "")))):
        entry = by_segment[key]
        entry.name = segment_names[key][1] if key in segment_names else _("(no segment)")
        report.segments.append(entry)

    # The accounts with most activities, ties by id.
    busiest = sorted(per_account, key=lambda r: (-r["n"], r["account"]))[:TOP_ACCOUNTS]
    top = [r["account"] for r in busiest]
    by_account = _grouped(
        period,
        ((r["account"], r["n"], r["duration"]) for r in busiest),
        deal_key="account",
        keys=top,
    )
    account_names = dict(Account.objects.filter(pk__in=top).values_list("pk", "name"))
    for key in top:
        entry = by_account[key]
        entry.name = account_names.get(key, "")
        entry.activities_url = _url("activities:agenda", account=key, owner="", done="", **dates)
        report.accounts.append(entry)

    for user in get_user_model().objects.filter(pk__in=list(by_user)):
        by_user[user.pk].name = display_name(user)
    for key in sorted(by_user, key=lambda k: by_user[k].name.lower()):
        entry = by_user[key]
        entry.activities_url = _url("activities:agenda", owner=key, done="", **dates)
        entry.won_url = _url("opportunities:list", owner=key, status="won", **closed)
        entry.weighted_url = _url("opportunities:list", owner=key, status="open", **closing)
        report.salespeople.append(entry)

    for entry in (*report.segments, *report.accounts, *report.salespeople, report.total):
        entry.activity_share = percent(entry.activities, report.total.activities)
        entry.won_share = percent(entry.won, report.total.won)
    return report


def export_table(report: EffortReport) -> list[list]:
    """The report as rows for CSV/XLSX: the header, then each section's rows, then the total."""
    header = [
        _("Section"),
        _("Name"),
        _("Activities"),
        _("Hours"),
        _("% of activities"),
        _("Won"),
        _("% of won"),
        _("Weighted pipeline"),
    ]
    rows = [header]
    sections = (
        (_("Segment"), report.segments),
        (_("Account"), report.accounts),
        (_("Salesperson"), report.salespeople),
        (_("Total"), [report.total]),
    )
    for section, entries in sections:
        for entry in entries:
            rows.append(
                [
                    section,
                    entry.name,
                    entry.activities,
                    entry.hours,
                    entry.activity_share,
                    entry.won,
                    entry.won_share,
                    entry.weighted,
                ]
            )
    return rows


class EffortView(ReportView):
    kind = SavedReport.Kind.EFFORT
    url_name = "forecasting:effort"
    question = gettext_lazy("Do we spend our time where we earn our money?")
    template_name = "forecasting/effort.html"
    form_class = PeriodForm

    def compute(self, form):
        return effort_figures(form.period)

    def export_rows(self, report, fmt):
        return export_table(report)

    def page_context(self, report, form):
        return {"top_accounts": TOP_ACCOUNTS}
