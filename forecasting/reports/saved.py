"""The reports page: every report (forecasting's own and those other apps registered through
`forecasting.registry`) and the saved reports, which are saved, opened and deleted here.

A saved report is a report's kind and its query string (period and filters; the period either
the dates shown or one relative to the day it is opened: `forms.SaveReportForm`). Every report
of `REPORTS` can be saved: its page carries the save form (`base.ReportView`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pipeline_crm.roles import is_manager

from .. import registry
from ..forms import SaveReportForm
from ..models import SavedReport
from .accuracy import AccuracyView
from .base import NOT_SAVED
from .budget import BudgetView
from .effort import EffortView
from .funnel import FunnelView
from .movement import MovementView
from .pipeline import PipelineView
from .salespeople import SalespeopleView
from .trend import TrendView
from .velocity import VelocityView
from .winloss import WinLossView

# Forecasting's reports, in the order of the reports page.
REPORTS = (
    PipelineView,
    BudgetView,
    FunnelView,
    SalespeopleView,
    WinLossView,
    TrendView,
    EffortView,
    MovementView,
    AccuracyView,
    VelocityView,
)
REPORT_URLS = {report.kind: report.url_name for report in REPORTS}


def report_url_name(kind: str) -> str | None:
    """The URL name of a report kind: forecasting's own or another app's (`registry`)."""
    return REPORT_URLS.get(kind) or registry.url_name(kind)


def _available_reports() -> list[dict]:
    entries = [(report.title(), report.url_name, report.question) for report in REPORTS]
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


@require_POST
def save_report(request):
    form = SaveReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the report a name."))
        target = report_url_name(request.POST.get("kind")) or "forecasting:index"
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
    for name in NOT_SAVED:
        data.pop(name, None)
    return data.urlencode()


def _saved_for(request, pk: int) -> SavedReport:
    """Shared reports are visible to everyone; private ones to their owner only."""
    saved = get_object_or_404(SavedReport, pk=pk)
    if not saved.is_shared and saved.owner_id != request.user.pk:
        raise PermissionDenied(_("This saved report is private."))
    return saved


def open_saved_report(request, pk: int):
    saved = _saved_for(request, pk)
    target = report_url_name(saved.kind)
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
