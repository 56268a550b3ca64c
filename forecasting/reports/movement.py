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

Four queries, whatever the number of deals: the start, the end, which of the end's deals not
in the start existed then, and the start's deals that left (as of the end). They read ids,
amounts and statuses only, each from one index alone (no table rows); the names are read for
the deals a page shows (`with_names`, two queries). The deals are classified in Python (a
quarter at 100,000 deals is some thousands of rows). Measured at 100,000 deals and 1,000,000
history rows (load 9-11): a quarter's page took 2.3 s of SQL when every read fetched the names
(about 10,000 random table reads per query), now about 0.6 s (`bench_reports`).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import BadRequest
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opportunities.models import Opportunity
from pipeline_crm.money import ZERO

from ..asof import HistoricalOpportunity, cutoff, deals_as_of, product_deal_ids
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
    name: str
    label: str
    sign: int
    amount: Decimal = ZERO
    deals: list[DealMove] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.deals)

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


def _in_pipeline_condition(period: Period, filters: dict, day: date) -> Q:
    """`reports.open_deals(period, filters, as_of=day)` as a condition on the rows as of
    `day`."""
    condition = Q(
        status=Opportunity.Status.OPEN,
        expected_close_date__gte=period.start,
        expected_close_date__lte=period.end,
    )
    for name in ("owner", "business_area", "deal_type", "source", "forecast_category"):
        if filters.get(name):
            condition &= Q(**{name: filters[name]})
    if filters.get("product"):
        condition &= Q(id__in=product_deal_ids(filters["product"], cutoff(day)))
    return condition


def movement_report(period: Period, filters: dict, *, today: date | None = None) -> MovementReport:
    """The pipeline of `period` at its start and its end and the parts between (module doc).

    The amounts are those of the history rows (Decimal, 2 places); every part is the sum of
    its deals, and start + the signed parts == end exactly.
    """
    start_day, end_day = movement_days(period, today)
    in_pipeline = (period.start, period.end)
    at_start = dict(
        _narrow(deals_as_of(start_day).open().in_period(*in_pipeline), filters)
        .order_by()
        .values_list("id", "amount")
    )
    # The end's pipeline, then what became of the start's deals that are not in it: two reads
    # each served by an index (one OR of both conditions would read every deal at the end).
    at_end = dict(
        deals_as_of(end_day)
        .filter(_in_pipeline_condition(period, filters, end_day))
        .order_by()
        .values_list("id", "amount")
    )
    # Of the end's deals not there at the start, those that existed then (pulled in).
    existed = set(
        HistoricalOpportunity.objects.filter(
            id__in=[pk for pk in at_end if pk not in at_start],
            history_date__lt=cutoff(start_day),
        )
        .order_by()
        .values_list("id", flat=True)
        .distinct()
    )
    left = [pk for pk in at_start if pk not in at_end]
    later = {
        pk: (amount, status)
        for pk, amount, status in deals_as_of(end_day)
        .filter(id__in=left)
        .order_by()
        .values_list("id", "amount", "status")
    }
    parts = {name: Part(name=name, label=label, sign=sign) for name, label, sign in PARTS}

    def add(part: str, move: DealMove) -> None:
        parts[part].amount += move.amount
        parts[part].deals.append(move)

    def change(pk, before, after, status) -> None:
        delta = after - before
        if delta:
            kind = INCREASES if delta > 0 else DECREASES
            add(kind, DealMove(pk, before, after, status, abs(delta)))

    for pk, after in at_end.items():
        before = at_start.get(pk)
        add(END, DealMove(pk, before, after, "open", after))
        if before is not None:
            add(START, DealMove(pk, before, after, "open", before))
            change(pk, before, after, "open")
        else:
            kind = PULLED_IN if pk in existed else NEW
            add(kind, DealMove(pk, None, after, "open", after))
    for pk in left:
        before = at_start[pk]
        after, status = later.get(pk, (before, ""))  # not there: deleted since
        add(START, DealMove(pk, before, None, status, before))
        change(pk, before, after, status)
        kind = {"won": WON, "lost": LOST}.get(status, PUSHED_OUT)
        add(kind, DealMove(pk, before, None, status, after))
    for part in parts.values():
        part.deals.sort(key=lambda move: (-move.amount, move.id))
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

    def page_context(self, report, form):
        part = report.part(self.request.GET["part"])
        return {"part": part, "deals": with_names(report, part.deals[:MAX_DEALS_SHOWN])}
