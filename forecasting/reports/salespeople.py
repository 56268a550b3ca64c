"""Salesperson grid: how is each salesperson doing, month by month?

Per owner and month (or quarter) of the period: won, open, weighted and the open count, with
row, column and grand totals; every cell links to its deals.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline_crm.money import ZERO, round_money
from pipeline_crm.users import display_name, display_name_key

from ..forms import BucketAsOfForm
from ..models import SavedReport
from ..periods import BY_MONTH, TRUNC_BY, Bucket, Period, buckets
from .base import ReportView
from .figures import as_of_link, deal_list_url, open_in_period, won_in_period


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
    trunc = TRUNC_BY[by]
    # From the deals, or (now, filters among their keys) their kept sums per day (`figures`).
    won = won_in_period(period, filters, as_of=as_of, per="owner").per(
        "owner", bucket=trunc("closed_date"), aggregates={"won": Sum("amount")}
    )
    opened = open_in_period(period, filters, as_of=as_of, per="owner")
    open_rows = opened.per(
        "owner", bucket=trunc("expected_close_date"), aggregates=opened.open_sums()
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
            won_url=deal_list_url(
                link,
                status="won",
                closed_from=bucket_start.isoformat(),
                closed_to=bucket_end.isoformat(),
                **params,
            ),
            open_url=deal_list_url(
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


class SalespeopleView(ReportView):
    kind = SavedReport.Kind.SALESPEOPLE
    url_name = "forecasting:salespeople"
    question = gettext_lazy("How is each salesperson doing, month by month?")
    template_name = "forecasting/salespeople.html"
    form_class = BucketAsOfForm
    report_function = salespeople_report

    def export_rows(self, report, fmt):
        labels = {
            "salesperson": _("Salesperson"),
            "won": _("Won"),
            "open": _("Open"),
            "weighted": _("Weighted"),
            "total": _("Total"),
        }
        return salespeople_rows(report, labels=labels)
