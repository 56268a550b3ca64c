"""The velocity page and its export (issue 19)."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline_crm.exports import FORMATS

from .analytics import buckets
from .exports import export_report, period_text
from .forms import BucketFilterForm
from .velocity import ENTERED, MODES, velocity_report, velocity_rows
from .views import _period_redirect


class VelocityForm(BucketFilterForm):
    """The period and its columns (months or quarters, bounded as the other reports'), which
    visits count (`velocity.MODES`), and the owner and business area filters."""

    mode = forms.ChoiceField(
        label=gettext_lazy("Deals that"), required=False, choices=MODES.items()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("product", "deal_type", "source", "forecast_category"):
            del self.fields[name]

    def clean_mode(self) -> str:
        return self.cleaned_data["mode"] or ENTERED


def velocity(request):
    if "start" not in request.GET and "pick" not in request.GET:
        return _period_redirect(request)
    form = VelocityForm(request.GET)
    query = request.GET.copy()
    query.pop("export", None)
    context = {"form": form, "query": query.urlencode()}
    if form.is_valid():
        data = form.cleaned_data
        report = velocity_report(
            form.period,
            buckets(form.period, data["by"]),
            mode=data["mode"],
            owner=data.get("owner"),
            business_area=data.get("business_area"),
        )
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [
                _("Stage"),
                _("Period"),
                _("Visits"),
                _("Left the stage"),
                _("Average days"),
                _("Went on"),
                _("Conversion %"),
                _("Lost"),
                _("Won in the end"),
                _("To won %"),
            ]
            rows = velocity_rows(report, total_label=_("Total"), period_label=period_text)
            return export_report(
                [header, *rows],
                fmt,
                "velocity",
                title=_("Velocity"),
                period=form.period,
                form=form,
            )
        context["report"] = report
    return render(
        request, "forecasting/velocity.html", context, status=200 if form.is_valid() else 400
    )
