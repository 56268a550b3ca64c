"""Funnel: how many deals are at each stage?

Open deals per open stage (#, Total, Weighted) and a total; every open deal, or those expected
to close in a period. The dashboard's compact funnel (`forecasting_panels.funnel_panel`) is the
same report.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opportunities import kept_totals
from opportunities.models import DealTotals, Opportunity, Stage, out_of_forecast_condition
from pipeline_crm.lookups import lookup_rows

from ..asof import deals_for
from ..forms import AsOfMixin, PipelineFilterForm
from ..models import SavedReport
from ..periods import Period
from .base import ReportView
from .figures import (
    Figures,
    as_of_link,
    deal_list_url,
    figures_of,
    figures_rows,
    narrow_deals,
    open_sums,
)


@dataclass
class FunnelRow:
    stage: Stage
    figures: Figures


@dataclass
class FunnelReport:
    period: Period | None
    rows: list[FunnelRow]
    total: Figures


# The report's filters (`narrow_deals`) that are keys of the kept deal totals (`DealTotals`),
# and those that are not.
KEPT_FILTERS = ("owner", "business_area")
NOT_KEPT_FILTERS = ("product", "deal_type", "source", "forecast_category")


def kept_per_stage(filters: dict) -> dict | None:
    """Every open deal's figures per stage ({stage id: total, weighted, count}) read from the
    kept deal totals, or None when a filter in use is not one of their keys (or they are
    switched off: `kept_totals.enabled`).

    The kept weighted sums every open deal's; the funnel's is `forecast_weighted`, so the
    weighted of the open deals out of the forecast (a few, from the partial index
    `opp_open_category`) is taken off per stage. At 1,000,000 deals the funnel of every open
    deal grouped 450,000 of them (927 ms at p95); this reads a few hundred kept rows.
    `tests/forecasting/test_funnel.py` compares it with the sums over the deals.
    """
    if not kept_totals.enabled() or any(filters.get(name) for name in NOT_KEPT_FILTERS):
        return None
    keys = {"status": Opportunity.Status.OPEN}
    keys.update({name: filters[name].pk for name in KEPT_FILTERS if filters.get(name)})
    omitted = dict(
        Opportunity.objects.filter(out_of_forecast_condition(), **keys)
        .order_by()
        .values("stage")
        .annotate(weighted=Sum("weighted_amount"))
        .values_list("stage", "weighted")
    )
    return {
        stage: {
            "total": row["amount"],
            "weighted": row["weighted"] - (omitted.get(stage) or 0),
            "count": row["count"],
        }
        for stage, row in DealTotals.objects.filter(**keys).totals_per("stage").items()
    }


def funnel_report(
    period: Period | None,
    filters: dict,
    *,
    mine=None,
    link_params: dict | None = None,
    as_of: date | None = None,
    grouped: dict | None = None,
) -> FunnelReport:
    """Open deals per open stage: #, Total and Weighted, and a total.

    Without a period, every open deal counts; with one, those expected to close in it. `mine`
    (a user) keeps the deals that user owns or shares. Every active stage except the won stage
    gets a row, in order, even with no deals; an inactive stage only while open deals still sit
    in it, so the total stays the sum of the rows. With `as_of`, the deals as they stood at the
    end of that day. `grouped` ({stage id: total, weighted, count} of the open deals, won
    stage included or not) spares the queries where a page has summed them already; every
    open deal of today is read from the kept deal totals where the filters allow
    (`kept_per_stage`). A period's open deals are read from the covering index
    `opp_open_close_sums` (at 1,000,000 deals, a year: 299 → 69 ms of SQL). Every open deal
    as of a day is read day by day over the close dates (`AsOfQuerySet.open_on_any_day`), not
    from the whole of an index (at 100,000 deals, as of a year ago: 15,291 → 8,230 pages).
    """
    link = {"status": "open", **(link_params or {}), **as_of_link(as_of)}
    deals = deals_for(as_of).open().exclude(stage__is_won_stage=True)
    if period is None and as_of is not None:
        deals = deals.open_on_any_day()
    if period is not None:
        deals = deals.in_period(period.start, period.end)
        link.update(close_from=period.start.isoformat(), close_to=period.end.isoformat())
    parts = [deals]
    if mine is not None:
        parts = deals.owned_by_parts(mine)
        link["mine"] = "true"
    if grouped is None and period is None and mine is None and as_of is None:
        grouped = kept_per_stage(filters)
    if grouped is not None:
        parts = []
    grouped = dict(grouped or {})
    for part in parts:
        for row in narrow_deals(part, filters).order_by().values("stage").annotate(**open_sums()):
            into = grouped.setdefault(row["stage"], {"total": None, "weighted": None, "count": 0})
            for name in ("total", "weighted", "count"):
                if row[name] is not None:
                    into[name] = (into[name] or 0) + row[name]
    rows = []
    total = Figures(url=deal_list_url(link))
    # The stages from the lookup cache (a query less on the dashboard), in the board's order.
    stages = [stage for stage in lookup_rows(Stage).values() if not stage.is_won_stage]
    for stage in sorted(stages, key=lambda stage: (stage.order, stage.name)):
        if stage.pk not in grouped and not stage.is_active:
            continue
        figures = figures_of(grouped.get(stage.pk), deal_list_url(link, stage=stage.pk))
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
    rows = ((row.stage.name, row.figures) for row in report.rows)
    return figures_rows(rows, report.total, total_label=total_label, columns="count total weighted")


class FunnelFilterForm(AsOfMixin, PipelineFilterForm):
    """The pipeline report's filters with an optional period: none means every open deal."""

    PERIOD_FIELDS = ("start", "end", "pick")

    def clean(self):
        if any(self.data.get(name) for name in self.PERIOD_FIELDS):
            return super().clean()
        return self.cleaned_data

    @property
    def period(self):
        if self.cleaned_data.get("start") is None:
            return None
        return super().period


class FunnelView(ReportView):
    kind = SavedReport.Kind.FUNNEL
    url_name = "forecasting:funnel"
    question = gettext_lazy("How many deals are at each stage?")
    template_name = "forecasting/funnel.html"
    form_class = FunnelFilterForm
    report_function = funnel_report

    def default_period(self):
        return None  # every open deal

    def export_rows(self, report, fmt):
        yield [_("Stage"), "#", _("Total"), _("Weighted")]
        yield from funnel_rows(report, total_label=_("Total"))

    def page_context(self, report, form):
        return {"chart": funnel_chart(report)}
