"""The movement (waterfall) of the pipeline over a period of expected close dates (issue 19).

The pipeline of a period is its open deals expected to close in it (narrowed by the report's
filters). It is read twice from the deals' history (`forecasting.asof`): at the start of the
period (as of the end of the day before) and at its end (as of its last day, or today while it
runs). Each deal in either is put in exactly one part, so the parts add up to the end figure:

    start + new + increases − decreases + pulled in − pushed out − won − lost = end

- in both: the change of its amount is an increase or a decrease;
- only at the end: *new* if it did not exist at the start, else *pulled in* (its close date
  moved into the period, it was reopened, or it came into the filters);
- only at the start: its change of amount (an increase or a decrease), then its amount at the
  end leaves as *won* or *lost* by its status then, else as *pushed out* (still open, its close
  date moved out of the period or it left the filters); a deal deleted meanwhile leaves as
  *pushed out* with its amount at the start.

One statement, whatever the number of deals (`PARTS_SQL`): the start and the end (each a
queryset of `forecasting.asof`, compiled into it), each deal of either once, its part or parts,
and per part its count and sum; the deals page adds that part's largest deals to the same
statement (`DEALS_SQL`), and reads their names (`with_names`, two queries). The database
classifies, so Python no longer builds a row per deal nor sends lists of ids back (a list of
5,000 ids to look up cost 400 ms at 100,000 deals). The start and the end are inlined
(NOT MATERIALIZED) so the planner keeps the history's statistics: materialized, it took their
join for 30 million rows and spent 1.3 s compiling the statement (JIT). Inlined, the as-of
reads are still overestimated tenfold (the rows standing at an instant are a band in two
dates the statistics see apart), and JIT compiling took 44–116 ms of a 190–650 ms statement
at 100,000 deals: the statement runs with `jit` off (`set_config(…, true)`, put back after
it, inside the request's transaction). Measured at 100,000
deals and 1,044,000 history rows, same load (13 on 2 cores), `bench_reports --only movement`:
p95 quarter 3,761 → 848 ms, year 2,531 → 640 ms, a bar's deals 3,394 → 1,565 ms; CPU per
request 202–401 → 23–52 ms. At 1,000,000 deals and 10,444,000 history rows (load 11–12):
quarter 27,984 → 8,153 ms, last quarter 16,025 → 4,682, year 21,775 → 5,673, a bar's deals
32,064 → 7,925; CPU 2.0–4.1 s → 27–53 ms. What is left is the reading itself: a quarter at
1,000,000 deals has 101,000 deals at its start, 69,000 at its end and 93,000 that left (a
probe each), about 1.6 million index pages. Since (issue 20, 1,000,000 deals, a slower
machine, `bench_reports --only movement`, p50): a deal that left is probed once for both its
amount and status (PostgreSQL's LATERAL; SQLite keeps two probes), and a bar's deals page
reads only the moves its part is made of (`ONLY_LEFT`, `ONLY_ARRIVED`): quarter 1,708 ->
1,479 ms, last quarter 1,038 -> 890, year 1,608 -> 1,379, the won deals 2,240 -> 1,036
(p95 2,782 -> 1,131). `tests/forecasting/test_movement_recount.py`
recounts every part and its deals the straightforward way (each deal's rows read into Python)
on random histories, PostgreSQL and SQLite.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context, Decimal

from django.core.exceptions import BadRequest
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pipeline_crm.money import ZERO, round_money

from ..asof import HistoricalOpportunity, cutoff, deals_as_of
from ..forms import PipelineFilterForm
from ..models import SavedReport
from ..periods import Period
from .base import ReportView, has_period
from .figures import narrow_deals as _narrow

START, NEW, INCREASES, DECREASES = "start", "new", "increases", "decreases"
PULLED_IN, PUSHED_OUT, WON, LOST, END = "pulled_in", "pushed_out", "won", "lost", "end"
# (part, label, sign in the sum: +1 adds, -1 takes away, 0 is a level)
PARTS = (
    (START, _("Pipeline at the start"), 0),
    (NEW, _("New deals"), 1),
    (INCREASES, _("Increases"), 1),
    (DECREASES, _("Decreases"), -1),
    (PULLED_IN, _("Pulled in"), 1),
    (PUSHED_OUT, _("Pushed out"), -1),
    (WON, _("Won"), -1),
    (LOST, _("Lost"), -1),
    (END, _("Pipeline at the end"), 0),
)
PART_NAMES = tuple(name for name, _label, _sign in PARTS)


@dataclass(slots=True)
class DealMove:
    """One deal's share of a part: its amounts at the start and end (None where it was not
    in the pipeline then) and the money it adds to or takes from the part. Its name is read
    by `with_names` for the deals shown."""

    id: int
    before: Decimal | None
    after: Decimal | None
    status: str
    amount: Decimal
    name: str = ""


@dataclass
class Part:
    """One part of the movement: its number of deals and their sum; `deals` holds them (the
    largest first) only for the part a page lists (`movement_report(deals_of=…)`, which
    reads that part alone)."""

    name: str
    label: str
    sign: int
    amount: Decimal = ZERO
    count: int = 0
    deals: list[DealMove] = field(default_factory=list)

    @property
    def signed(self) -> Decimal:
        return self.amount * self.sign


@dataclass
class MovementReport:
    period: Period
    start_day: date  # the pipeline at the start is as of the end of this day
    end_day: date
    parts: list[Part]

    def part(self, name: str) -> Part:
        return self.parts[PART_NAMES.index(name)]

    @property
    def start(self) -> Decimal:
        return self.part(START).amount

    @property
    def end(self) -> Decimal:
        return self.part(END).amount


def movement_days(period: Period, today: date | None = None) -> tuple[date, date]:
    """(as of which day the start is read, as of which the end is): the day before the period
    and its last day, neither after today."""
    today = today or timezone.localdate()
    return min(period.start - timedelta(days=1), today), min(period.end, today)


def _pipeline(period: Period, filters: dict, day: date):
    """The pipeline of `period` as of `day`: (id, amount) of its deals, as a queryset."""
    deals = deals_as_of(day).open().in_period(period.start, period.end)
    return _narrow(deals, filters).order_by().values_list("id", "amount")


def _sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


# Each deal of either end, once (`moves`), then its share of each part (`parts`): the module
# doc's rules, row for row. `kind`: in both ends, only at the end (new or pulled in), or only at
# the start (left); a deal that left has its amount and status at the end, or its amount at the
# start and no status when it was deleted meanwhile (read per deal that left: a probe of the
# index on (id, valid_until, history_date) each, where a join would read every deal as of the
# end). Whether a deal existed at the start is its first row's date: a probe of the index on
# (id, history_date) (an EXISTS took the plain id index and read the table: at 1,000,000 deals
# 253,000 pages for 61,000 deals).
PARTS_SQL = """
WITH s (id, amount) AS NOT MATERIALIZED ({start}),
e (id, amount) AS NOT MATERIALIZED ({end}),
moves (id, kind, before, after, status) AS ({moves}),
parts (part, id, before, after, status, amount) AS (
    SELECT 'start', id, before, after, status, before FROM moves WHERE kind IN ('both', 'left')
    UNION ALL
    SELECT 'end', id, before, after, status, after FROM moves WHERE kind <> 'left'
    UNION ALL
    SELECT kind, id, before, after, status, after FROM moves WHERE kind IN ('new', 'pulled_in')
    UNION ALL
    SELECT 'increases', id, before, after, status, after - before FROM moves
    WHERE kind IN ('both', 'left') AND after > before
    UNION ALL
    SELECT 'decreases', id, before, after, status, before - after FROM moves
    WHERE kind IN ('both', 'left') AND after < before
    UNION ALL
    SELECT CASE status WHEN 'won' THEN 'won' WHEN 'lost' THEN 'lost' ELSE 'pushed_out' END,
        id, before, after, status, after FROM moves WHERE kind = 'left'
)
SELECT part, COUNT(*), SUM(amount), NULL, NULL, NULL, NULL FROM parts {only} GROUP BY part
"""
# The deals at the end (in both ends, new or pulled in), and those that left.
ARRIVED_SQL = """
    SELECT e.id,
        CASE WHEN s.id IS NOT NULL THEN 'both'
            WHEN (SELECT MIN(h.history_date) FROM {history} h WHERE h.id = e.id) < %s
                THEN 'pulled_in'
            ELSE 'new' END,
        s.amount, e.amount, 'open'
    FROM e LEFT JOIN s ON s.id = e.id"""
LEFT_SQL = """
    SELECT gone.id, 'left', gone.amount,
        COALESCE((SELECT later.amount FROM ({later}) later WHERE later.id = gone.id), gone.amount),
        COALESCE((SELECT later.status FROM ({later}) later WHERE later.id = gone.id), '')
    FROM s AS gone LEFT JOIN e ON e.id = gone.id
    WHERE e.id IS NULL"""
# The same on PostgreSQL: one probe per deal that left for both its amount and its status.
LEFT_SQL_LATERAL = """
    SELECT gone.id, 'left', gone.amount,
        COALESCE(later.amount, gone.amount), COALESCE(later.status, '')
    FROM s AS gone LEFT JOIN e ON e.id = gone.id
    LEFT JOIN LATERAL (
        SELECT later.amount, later.status FROM ({later}) later WHERE later.id = gone.id
    ) later ON true
    WHERE e.id IS NULL"""
# The parts whose deals are all of one kind of move: their deals page reads those moves only
# (at 1,000,000 deals the SQL of a quarter's won deals 1,869 -> 932 ms).
ONLY_LEFT = frozenset({PUSHED_OUT, WON, LOST})
ONLY_ARRIVED = frozenset({NEW, PULLED_IN, END})
# The deals of one part, the largest first, after its figures (same columns, `id` not null).
DEALS_SQL = """
UNION ALL
SELECT * FROM (
    SELECT part, CAST(NULL AS bigint), amount, id, before, after, status FROM parts
    WHERE part = %s
    ORDER BY amount DESC, id {limit}
) AS listed
"""

_FLOAT_MONEY = Context(prec=15)


def _money(value) -> Decimal | None:
    """A sum or amount as the database gives it, as Decimal with 2 places (SQLite sums
    decimals as floats: the 15 digits Django's own converter keeps)."""
    if value is None:
        return None
    if isinstance(value, float):
        value = _FLOAT_MONEY.create_decimal_from_float(value)
    return round_money(value)


def movement_report(
    period: Period,
    filters: dict,
    *,
    today: date | None = None,
    deals_of: str | None = None,
    most: int | None = None,
) -> MovementReport:
    """The pipeline of `period` at its start and its end and the parts between (module doc);
    with `deals_of`, that part alone (the others are left empty) and its deals (the `most`
    largest; None: all of them).

    The amounts are those of the history rows (Decimal, 2 places); every part is the sum of
    its deals, and start + the signed parts == end exactly.
    """
    start_day, end_day = movement_days(period, today)
    start_sql, start_params = _sql(_pipeline(period, filters, start_day))
    end_sql, end_params = _sql(_pipeline(period, filters, end_day))
    later_sql, later_params = _sql(
        deals_as_of(end_day).order_by().values_list("id", "amount", "status")
    )
    since = connection.ops.adapt_datetimefield_value(cutoff(start_day))  # as the ORM sends it
    moves, moves_params = [], []
    if deals_of not in ONLY_LEFT:
        history = connection.ops.quote_name(HistoricalOpportunity._meta.db_table)
        moves.append(ARRIVED_SQL.format(history=history))
        moves_params.append(since)
    if deals_of not in ONLY_ARRIVED:
        if connection.vendor == "postgresql":
            moves.append(LEFT_SQL_LATERAL.format(later=later_sql))
            moves_params += later_params
        else:
            moves.append(LEFT_SQL.format(later=later_sql))
            moves_params += [*later_params, *later_params]
    only = "" if deals_of is None else "WHERE part = %s"
    sql = PARTS_SQL.format(
        start=start_sql, end=end_sql, moves="\n    UNION ALL".join(moves), only=only
    )
    params = (*start_params, *end_params, *moves_params)
    if deals_of is not None:
        params += (deals_of,)
        sql += DEALS_SQL.format(limit="" if most is None else f"LIMIT {int(most)}")
        params += (deals_of,)
    parts = {name: Part(name=name, label=label, sign=sign) for name, label, sign in PARTS}
    # The setting holds to the end of the transaction: the request's, else one of its own.
    within = nullcontext() if connection.in_atomic_block else transaction.atomic()
    with within, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Without JIT for this statement (module doc), then as it was.
            cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
            jit = cursor.fetchone()[0]
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    for name, count, amount, pk, before, after, status in rows:
        part = parts[name]
        if pk is None:
            part.count, part.amount = count, _money(amount)
        else:
            part.deals.append(DealMove(pk, _money(before), _money(after), status, _money(amount)))
    return MovementReport(
        period=period, start_day=start_day, end_day=end_day, parts=list(parts.values())
    )


def with_names(report: MovementReport, moves: list[DealMove]) -> list[DealMove]:
    """`moves` with their deals' names: as they stood at the end of the report, or for a deal
    deleted meanwhile as at its start. Two queries, whatever the number."""
    ids = [move.id for move in moves]
    names = dict(deals_as_of(report.end_day).filter(id__in=ids).values_list("id", "name"))
    gone = [pk for pk in ids if pk not in names]
    if gone:
        names.update(deals_as_of(report.start_day).filter(id__in=gone).values_list("id", "name"))
    for move in moves:
        move.name = names.get(move.id, "")
    return moves


def waterfall_chart(report: MovementReport) -> dict:
    """Geometry of the server-rendered waterfall: one column per part, the levels (start, end)
    from the axis, each movement floating from the running level, up or down."""
    plot_height, slot, top_margin = 220, 124, 10  # a slot fits its label
    running, levels = ZERO, []
    for part in report.parts:
        if part.sign == 0:
            low, high = ZERO, part.amount
            running = part.amount
        else:
            after = running + part.signed
            low, high = min(running, after), max(running, after)
            running = after
        levels.append((part, low, high))
    top = max([high for _part, _low, high in levels] + [Decimal(1)])
    bars = []
    for index, (part, low, high) in enumerate(levels):
        y_high = top_margin + plot_height - int(high * plot_height / top)
        y_low = top_margin + plot_height - int(low * plot_height / top)
        bars.append(
            {
                "part": part,
                "x": index * slot + 8,
                "y": y_high,
                "height": max(y_low - y_high, 1 if part.amount else 0),
                "kind": "level" if part.sign == 0 else ("up" if part.sign > 0 else "down"),
                "label_x": index * slot + slot // 2,
            }
        )
    return {
        "bars": bars,
        "width": len(bars) * slot,
        "height": plot_height + 60,
        "slot": slot,
        "bar_width": slot - 16,
        "axis_y": top_margin + plot_height,
        "label_y": plot_height + 30,
        "value_y": plot_height + 48,
    }


DIRECTIONS = {0: _("level"), 1: _("added"), -1: _("taken away")}


def movement_rows(report: MovementReport):
    """The report as flat rows: (part, direction, #, amount). Amounts are unsigned (a
    spreadsheet would read a cell starting with "-" as a formula); the direction says whether
    the part adds to the pipeline or takes away from it."""
    for part in report.parts:
        yield (str(part.label), str(DIRECTIONS[part.sign]), part.count, part.amount)


class MovementView(ReportView):
    """The waterfall, its table and export; each bar and row opens its deals
    (`MovementDealsView`)."""

    kind = SavedReport.Kind.MOVEMENT
    url_name = "forecasting:movement"
    question = _("How did the pipeline of a period change, and why?")
    template_name = "forecasting/movement.html"
    form_class = PipelineFilterForm
    export_title = _("Movement")

    def compute(self, form):
        return movement_report(form.period, form.cleaned_data)

    def export_rows(self, report, fmt):
        yield [gettext("Movement"), gettext("Direction"), "#", gettext("Amount")]
        yield from movement_rows(report)

    def page_context(self, report, form):
        return {"chart": waterfall_chart(report)}


# The deals page of a bar lists at most this many (the largest first); its heading gives the
# number and the sum of all of them.
MAX_DEALS_SHOWN = 500


class MovementDealsView(MovementView):
    """The deals behind one bar of the waterfall (`?part=won` and the report's parameters):
    the report's drill-down, with no export of its own."""

    template_name = "forecasting/movement_deals.html"
    has_exports = False

    def get(self, request):
        if has_period(request.GET) and request.GET.get("part", "") not in PART_NAMES:
            raise BadRequest(gettext("Unknown part of the movement report."))
        return super().get(request)

    def compute(self, form):
        return movement_report(
            form.period,
            form.cleaned_data,
            deals_of=self.request.GET["part"],
            most=MAX_DEALS_SHOWN,
        )

    def page_context(self, report, form):
        part = report.part(self.request.GET["part"])
        return {"part": part, "deals": with_names(report, part.deals)}
