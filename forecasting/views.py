from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pipeline_crm.exports import CSV, FORMATS
from pipeline_crm.models import CompanySettings
from pipeline_crm.roles import is_manager

from . import budgets as budget_grid_service
from . import registry
from .exports import export_report
from .forms import PipelineAsOfForm, SaveReportForm
from .models import SavedReport
from .periods import current_quarter
from .reports.budget import BudgetRow, budget_report
from .reports.pipeline import pipeline_report, pipeline_rows

# Every report: its kind, title, URL name and a one-line question it answers.
REPORTS = (
    (
        SavedReport.Kind.PIPELINE,
        "forecasting:pipeline",
        gettext_lazy("What is in the pipeline per business area and stage?"),
    ),
    (SavedReport.Kind.BUDGET, "forecasting:budget", gettext_lazy("Will we reach our budget?")),
    (
        SavedReport.Kind.FUNNEL,
        "forecasting:funnel",
        gettext_lazy("How many deals are at each stage?"),
    ),
    (
        SavedReport.Kind.SALESPEOPLE,
        "forecasting:salespeople",
        gettext_lazy("How is each salesperson doing, month by month?"),
    ),
    (
        SavedReport.Kind.WINLOSS,
        "forecasting:winloss",
        gettext_lazy("In which segments do we win or lose?"),
    ),
    (
        SavedReport.Kind.TREND,
        "forecasting:trend",
        gettext_lazy("How does the pipeline spread over the coming months?"),
    ),
    (
        SavedReport.Kind.EFFORT,
        "forecasting:effort",
        gettext_lazy("Do we spend our time where we earn our money?"),
    ),
)
REPORT_URLS = {kind: name for kind, name, _q in REPORTS}


def _report_url_name(kind: str) -> str | None:
    """The URL name of a report kind: forecasting's own or another app's (`registry`)."""
    return REPORT_URLS.get(kind) or registry.url_name(kind)


def _available_reports():
    entries = [(kind.label, url_name, question) for kind, url_name, question in REPORTS]
    entries += [(r.label, r.url_name, r.question) for r in registry.registered()]
    items = []
    for title, url_name, question in entries:
        try:
            items.append({"title": title, "url": reverse(url_name), "question": question})
        except NoReverseMatch:
            continue
    return items


def index(request):
    saved = (
        SavedReport.objects.filter(Q(owner=request.user) | Q(is_shared=True))
        .select_related("owner")
        .order_by("name")
    )
    return render(
        request,
        "forecasting/index.html",
        {"reports": _available_reports(), "saved": saved},
    )


def _period_redirect(request):
    """A report opened without a period shows the current quarter."""
    query = request.GET.copy()
    query.update(current_quarter().as_query())
    return redirect(f"{request.path}?{query.urlencode()}")


def _report_context(request, kind, form):
    return {
        "form": form,
        "kind": kind,
        "save_form": SaveReportForm(initial={"kind": kind, "query": request.GET.urlencode()}),
        "query": request.GET.urlencode(),
        "currency": CompanySettings.load().currency,
    }


def pipeline(request):
    if "start" not in request.GET and "pick" not in request.GET:
        return _period_redirect(request)
    form = PipelineAsOfForm(request.GET)
    context = _report_context(request, SavedReport.Kind.PIPELINE, form)
    if form.is_valid():
        report = pipeline_report(
            form.period, form.cleaned_data, link_params=form.deal_filters(), as_of=form.as_of_day
        )
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [_("Business area"), _("Stage"), _("Total"), _("Weighted"), "#", _("Margin")]
            # The machine CSV keeps the contracts' empty stage on an area's subtotal row.
            subtotal = "" if fmt == CSV else _("Subtotal")
            rows = pipeline_rows(
                report,
                total_label=_("Total"),
                subtotal_label=subtotal,
                none_label=_("(no business area)"),
            )
            return export_report(
                [header, *rows],
                fmt,
                "pipeline",
                title=SavedReport.Kind.PIPELINE.label,
                period=form.period,
                form=form,
            )
        context["report"] = report
    return render(request, "forecasting/pipeline.html", context, status=form.page_status())


def budget(request):
    if "start" not in request.GET and "pick" not in request.GET:
        return _period_redirect(request)
    form = PipelineAsOfForm(request.GET)
    context = _report_context(request, SavedReport.Kind.BUDGET, form)
    if form.is_valid():
        report = budget_report(
            form.period, form.cleaned_data, link_params=form.deal_filters(), as_of=form.as_of_day
        )
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            return export_report(
                _budget_export(report),
                fmt,
                "budget",
                title=SavedReport.Kind.BUDGET.label,
                period=form.period,
                form=form,
            )
        context["report"] = report
        context["lines"] = budget_lines(report)
        context["can_edit_budgets"] = is_manager(request.user)
        context["chart"] = _budget_chart(report)
    return render(request, "forecasting/budget.html", context, status=form.page_status())


VERDICTS = {
    "under": gettext_lazy("Under budget"),
    "on": gettext_lazy("On budget"),
    "over": gettext_lazy("Over budget"),
}


@dataclass
class BudgetLine:
    """One line of the budget comparison, as the page and its exports show it."""

    row: BudgetRow
    label: str
    css: str = ""  # "total" or "subtotal" for a sum of the lines above it
    has_verdict: bool = True
    starts_unbudgeted: bool = False  # the first line of the areas without a budget


