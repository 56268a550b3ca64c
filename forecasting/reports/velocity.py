"""Velocity (issue 19): how long deals stay in each stage, and where they go next.

Read from the stage visits of `opportunities.timeline` (one definition: a visit is entered on
the local date of the history row that put the deal in the stage, and left on that of the next
stage, close or deletion). Which visits count, by the report's mode:

- *entered*: the visits entered in the period, bucketed by the day they were entered;
- *closed*: every visit of the deals that closed (won or lost, as they stand now, not deleted)
  with a closed date in the period, bucketed by that closed date.

The owner and business area filters read each visit as it was entered. Per stage and bucket:
visits, those finished (left the stage), Σ days of the finished ones (average = Σ / finished),
those that *advanced* (the next step a later stage, or a close as won), those closed as lost
from the stage, and those of deals won in the end. Conversion = advanced / visits; to won =
won in the end / visits (visits still running count, not yet converted).

One query, aggregated in the database: window functions over the history rows (LAG, LEAD,
FIRST_VALUE; PostgreSQL and SQLite), grouped by bucket and stage.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opportunities.models import Opportunity, Stage
from opportunities.timeline import HistoricalOpportunity, days_between_sql, stage_steps_sql

from ..asof import cutoff
from ..forms import BucketFilterForm
from ..models import SavedReport
from ..periods import Period, buckets
from .base import ReportView
from .exports import period_text

ENTERED, CLOSED = "entered", "closed"
MODES = {ENTERED: _("Entered a stage in the period"), CLOSED: _("Closed in the period")}


@dataclass
class Velocity:
    """The visits of one stage (in one bucket, or the whole period)."""

    visits: int = 0
    finished: int = 0
    days: int = 0
    advanced: int = 0
    lost: int = 0
    won: int = 0

    def add(self, other: "Velocity") -> None:
        for name in ("visits", "finished", "days", "advanced", "lost", "won"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def average_days(self) -> Decimal | None:
        """Average days in the stage of the finished visits, to one decimal."""
        if not self.finished:
            return None
        return (Decimal(self.days) / self.finished).quantize(Decimal("0.1"))

    @property
    def running(self) -> int:
        return self.visits - self.finished

    def _percent(self, part: int) -> Decimal | None:
        if not self.visits:
            return None
        return (Decimal(part * 100) / self.visits).quantize(Decimal("0.1"))

    @property
    def conversion(self) -> Decimal | None:
        """% of the visits that went on to a later stage or were won."""
        return self._percent(self.advanced)

    @property
    def won_rate(self) -> Decimal | None:
        """% of the visits whose deal was won in the end."""
        return self._percent(self.won)


@dataclass
class StageVelocity:
    stage: Stage
    total: Velocity = field(default_factory=Velocity)
    buckets: list[Velocity] = field(default_factory=list)


@dataclass
class VelocityReport:
    period: Period
    mode: str
    buckets: list[Period]
    stages: list[StageVelocity]
    total: Velocity = field(default_factory=Velocity)


def _bucket_case(column: str, buckets: list[Period]) -> tuple[str, list]:
    """SQL numbering the bucket of the date `column` (0, 1, …; NULL outside them all)."""
    whens, params = [], []
    for index, bucket in enumerate(buckets):
        whens.append(f"WHEN {column} BETWEEN %s AND %s THEN {index}")
        params += [bucket.start, bucket.end]
    return f"CASE {' '.join(whens)} END", params


def velocity_sums(
    period: Period,
    buckets: list[Period],
    *,
    mode: str = ENTERED,
    owner=None,
    business_area=None,
) -> list[tuple]:
    """(bucket, stage id, visits, finished, Σ days finished, advanced, lost, won in the end)
    per bucket and stage, for the visits the mode counts (module doc). One query."""
    rows = HistoricalOpportunity.objects.all()
    # Narrowed by deal (never by a field that changes), so each deal's rows stay whole.
    if mode == ENTERED:
        rows = rows.filter(
            id__in=HistoricalOpportunity.objects.filter(
                history_date__gte=cutoff(period.start - timedelta(days=1)),
                history_date__lt=cutoff(period.end),
            ).values("id")
        )
    else:
        rows = rows.filter(
            id__in=Opportunity.objects.filter(
                status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
                closed_date__gte=period.start,
                closed_date__lte=period.end,
            ).values("id")
        )
    steps, params = stage_steps_sql(rows)
    params = list(params)
    if mode == ENTERED:
        bucket, bucket_params = _bucket_case("day", buckets)
        where = "day BETWEEN %s AND %s"
        where_params = [period.start, period.end]
    else:
        bucket, bucket_params = _bucket_case("final_closed", buckets)
        where = "final_status IN ('won', 'lost') AND final_type <> '-'"
        where += " AND final_closed BETWEEN %s AND %s"
        where_params = [period.start, period.end]
    if owner is not None:
        where += " AND owner_id = %s"
        where_params.append(owner.pk)
    if business_area is not None:
        where += " AND business_area_id = %s"
        where_params.append(business_area.pk)
    days = days_between_sql("next_day", "day")
    sql = f"""
        SELECT {bucket} AS bucket, stage_id,
            COUNT(*),
            COUNT(next_day),
            COALESCE(SUM({days}), 0),
            SUM(CASE WHEN next_status = 'won' AND next_type <> '-' THEN 1
                     WHEN next_status = 'open' AND next_type <> '-' AND (next_order > stage_order
                          OR (next_order = stage_order AND next_stage > stage_id)) THEN 1
                     ELSE 0 END),
            SUM(CASE WHEN next_status = 'lost' AND next_type <> '-' THEN 1 ELSE 0 END),
            SUM(CASE WHEN final_status = 'won' AND final_type <> '-' THEN 1 ELSE 0 END)
        FROM ({steps}) AS visits
        WHERE status = 'open' AND history_type <> '-' AND {where}
        GROUP BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bucket_params, *params, *where_params])
        return cursor.fetchall()


