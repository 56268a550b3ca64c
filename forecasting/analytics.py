"""The funnel, salesperson grid, win/loss and trend reports.

Like `reports`, each aggregates in the database in a fixed number of queries, every total is the
sum of the rows shown, and every figure carries the deal-list URL of exactly the deals behind it
(where the deal list can express the grouping).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils.translation import gettext_lazy as _

from opportunities.models import Opportunity, Stage, forecast_weighted
from pipeline_crm.lookups import localized
from pipeline_crm.money import ZERO, percent, round_money
from pipeline_crm.users import display_name, display_name_key

from .asof import deals_for
from .periods import Period, quarter_of
from .reports.figures import Figures, as_of_link, deal_list_url, narrow_deals

BY_MONTH = "month"
BY_QUARTER = "quarter"
_TRUNC = {BY_MONTH: TruncMonth, BY_QUARTER: TruncQuarter}


def _url(link: dict, **params) -> str:
    """`deal_list_url` of the report's link parameters overridden by `params`."""
    return deal_list_url(**{**link, **params})


def _figures(row: dict | None, url: str) -> Figures:
    row = row or {}
    return Figures(
        total=round_money(row.get("total") or ZERO),
        weighted=round_money(row.get("weighted") or ZERO),
        count=row.get("count") or 0,
        url=url,
    )


def _open_sums():
    # Rows counted, not ids: a salesperson's sums then come from their index alone.
    return {"total": Sum("amount"), "weighted": forecast_weighted(), "count": Count("*")}


# --- buckets: months or quarters of a period ---------------------------------------------------


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


# --- funnel --------------------------------------------------------------------------------------


@dataclass
class FunnelRow:
    stage: Stage
    figures: Figures


@dataclass
class FunnelReport:
    period: Period | None
    rows: list[FunnelRow]
    total: Figures


def funnel_report(
    period: Period | None,
    filters: dict,
    *,
    mine=None,
    link_params: dict | None = None,
    as_of: date | None = None,
) -> FunnelReport:
    """Open deals per open stage: #, Total and Weighted, and a total.

    Without a period, every open deal counts; with one, those expected to close in it. `mine`
    (a user) keeps the deals that user owns or shares. Every active stage except the won stage
    gets a row, in order, even with no deals; an inactive stage only while open deals still sit
    in it, so the total stays the sum of the rows. With `as_of`, the deals as they stood at the
    end of that day.
    """
    link = {"status": "open", **(link_params or {}), **as_of_link(as_of)}
    deals = deals_for(as_of).open().exclude(stage__is_won_stage=True)
    if period is not None:
        deals = deals.in_period(period.start, period.end)
        link.update(close_from=period.start.isoformat(), close_to=period.end.isoformat())
    parts = [deals]
    if mine is not None:
        parts = deals.owned_by_parts(mine)
        link["mine"] = "true"
    grouped: dict = {}
    for part in parts:
        for row in narrow_deals(part, filters).order_by().values("stage").annotate(**_open_sums()):
            into = grouped.setdefault(row["stage"], {"total": None, "weighted": None, "count": 0})
            for name in ("total", "weighted", "count"):
                if row[name] is not None:
                    into[name] = (into[name] or 0) + row[name]
    rows = []
    total = Figures(url=_url(link))
    for stage in Stage.objects.filter(is_won_stage=False).order_by("order", "name"):
        if stage.pk not in grouped and not stage.is_active:
            continue
        figures = _figures(grouped.get(stage.pk), _url(link, stage=stage.pk))
        rows.append(FunnelRow(stage=stage, figures=figures))
        total.add(figures)
    return FunnelReport(period=period, rows=rows, total=total)


