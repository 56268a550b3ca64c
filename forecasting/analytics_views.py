"""The funnel, salesperson grid, win/loss and trend report pages; built like `views.pipeline`."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from pipeline_crm.exports import FORMATS

from .analytics import (
    funnel_chart,
    funnel_report,
    funnel_rows,
    salespeople_report,
    salespeople_rows,
    trend_chart,
    trend_report,
    trend_rows,
    winloss_report,
    winloss_rows,
)
from .exports import export_report
from .forms import AsOfMixin, BucketAsOfForm, PipelineFilterForm, TrendAsOfForm
from .models import SavedReport
from .views import _period_redirect, _report_context


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


def _has_period(request) -> bool:
    return "start" in request.GET or "pick" in request.GET


def _render(request, template: str, context: dict, form):
    status = form.page_status() if isinstance(form, AsOfMixin) else 200 if form.is_valid() else 400
    return render(request, template, context, status=status)


def funnel(request):
    form = FunnelFilterForm(request.GET)
    context = _report_context(request, SavedReport.Kind.FUNNEL, form)
    if form.is_valid():
        report = funnel_report(
            form.period, form.cleaned_data, link_params=form.deal_filters(), as_of=form.as_of_day
        )
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [_("Stage"), "#", _("Total"), _("Weighted")]
            rows = funnel_rows(report, total_label=_("Total"))
            return export_report(
                [header, *rows],
                fmt,
                "funnel",
                title=SavedReport.Kind.FUNNEL.label,
                period=form.period,
                form=form,
            )
        context["report"] = report
        context["chart"] = funnel_chart(report)
    return _render(request, "forecasting/funnel.html", context, form)


def salespeople(request):
    if not _has_period(request):
        return _period_redirect(request)
    form = BucketAsOfForm(request.GET)
    context = _report_context(request, SavedReport.Kind.SALESPEOPLE, form)
    if form.is_valid():
        report = salespeople_report(
            form.period,
            form.cleaned_data,
            by=form.cleaned_data["by"],
            link_params=form.deal_filters(),
            as_of=form.as_of_day,
        )
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            labels = {
                "salesperson": _("Salesperson"),
                "won": _("Won"),
                "open": _("Open"),
                "weighted": _("Weighted"),
                "total": _("Total"),
            }
            return export_report(
                salespeople_rows(report, labels=labels),
                fmt,
                "salespeople",
                title=SavedReport.Kind.SALESPEOPLE.label,
                period=form.period,
                form=form,
            )
        context["report"] = report
    return _render(request, "forecasting/salespeople.html", context, form)


def winloss(request):
    if not _has_period(request):
        return _period_redirect(request)
    form = PipelineFilterForm(request.GET)
    context = _report_context(request, SavedReport.Kind.WINLOSS, form)
    if form.is_valid():
        report = winloss_report(form.period, form.cleaned_data, link_params=form.deal_filters())
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [
                _("Table"),
                _("Group"),
                _("Won"),
                _("Won value"),
                _("Lost"),
                _("Lost value"),
                _("Win rate %"),
            ]
            rows = winloss_rows(report, total_label=_("Total"))
            return export_report(
                [header, *rows],
                fmt,
                "winloss",
                title=SavedReport.Kind.WINLOSS.label,
                period=form.period,
                form=form,
            )
        context["report"] = report
    return _render(request, "forecasting/winloss.html", context, form)


def trend(request):
    if not _has_period(request):
        return _period_redirect(request)
    form = TrendAsOfForm(request.GET)
    context = _report_context(request, SavedReport.Kind.TREND, form)
    if form.is_valid():
        report = trend_report(
            form.period,
            form.cleaned_data,
            by=form.cleaned_data["by"],
            link_params=form.deal_filters(),
            as_of=form.as_of_day,
        )
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [_("Period"), _("Total"), _("Weighted"), "#"]
            rows = trend_rows(report, total_label=_("Total"))
            return export_report(
                [header, *rows],
                fmt,
                "trend",
                title=SavedReport.Kind.TREND.label,
                period=form.period,
                form=form,
            )
        context["report"] = report
        context["chart"] = trend_chart(report)
    return _render(request, "forecasting/trend.html", context, form)