def _deleted_stage(pk: int) -> Stage:
    """A stand-in for a stage the history names but that is gone (the admin deletes a stage
    no live deal is in): its visits keep a row, retired, after the others."""
    return Stage(pk=pk, name=gettext("(deleted stage)"), order=2**31 - 1, is_active=False)


def velocity_report(
    period: Period,
    buckets: list[Period],
    *,
    mode: str = ENTERED,
    owner=None,
    business_area=None,
) -> VelocityReport:
    """Per stage (in order): the velocity of the period and of each bucket of it; every
    figure the sum of the database's grouped sums. Stages without a visit get no row."""
    stages = {stage.pk: stage for stage in Stage.objects.all()}
    per_stage: dict[int, StageVelocity] = {}
    for bucket, stage_id, *sums in velocity_sums(
        period, buckets, mode=mode, owner=owner, business_area=business_area
    ):
        row = per_stage.get(stage_id)
        if row is None:
            row = per_stage[stage_id] = StageVelocity(
                stage=stages.get(stage_id) or _deleted_stage(stage_id),
                buckets=[Velocity() for _bucket in buckets],
            )
        figures = Velocity(*(int(value or 0) for value in sums))
        if bucket is not None:
            row.buckets[int(bucket)].add(figures)
        row.total.add(figures)
    ordered = sorted(per_stage.values(), key=lambda r: (r.stage.order, r.stage.name))
    report = VelocityReport(period=period, mode=mode, buckets=buckets, stages=ordered)
    for row in ordered:
        report.total.add(row.total)
    return report


def velocity_rows(report: VelocityReport, *, total_label: str, period_label):
    """The report as flat rows, per stage for the whole period, the total, then per stage and
    bucket: (stage, period, visits, finished, average days, advanced, conversion %, lost, won
    in the end, to won %). `period_label(period)` names a period."""

    def blank(value):
        return "" if value is None else value

    def cells(name, period, v: Velocity):
        return (
            name,
            period_label(period),
            v.visits,
            v.finished,
            blank(v.average_days),
            v.advanced,
            blank(v.conversion),
            v.lost,
            v.won,
            blank(v.won_rate),
        )

    for row in report.stages:
        yield cells(row.stage.name, report.period, row.total)
    yield cells(total_label, report.period, report.total)
    if len(report.buckets) > 1:
        for row in report.stages:
            for bucket, velocity in zip(report.buckets, row.buckets, strict=True):
                yield cells(row.stage.name, bucket, velocity)


class VelocityForm(BucketFilterForm):
    """The period and its columns (months or quarters, bounded as the other reports'), which
    visits count (`MODES`), and the owner and business area filters."""

    mode = forms.ChoiceField(label=_("Deals that"), required=False, choices=MODES.items())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("product", "deal_type", "source", "forecast_category"):
            del self.fields[name]

    def clean_mode(self) -> str:
        return self.cleaned_data["mode"] or ENTERED


class VelocityView(ReportView):
    kind = SavedReport.Kind.VELOCITY
    url_name = "forecasting:velocity"
    question = _("How long do deals stay in each stage, and where do they go next?")
    template_name = "forecasting/velocity.html"
    form_class = VelocityForm

    def compute(self, form):
        data = form.cleaned_data
        return velocity_report(
            form.period,
            buckets(form.period, data["by"]),
            mode=data["mode"],
            owner=data.get("owner"),
            business_area=data.get("business_area"),
        )

    def export_rows(self, report, fmt):
        yield [
            gettext("Stage"),
            gettext("Period"),
            gettext("Visits"),
            gettext("Left the stage"),
            gettext("Average days"),
            gettext("Went on"),
            gettext("Conversion %"),
            gettext("Lost"),
            gettext("Won in the end"),
            gettext("To won %"),
        ]
        yield from velocity_rows(report, total_label=gettext("Total"), period_label=period_text)
