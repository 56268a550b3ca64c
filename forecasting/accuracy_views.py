"""The forecast accuracy page and its export (issue 19)."""

from datetime import date

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pipeline_crm.exports import FORMATS
from pipeline_crm.models import CompanySettings

from .accuracy import (
    BY_AREA,
    BY_OWNER,
    GROUPING_LABELS,
    MAX_ADDED_POINTS,
    accuracy_chart,
    accuracy_report,
    accuracy_rows,
    last_closed_quarter,
    report_points,
)
from .exports import export_report
from .forms import PeriodForm


class AccuracyForm(PeriodForm):
    """A period that has ended (at most a year), the grouping, and days to add to the
    default points (`accuracy.default_points`)."""

    max_months = 12

    by = forms.ChoiceField(
        label=gettext_lazy("Per"),
        required=False,
        choices=[(BY_AREA, GROUPING_LABELS[BY_AREA]), (BY_OWNER, GROUPING_LABELS[BY_OWNER])],
    )
    points = forms.CharField(
        label=gettext_lazy("Also as of"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("Up to four more days inside the period, e.g. 2025-05-15."),
    )

    def clean_by(self) -> str:
        return self.cleaned_data["by"] or BY_AREA

    added_points: list[date] = []

    def clean_points(self) -> str:
        """The added days, kept in `added_points`; the text comes back normalised (the
        export's title shows it)."""
        text = self.cleaned_data["points"].replace(";", ",")
        values = [value.strip() for value in text.split(",") if value.strip()]
        if len(values) > MAX_ADDED_POINTS:
            raise forms.ValidationError(
                ngettext(
                    "Add at most %(count)d day.", "Add at most %(count)d days.", MAX_ADDED_POINTS
                ),
                code="too_many_points",
                params={"count": MAX_ADDED_POINTS},
            )
        days = []
        for value in values:
            try:
                days.append(date.fromisoformat(value))
            except ValueError:
                raise forms.ValidationError(
                    _("Give days as YYYY-MM-DD, separated by commas."), code="points"
                ) from None
        self.added_points = sorted(set(days))
        return ", ".join(day.isoformat() for day in self.added_points)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["end"] >= timezone.localdate():
            raise forms.ValidationError(
                _("Pick a period that has ended: its actual figures are not known yet."),
                code="period_not_closed",
            )
        start, end = cleaned["start"], cleaned["end"]
        if any(not start <= day <= end for day in self.added_points):
            self.add_error(
                "points",
                forms.ValidationError(
                    _("The days must lie inside the period."), code="points_outside"
                ),
            )
        return cleaned


def accuracy(request):
    if "start" not in request.GET and "pick" not in request.GET:
        query = request.GET.copy()
        query.update(last_closed_quarter(timezone.localdate()).as_query())
        return redirect(f"{request.path}?{query.urlencode()}")
    form = AccuracyForm(request.GET)
    query = request.GET.copy()
    query.pop("export", None)
    context = {
        "form": form,
        "query": query.urlencode(),
        "currency": CompanySettings.load().currency,
    }
    if form.is_valid():
        period = form.period
        by = form.cleaned_data["by"]
        report = accuracy_report(period, points=report_points(period, form.added_points), by=by)
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            header = [
                str(GROUPING_LABELS[by]),
                _("As of the start of"),
                _("Won by then"),
                _("Weighted open then"),
                _("Forecast"),
                _("Actual won"),
                _("Error"),
                _("Error %"),
            ]
            rows = accuracy_rows(report, total_label=_("Total"), none_label=_("(no business area)"))
            return export_report(
                [header, *rows],
                fmt,
                "accuracy",
                title=_("Forecast accuracy"),
                period=period,
                form=form,
            )
        context.update(report=report, chart=accuracy_chart(report), grouping=GROUPING_LABELS[by])
    return render(
        request, "forecasting/accuracy.html", context, status=200 if form.is_valid() else 400
    )
