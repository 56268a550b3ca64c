"""Trend: how does the pipeline spread over the coming months?

Open deals expected to close in the period, per month (or quarter) of their expected close
date: Total, Weighted and #, every bucket a row; with a bar chart.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..forms import TrendAsOfForm
from ..models import SavedReport
from ..periods import BY_MONTH, TRUNC_BY, Bucket, Period, buckets
from .base import ReportView
from .figures import Figures, as_of_link, deal_list_url, figures_of, figures_rows, open_in_period


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
    # From the deals, or (now, filters among their keys) their kept sums per day (`figures`).
    opened = open_in_period(period, filters, as_of=as_of)
    grouped = {
        row["bucket"]: row
        for row in opened.deals.order_by()
        .values(bucket=TRUNC_BY[by]("expected_close_date"))
        .annotate(**opened.open_sums())
    }
    total = Figures(
        url=deal_list_url(
            link, close_from=period.start.isoformat(), close_to=period.end.isoformat()
        )
    )
    rows = []
    for bucket in buckets(period, by):
        url = deal_list_url(
            link, close_from=bucket.start.isoformat(), close_to=bucket.end.isoformat()
        )
        figures = figures_of(grouped.get(bucket.key), url)
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
    rows = ((row.bucket.label, row.figures) for row in report.rows)
    return figures_rows(rows, report.total, total_label=total_label, columns="total weighted count")


class TrendView(ReportView):
    kind = SavedReport.Kind.TREND
    url_name = "forecasting:trend"
    question = gettext_lazy("How does the pipeline spread over the coming months?")
    template_name = "forecasting/trend.html"
    form_class = TrendAsOfForm
    report_function = trend_report

    def export_rows(self, report, fmt):
        yield [_("Period"), _("Total"), _("Weighted"), "#"]
        yield from trend_rows(report, total_label=_("Total"))

    def page_context(self, report, form):
        return {"chart": trend_chart(report)}