def funnel_chart(report: FunnelReport, *, compact: bool = False) -> dict:
    """Geometry of the server-rendered funnel: one centred bar per stage, its width
    proportional to the stage's count (a deal-less stage keeps only its clickable band)."""
    label_width, bar_area, value_width = (150, 160, 130) if compact else (200, 340, 200)
    row_height, bar_height = (26, 20) if compact else (38, 28)
    top = max([row.figures.count for row in report.rows] + [1])
    centre = label_width + bar_area // 2
    bars = []
    for index, row in enumerate(report.rows):
        count = row.figures.count
        width = max(count * bar_area // top, 2) if count else 0
        y = index * row_height
        bars.append(
            {
                "row": row,
                "y": y,
                "bar_y": y + (row_height - bar_height) // 2,
                "text_y": y + row_height // 2 + 5,
                "x": centre - width // 2,
                "width": width,
            }
        )
    return {
        "bars": bars,
        "width": label_width + bar_area + value_width,
        "height": max(len(bars), 1) * row_height,
        "row_height": row_height,
        "bar_height": bar_height,
        "label_x": label_width - 10,
        "value_x": label_width + bar_area + 10,
    }


def funnel_rows(report: FunnelReport, *, total_label: str = "Total"):
    """The report as flat rows: (stage, count, total, weighted), then the total row."""
    for row in report.rows:
        f = row.figures
        yield (row.stage.name, f.count, f.total, f.weighted)
    t = report.total
    yield (total_label, t.count, t.total, t.weighted)


# --- salesperson grid ----------------------------------------------------------------------------


@dataclass
class Cell:
    """One salesperson in one bucket: won, open and weighted amounts and the open count."""

    won: Decimal = ZERO
    open: Decimal = ZERO
    weighted: Decimal = ZERO
    count: int = 0
    won_url: str = ""
    open_url: str = ""

    def add(self, other: "Cell") -> None:
        self.won += other.won
        self.open += other.open
        self.weighted += other.weighted
        self.count += other.count


@dataclass
class SalespersonRow:
    owner: object
    cells: list[Cell]
    total: Cell

    @property
    def name(self) -> str:
        return display_name(self.owner)


@dataclass
class SalespeopleReport:
    period: Period
    by: str
    buckets: list[Bucket]
    rows: list[SalespersonRow]
    totals: list[Cell] = field(default_factory=list)
    total: Cell = field(default_factory=Cell)

    @property
    def column_count(self) -> int:
        """Table columns: the name, then four per bucket and four for the row total."""
        return 1 + 4 * (len(self.buckets) + 1)


def salespeople_report(
    period: Period,
    filters: dict,
    *,
    by: str = BY_MONTH,
    link_params: dict | None = None,
    as_of: date | None = None,
) -> SalespeopleReport:
    """Per owner and month (or quarter) of the period: won (deals won with their closed date
    in the bucket), open and weighted (open deals expected to close in it) and the open count.

    Row totals, column totals and the grand total are the sums of their cells. Owners without
    a figure in the period get no row. With `as_of`, the deals as they stood at the end of that
    day.
    """
    link = {**(link_params or {}), **as_of_link(as_of)}
    trunc = _TRUNC[by]
    deals = deals_for(as_of)
    won = (
        narrow_deals(deals.won_in(period.start, period.end), filters)
        .order_by()
        .values("owner", bucket=trunc("closed_date"))
        .annotate(won=Sum("amount"))
    )
    open_rows = (
        narrow_deals(deals.open().in_period(period.start, period.end), filters)
        .order_by()
        .values("owner", bucket=trunc("expected_close_date"))
        .annotate(**_open_sums())
    )
    figures: dict[tuple[int, date], dict] = {}
    for row in won:
        figures.setdefault((row["owner"], row["bucket"]), {})["won"] = row["won"]
    for row in open_rows:
        figures.setdefault((row["owner"], row["bucket"]), {}).update(row)
    columns = buckets(period, by)
    owner_ids = {owner for owner, _bucket in figures}
    owners = sorted(
        get_user_model().objects.filter(pk__in=owner_ids),
        key=display_name_key,
    )

    def cell(values: dict, bucket_start: date, bucket_end: date, **params) -> Cell:
        return Cell(
            won=round_money(values.get("won") or ZERO),
            open=round_money(values.get("total") or ZERO),
            weighted=round_money(values.get("weighted") or ZERO),
            count=values.get("count") or 0,
            won_url=_url(
                link,
                status="won",
                closed_from=bucket_start.isoformat(),
                closed_to=bucket_end.isoformat(),
                **params,
            ),
            open_url=_url(
                link,
                status="open",
                close_from=bucket_start.isoformat(),
                close_to=bucket_end.isoformat(),
                **params,
            ),
        )

    report = SalespeopleReport(
        period=period,
        by=by,
        buckets=columns,
        rows=[],
        totals=[cell({}, b.start, b.end) for b in columns],
        total=cell({}, period.start, period.end),
    )
    for owner in owners:
        cells = [
            cell(figures.get((owner.pk, b.key), {}), b.start, b.end, owner=owner.pk)
            for b in columns
        ]
        row = SalespersonRow(
            owner=owner, cells=cells, total=cell({}, period.start, period.end, owner=owner.pk)
        )
        for column, value in zip(report.totals, cells, strict=True):
            row.total.add(value)
            column.add(value)
        report.total.add(row.total)
        report.rows.append(row)
    return report


def salespeople_rows(report: SalespeopleReport, *, labels: dict):
    """The grid as flat rows: a header, one row per salesperson, then the column totals.

    `labels` holds the translated "salesperson", "won", "open", "weighted" and "total".
    """
    names = (labels["won"], labels["open"], labels["weighted"], "#")
    header = [labels["salesperson"]]
    for bucket in report.buckets:
        header += [f"{bucket.label} {name}" for name in names]
    header += [f"{labels['total']} {name}" for name in names]
    yield header

    def flat(cells):
        for c in cells:
            yield from (c.won, c.open, c.weighted, c.count)

    for row in report.rows:
        yield [row.name, *flat([*row.cells, row.total])]
    yield [labels["total"], *flat([*report.totals, report.total])]


# --- win/loss ------------------------------------------------------------------------------------


@dataclass
class WinLossRow:
    name: str = ""
    won_count: int = 0
    won_value: Decimal = ZERO
    lost_count: int = 0
    lost_value: Decimal = ZERO
    won_url: str = ""
    lost_url: str = ""

    @property
    def win_rate(self) -> Decimal | None:
        """Won count / (won + lost) count, in % to one decimal; None without closed deals."""
        return percent(self.won_count, self.won_count + self.lost_count)

    def add(self, other: "WinLossRow") -> None:
        self.won_count += other.won_count
        self.won_value += other.won_value
        self.lost_count += other.lost_count
        self.lost_value += other.lost_value


@dataclass
class WinLossTable:
    key: str
    title: str
    empty_label: str
    rows: list[WinLossRow]
    total: WinLossRow
    lost_only: bool = False


@dataclass
class WinLossReport:
    period: Period
    tables: list[WinLossTable]


# (key, grouping field, title, label of the row without a value, deal-list parameter, lost only)
_WINLOSS_GROUPS = (
    ("segment", "account__segment", _("Segment"), _("(no segment)"), None, False),
    ("loss_reason", "loss_reason", _("Loss reason"), _("(no loss reason)"), None, True),
    ("competitor", "competitor", _("Competitor"), _("(no competitor)"), None, False),
    ("deal_type", "deal_type", _("Deal type"), _("(no deal type)"), "deal_type", False),
)


def winloss_report(
    period: Period, filters: dict, *, link_params: dict | None = None
) -> WinLossReport:
    """Deals closed (won or lost) with their closed date in the period: won vs lost count and
    value and the win rate by segment, competitor and deal type, and lost deals by loss reason.

    One query per table. A row links to the deal list only where the list can filter by its
    group (deal type); each total row links to all the won or lost deals of the period.
    """
    link = {
        "closed_from": period.start.isoformat(),
        "closed_to": period.end.isoformat(),
        **(link_params or {}),
    }
    status = Opportunity.Status
    closed = narrow_deals(
        Opportunity.objects.filter(status__in=[status.WON, status.LOST]).closed_in(
            period.start, period.end
        ),
        filters,
    )
    is_won, is_lost = Q(status=status.WON), Q(status=status.LOST)
    tables = []
    for key, group, title, empty_label, param, lost_only in _WINLOSS_GROUPS:
        deals = closed.lost() if lost_only else closed
        grouped = (
            deals.order_by()
            .values(group, f"{group}__order", group_name=localized(Opportunity, f"{group}__name"))
            .annotate(
                won_count=Count("pk", filter=is_won),
                won_value=Sum("amount", filter=is_won),
                lost_count=Count("pk", filter=is_lost),
                lost_value=Sum("amount", filter=is_lost),
            )
        )
        rows = []
        for item in sorted(
            grouped,
            key=lambda i: (i[group] is None, i[f"{group}__order"] or 0, i["group_name"] or ""),
        ):
            row = WinLossRow(
                name=item["group_name"] or "",
                won_count=item["won_count"],
                won_value=round_money(item["won_value"] or ZERO),
                lost_count=item["lost_count"],
                lost_value=round_money(item["lost_value"] or ZERO),
            )
            if param and item[group] is not None:
                row.won_url = _url(link, status="won", **{param: item[group]})
                row.lost_url = _url(link, status="lost", **{param: item[group]})
            rows.append(row)
        total = WinLossRow(
            won_url="" if lost_only else _url(link, status="won"),
            lost_url=_url(link, status="lost"),
        )
        for row in rows:
            total.add(row)
        tables.append(
            WinLossTable(
                key=key,
                title=title,
                empty_label=empty_label,
                rows=rows,
                total=total,
                lost_only=lost_only,
            )
        )
    return WinLossReport(period=period, tables=tables)


def winloss_rows(report: WinLossReport, *, total_label: str = "Total"):
    """All four tables as flat rows: (table, group, won #, won value, lost #, lost value,
    win rate %); the loss-reason table leaves the won columns and the rate empty."""
    for table in report.tables:
        for row in [*table.rows, table.total]:
            name = (row.name or str(table.empty_label)) if row is not table.total else total_label
            if table.lost_only:
                yield (str(table.title), name, "", "", row.lost_count, row.lost_value, "")
            else:
                rate = row.win_rate
                yield (
                    str(table.title),
                    name,
                    row.won_count,
                    row.won_value,
                    row.lost_count,
                    row.lost_value,
                    rate if rate is not None else "",
                )


# --- trend ---------------------------------------------------------------------------------------


@dataclass
class TrendRow:
    bucket: Bucket
    figures: Figures


@dataclass
class TrendReport:
    period: Period
    by: str
    rows: list[TrendRow]
    total: Figures


def trend_report(
    period: Period,
    filters: dict,
    *,
    by: str = BY_MONTH,
    link_params: dict | None = None,
    as_of: date | None = None,
) -> TrendReport:
    """Open deals expected to close in the period, per month (or quarter) of their expected
    close date: Total, Weighted and #. Every bucket of the period gets a row, even an empty one.
    With `as_of`, the deals as they stood at the end of that day.
    """
    link = {"status": "open", **(link_params or {}), **as_of_link(as_of)}
    grouped = {
        row["bucket"]: row
        for row in narrow_deals(
            deals_for(as_of).open().in_period(period.start, period.end), filters
        )
        .order_by()
        .values(bucket=_TRUNC[by]("expected_close_date"))
        .annotate(**_open_sums())
    }
    total = Figures(
        url=_url(link, close_from=period.start.isoformat(), close_to=period.end.isoformat())
    )
    rows = []
    for bucket in buckets(period, by):
        url = _url(link, close_from=bucket.start.isoformat(), close_to=bucket.end.isoformat())
        figures = _figures(grouped.get(bucket.key), url)
        rows.append(TrendRow(bucket=bucket, figures=figures))
        total.add(figures)
    return TrendReport(period=period, by=by, rows=rows, total=total)


def trend_chart(report: TrendReport) -> dict:
    """Geometry of the server-rendered bar chart: per bucket a total and a weighted bar,
    heights proportional to the largest total."""
    plot_height, slot, gap = 200, 56, 8
    top = max([row.figures.total for row in report.rows] + [Decimal(1)])
    bar_width = (slot - 3 * gap) // 2
    bars = []
    for index, row in enumerate(report.rows):
        x = index * slot
        total_height = int(row.figures.total * plot_height / top)
        weighted_height = int(row.figures.weighted * plot_height / top)
        bars.append(
            {
                "row": row,
                "x": x,
                "total_x": x + gap,
                "weighted_x": x + 2 * gap + bar_width,
                "total_y": 10 + plot_height - total_height,
                "weighted_y": 10 + plot_height - weighted_height,
                "total_height": total_height,
                "weighted_height": weighted_height,
                "label_x": x + slot // 2,
            }
        )
    return {
        "bars": bars,
        "width": max(len(bars), 1) * slot,
        "height": plot_height + 40,
        "slot": slot,
        "bar_width": bar_width,
        "axis_y": 10 + plot_height,
        "label_y": plot_height + 30,
    }


def trend_rows(report: TrendReport, *, total_label: str = "Total"):
    """The report as flat rows: (bucket, total, weighted, count), then the total row."""
    for row in report.rows:
        f = row.figures
        yield (row.bucket.label, f.total, f.weighted, f.count)
    t = report.total
    yield (total_label, t.total, t.weighted, t.count)
