"""The one flow of every report page (`ReportView`): period → filters → query → table →
exports → drill-down → save.

A report is a `ReportView` subclass in its own module (`forecasting/reports/funnel.py`, …) that
declares only what is its own: its saved-report kind, template, form and question, how it
computes its figures from the valid form (`compute`, drill-down links included), the rows of its
export (`export_rows`, header first) and what else its page shows (`page_context`). The flow:

1. a page opened without a period (no `start`, no `pick`) redirects to the report's default
   period (`default_period`: the current quarter unless the report says otherwise);
2. the form binds the query string: the period (bounded, `forms.PeriodForm`) and the filters;
3. a valid form is computed; `?export=csv|csv-excel|xlsx` answers the same figures as a file
   (`exports.export_report`), else the page renders them with the "save this report" form
   (`forecasting:save`, the query without `export`);
4. an invalid form answers 400 with its errors, except a refused as-of day alone (200:
   `forms.AsOfMixin.page_status`).

Templates extend `forecasting/report.html` (header, period and filter form, export buttons,
save form, as-of note).
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.views import View

from pipeline_crm.exports import FORMATS
from pipeline_crm.models import CompanySettings

from ..forms import AsOfMixin, SaveReportForm
from ..models import SavedReport
from ..periods import Period, current_quarter
from .exports import export_report

# Parameters of a report's URL that are no filter: they stay out of a saved report's query.
NOT_SAVED = ("export", "part")


def has_period(query: QueryDict) -> bool:
    """Whether the query string names a period (dates or a pick)."""
    return "start" in query or "pick" in query


def period_redirect(request, period: Period) -> HttpResponse:
    """The same page with `period` added to its query string."""
    query = request.GET.copy()
    query.update(period.as_query())
    return redirect(f"{request.path}?{query.urlencode()}")


def report_query(query: QueryDict) -> str:
    """The report's query string as it is saved and linked: its period and filters only."""
    query = query.copy()
    for name in NOT_SAVED:
        query.pop(name, None)
    return query.urlencode()


def page_status(form: forms.Form) -> int:
    """200 for a valid form, else 400; a report with an as-of day says its own
    (`AsOfMixin.page_status`)."""
    if isinstance(form, AsOfMixin):
        return form.page_status()
    return 200 if form.is_valid() else 400


class ReportView(View):
    """A report page, its exports and its save form (module doc). Subclasses set the class
    attributes (`report_function`, or their own `compute`) and implement `export_rows`."""

    http_method_names = ["get", "post", "head", "options"]

    kind: ClassVar[str]  # its `SavedReport.Kind`: the saved report's kind and the export's name
    url_name: ClassVar[str]
    question: ClassVar[str | Promise]  # what the report answers (the reports page's card)
    template_name: ClassVar[str]
    form_class: ClassVar[type[forms.Form]]
    export_title: ClassVar[str | Promise | None] = None  # the export's title; None: `title()`
    has_exports: ClassVar[bool] = True  # False: a drill-down page, `?export=` is ignored

    # A report over the deal filters (`forms.PipelineFilterForm`) names its function, called
    # as `report_function(period, filters, link_params=…[, as_of=…][, by=…])`.
    report_function: ClassVar[Callable[..., Any] | None] = None

    @classmethod
    def title(cls) -> str | Promise:
        return SavedReport.Kind(cls.kind).label

    def default_period(self) -> Period | None:
        """The period of the page opened without one; None opens it without a period."""
        return current_quarter()

    def compute(self, form: forms.Form) -> Any:
        """The report's figures from the valid `form`, each linked to its deals (the drill-down
        links carry the form's filters; with an as-of day, the figures have no links)."""
        options = {"link_params": form.deal_filters()}
        if isinstance(form, AsOfMixin):
            options["as_of"] = form.as_of_day
        if "by" in form.fields:
            options["by"] = form.cleaned_data["by"]
        return type(self).report_function(form.period, form.cleaned_data, **options)

    def export_rows(self, report: Any, fmt: str):
        """The export's rows, a header first: the same figures as the page's table."""
        raise NotImplementedError

    def page_context(self, report: Any, form: forms.Form) -> dict:
        """What the page shows beside the report (a chart, …)."""
        return {}

    def get(self, request):
        if not has_period(request.GET) and (period := self.default_period()) is not None:
            return period_redirect(request, period)
        form = self.form_class(request.GET)
        query = report_query(request.GET)
        context = {
            "form": form,
            "kind": self.kind,
            "title": self.title(),
            "query": query,
            "save_form": SaveReportForm(initial={"kind": self.kind, "query": query}),
            "currency": CompanySettings.load().currency,
        }
        if form.is_valid():
            report = self.compute(form)
            fmt = request.GET.get("export")
            if self.has_exports and fmt in FORMATS:
                # Read now, in the request's language: a CSV streams after the view returns.
                rows = list(self.export_rows(report, fmt))
                return export_report(
                    rows,
                    fmt,
                    self.kind,
                    title=str(self.export_title or self.title()),
                    period=form.period,
                    form=form,
                )
            context["report"] = report
            context.update(self.page_context(report, form))
        return render(request, self.template_name, context, status=page_status(form))

    def post(self, request):
        """A report reads its query string only and writes nothing: a POST shows the same page
        as a GET (as the report pages always have; the URL sweep expects it)."""
        return self.get(request)
