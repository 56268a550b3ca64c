"""A deal's way through the stages, read from its history (issue 19): its *stage visits*.

The history holds a row for every save of a deal. Ordered by time (`history_date`, then
`history_id`), a row starts a new *step* when it is the deal's first, when its stage or its
status differs from the row before, or when it records the deal's deletion. A step of an open
deal is a stage visit: entered on the local date (company time zone) of its first row, left on
the local date of the next step (another stage, a close as won or lost, a deletion), and still
running when there is none. Days in a stage = the days between those two dates (today for a
running visit). A visit *advanced* when the next step is a later stage (stage order, then id)
or a close as won.

`stage_steps_sql(rows)` is that definition, once, as SQL over the history rows `rows`, with
window functions (LAG over the rows, LEAD over the steps) that PostgreSQL and SQLite both run.
The deal page's timeline (`deal_timeline`) reads it for one deal, in one query; the velocity
report (`forecasting.velocity`) aggregates it over many.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection, models
from django.db.models import F, Window
from django.db.models.functions import FirstValue, Lag, TruncDate
from django.utils import timezone

from .models import Opportunity, Stage

HistoricalOpportunity = Opportunity.history.model

# The columns of one step, as `stage_steps_sql` selects them.
STEP_COLUMNS = (
    "id",
    "history_id",
    "history_type",
    "stage_id",
    "stage_order",
    "status",
    "owner_id",
    "business_area_id",
    "day",
    "final_status",
    "final_type",
    "final_closed",
    "next_day",
    "next_stage",
    "next_order",
    "next_status",
    "next_type",
)


def _rows_with_neighbours(rows: models.QuerySet) -> models.QuerySet:
    """The history rows with their local date, the stage and status of the row before, and
    the deal's newest status, type and closed date (for "won in the end", "closed in")."""
    by_time = {"partition_by": [F("id")], "order_by": [F("history_date"), F("history_id")]}
    newest = {
        "partition_by": [F("id")],
        "order_by": [F("history_date").desc(), F("history_id").desc()],
    }
    return (
        rows.order_by()
        .annotate(
            stage_order=F("stage__order"),
            day=TruncDate("history_date", tzinfo=timezone.get_default_timezone()),
            prev_stage=Window(Lag("stage_id"), **by_time),
            prev_status=Window(Lag("status"), **by_time),
            final_status=Window(FirstValue("status"), **newest),
            final_type=Window(FirstValue("history_type"), **newest),
            final_closed=Window(FirstValue("closed_date"), **newest),
        )
        .values(
            "id",
            "history_id",
            "history_date",
            "history_type",
            "stage_id",
            "stage_order",
            "status",
            "owner_id",
            "business_area_id",
            "day",
            "prev_stage",
            "prev_status",
            "final_status",
            "final_type",
            "final_closed",
        )
    )


def stage_steps_sql(rows: models.QuerySet) -> tuple[str, tuple]:
    """(SQL, params) selecting the steps (module doc) of the deals of the history rows `rows`,
    one row per step with `STEP_COLUMNS`, each with the date, stage and status of the step
    after it (NULL for the last).

    `rows` must hold every history row of each deal it holds (narrow it by deal, never by a
    field that changes over time): the steps are read from neighbouring rows.
    """
    inner, params = _rows_with_neighbours(rows).query.sql_with_params()
    step_columns = ", ".join(STEP_COLUMNS[:12])
    by_time = "PARTITION BY id ORDER BY history_date, history_id"
    sql = f"""
        SELECT history_date, {step_columns},
            LEAD(day) OVER ({by_time}) AS next_day,
            LEAD(stage_id) OVER ({by_time}) AS next_stage,
            LEAD(stage_order) OVER ({by_time}) AS next_order,
            LEAD(status) OVER ({by_time}) AS next_status,
            LEAD(history_type) OVER ({by_time}) AS next_type
        FROM (
            SELECT history_date, {step_columns} FROM ({inner}) AS history_rows
            WHERE prev_stage IS NULL OR stage_id <> prev_stage OR status <> prev_status
                OR history_type = '-'
        ) AS steps
    """
    return sql, tuple(params)


def days_between_sql(later: str, earlier: str) -> str:
    """SQL for the whole days from the date `earlier` to the date `later` (both SQL
    expressions): PostgreSQL subtracts dates; SQLite keeps them as text, read by julianday."""
    if connection.vendor == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


def as_date(value) -> date | None:
    """A date from the database: SQLite returns the text of a computed date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class TimelineEntry:
    """One step of a deal: a stage visit (`status` open), a close (won or lost), or the
    deletion; `left` is None while it runs."""

    kind: str  # "stage", "won", "lost", "deleted"
    stage_id: int
    entered: date
    left: date | None
    days: int | None  # days in the stage (to today while it runs); None for a close
    stage: Stage | None = None  # filled by the caller, from the lookup cache

    @property
    def is_current(self) -> bool:
        return self.left is None


def deal_timeline(
    deal_id: int, *, today: date | None = None, stages: dict | None = None
) -> list[TimelineEntry]:
    """The stages deal `deal_id` went through, oldest first: each visit with the day it was
    entered and the days spent in it (up to its close, or today while it runs), and each
    close as won or lost. One query over the deal's history rows; each entry's `stage` comes
    from `stages` (by pk, e.g. the lookup cache) when given."""
    today = today or timezone.localdate()
    sql, params = stage_steps_sql(HistoricalOpportunity.objects.filter(id=deal_id))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS steps ORDER BY history_date, history_id", params)
        names = [column[0] for column in cursor.description]
        steps = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    entries = []
    for step in steps:
        entered, left = as_date(step["day"]), as_date(step["next_day"])
        if step["history_type"] == "-":
            kind = "deleted"
        elif step["status"] == Opportunity.Status.OPEN:
            kind = "stage"
        else:
            kind = step["status"]
        days = ((left or today) - entered).days if kind == "stage" else None
        stage = (stages or {}).get(step["stage_id"])
        entries.append(TimelineEntry(kind, step["stage_id"], entered, left, days, stage))
    return entries