def budget_lines(report) -> list[BudgetLine]:
    """The budget comparison's lines in page order; the exports write the same lines.

    Where some areas have a budget in the period and some have none, those without are listed
    apart, after the total of the areas with one: a won deal there cannot make the company
    over budget. "All areas" adds both parts and carries no variance or verdict, as nothing
    budgets its whole.
    """
    no_area = _("(no business area)")
    budgeted, unbudgeted = report.budgeted_rows, report.unbudgeted_rows
    if not (budgeted and unbudgeted):  # nothing to set apart: every area has a budget, or none
        lines = [BudgetLine(row, row.name or no_area) for row in report.rows]
        return [*lines, BudgetLine(report.total, _("Total"), "total")]
    lines = [BudgetLine(row, row.name or no_area) for row in budgeted]
    lines.append(BudgetLine(report.budgeted_total, _("Total of areas with a budget"), "total"))
    lines += [BudgetLine(row, row.name or no_area, has_verdict=False) for row in unbudgeted]
    lines[len(lines) - len(unbudgeted)].starts_unbudgeted = True
    lines.append(
        BudgetLine(report.unbudgeted_total, _("Areas without a budget"), "subtotal", False)
    )
    lines.append(BudgetLine(report.total, _("All areas"), "total", has_verdict=False))
    return lines


def _budget_export(report):
    yield [
        _("Business area"),
        _("Budget"),
        _("Won"),
        _("Weighted open"),
        _("Forecast"),
        _("Commit"),
        _("Best case"),
        _("Variance"),
        _("% of budget"),
        _("Verdict"),
        _("Overdue"),
    ]
    for line in budget_lines(report):
        row = line.row
        verdict = report.verdict(row) if line.has_verdict else None
        yield [
            line.label,
            row.budget,
            row.won,
            row.weighted,
            row.forecast,
            row.commit,
            row.best_case,
            row.variance if line.has_verdict else "",
            row.percent if line.has_verdict and row.percent is not None else "",
            str(VERDICTS[verdict]) if verdict else "",
            row.overdue,
        ]


def _budget_chart(report) -> dict:
    """Bar geometry for the server-rendered SVG: budget vs forecast per area with a budget.

    Areas without a budget have nothing to compare with; the table lists them apart."""
    rows = report.budgeted_rows
    top = max([max(r.budget, r.forecast) for r in rows] + [Decimal(1)])
    width, label_width, row_height = 440, 150, 46
    bars = []
    for index, row in enumerate(rows):
        budget_width = int(row.budget * width / top)
        forecast_width = int(row.forecast * width / top)
        bars.append(
            {
                "label": row.name or _("(no business area)"),
                "y": 8 + index * row_height,
                "budget_width": budget_width,
                "forecast_width": forecast_width,
                "value_x": label_width + max(budget_width, forecast_width) + 8,
                "budget": row.budget,
                "forecast": row.forecast,
                "percent": row.percent,
                "verdict": report.verdict(row) or "none",
            }
        )
    return {
        "bars": bars,
        "height": 12 + len(rows) * row_height,
        "width": label_width + width + 80,
        "label_width": label_width,
    }


@require_http_methods(["GET", "POST"])
def budget_grid(request):
    """The yearly budget grid: business areas × months, optionally per salesperson."""
    grid = budget_grid_service.BudgetGrid.from_request(request)
    status = 200
    if request.method == "POST":
        if not is_manager(request.user):
            raise PermissionDenied(_("Only sales managers can edit budgets."))
        if grid.save(request.POST, user=request.user):
            messages.success(request, _("Budgets saved."))
            return redirect(f"{reverse('forecasting:budgets')}?{grid.query()}")
        status = 409 if grid.has_conflict else 200
    return render(
        request,
        "forecasting/budget_grid.html",
        {
            "grid": grid,
            "can_edit": is_manager(request.user) and grid.is_editable,
            "salespeople": budget_grid_service.salespeople(grid.salesperson),
            "grid_halves": (":6", "6:"),  # January–June, July–December (`slice` arguments)
        },
        status=status,
    )


@require_POST
def save_report(request):
    form = SaveReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the report a name."))
        kind = request.POST.get("kind")
        target = _report_url_name(kind) or "forecasting:index"
        return redirect(f"{reverse(target)}?{request.POST.get('query', '')}")
    saved = form.save(commit=False)
    saved.owner = request.user
    saved.query = _clean_query(saved.query)
    saved._history_user = request.user
    saved.save()
    messages.success(request, _("Report “%(name)s” saved.") % {"name": saved.name})
    return redirect("forecasting:saved", pk=saved.pk)


def _clean_query(query: str) -> str:
    data = QueryDict(query, mutable=True)
    data.pop("export", None)
    return data.urlencode()


def _saved_for(request, pk: int) -> SavedReport:
    """Shared reports are visible to everyone; private ones to their owner only."""
    saved = get_object_or_404(SavedReport, pk=pk)
    if not saved.is_shared and saved.owner_id != request.user.pk:
        raise PermissionDenied(_("This saved report is private."))
    return saved


def open_saved_report(request, pk: int):
    saved = _saved_for(request, pk)
    target = _report_url_name(saved.kind)
    if target is None:  # the app that added this kind of report is not installed any more
        raise Http404("This kind of report is not available.")
    return redirect(f"{reverse(target)}?{saved.query}")


@require_POST
def delete_saved_report(request, pk: int):
    saved = _saved_for(request, pk)
    if saved.owner_id != request.user.pk and not is_manager(request.user):
        raise PermissionDenied(_("Only the owner or a sales manager can delete a saved report."))
    saved.delete()
    messages.success(request, _("Saved report deleted."))
    return redirect("forecasting:index")
