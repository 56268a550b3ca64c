"""The movement (waterfall) report page, its export and the deals behind each bar."""

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from pipeline_crm.exports import FORMATS
from pipeline_crm.models import CompanySettings

from .exports import export_report
from .forms import PipelineFilterForm
from .reports.movement import PART_NAMES, movement_report, movement_rows, waterfall_chart
from .views import _period_redirect

# The deals page of a bar lists at most this many (the largest first); its heading gives the
# number and the sum of all of them.
MAX_DEALS_SHOWN = 500


def _context(request, form) -> dict:
    query = request.GET.copy()
    for name in ("export", "part"):
        query.pop(name, None)
    return {"form": form, "query": query.urlencode(), "currency": CompanySettings.load().currency}


def movement(request):
    if "start" not in request.GET and "pick" not in request.GET:
        return _period_redirect(request)
    form = PipelineFilterForm(request.GET)
    context = _context(request, form)
    if form.is_valid():
        report = movement_report(form.period, form.cleaned_data)
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [_("Movement"), _("Direction"), "#", _("Amount")]
            return export_report(
                [header, *movement_rows(report)],
                fmt,
                "movement",
                title=_("Movement"),
                period=form.period,
                form=form,
            )
        context["report"] = report
        context["chart"] = waterfall_chart(report)
    status = 200 if form.is_valid() else 400
    return render(request, "forecasting/movement.html", context, status=status)


def movement_deals(request):
    """The deals behind one bar of the waterfall (`?part=won` and the report's parameters)."""
    if "start" not in request.GET and "pick" not in request.GET:
        return _period_redirect(request)
    part_name = request.GET.get("part", "")
    if part_name not in PART_NAMES:
        raise BadRequest(_("Unknown part of the movement report."))
    form = PipelineFilterForm(request.GET)
    context = _context(request, form)
    if form.is_valid():
        report = movement_report(form.period, form.cleaned_data)
        part = report.part(part_name)
        context.update(report=report, part=part, deals=part.deals[:MAX_DEALS_SHOWN])
    status = 200 if form.is_valid() else 400
    return render(request, "forecasting/movement_deals.html", context, status=status)
