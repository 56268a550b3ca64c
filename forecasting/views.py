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
from .reports import budget_report, pipeline_report, pipeline_rows

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
            rows = pipeline_rows(report, total_label=_("Total"), subtotal_label=subtotal)
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
        context["chart"] = _budget_chart(report)
    return render(request, "forecasting/budget.html", context, status=form.page_status())


VERDICTS = {
    "under": gettext_lazy("Under budget"),
    "on": gettext_lazy("On budget"),
    "over": gettext_lazy("Over budget"),
}


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
    for row in [*report.rows, report.total]:
        verdict = report.verdict(row)
        yield [
            row.name if row in report.rows else _("Total"),
            row.budget,
            row.won,
            row.weighted,
            row.forecast,
            row.commit,
            row.best_case,
            row.variance,
            row.percent if row.percent is not None else "",
            str(VERDICTS[verdict]) if verdict else "",
            row.overdue,
        ]


def _budget_chart(report) -> dict:
    """Bar geometry for the server-rendered SVG: budget vs forecast per area."""
    rows = report.rows
    top = max([max(r.budget, r.forecast) for r in rows] + [Decimal(1)])
    width = 460
    bars = []
    for index, row in enumerate(rows):
        bars.append(
            {
                "label": row.name or _("(no business area)"),
                "y": 10 + index * 44,
                "budget_width": int(row.budget * width / top),
                "forecast_width": int(row.forecast * width / top),
                "budget": row.budget,
                "forecast": row.forecast,
                "verdict": report.verdict(row) or "none",
            }
        )
    return {"bars": bars, "height": 20 + len(rows) * 44, "width": width}


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
