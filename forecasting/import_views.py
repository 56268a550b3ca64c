"""The budget import page (sales managers only): upload, dry run, the job for a big file."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import BusinessArea
from pipeline_crm.import_pages import ImportPage, SummaryItem, csv_download, import_page

from .import_reader import COLUMN_HELP, HEADERS
from .import_service import ImportResult, import_budgets


def _summary(result: ImportResult) -> list[SummaryItem]:
    return [
        SummaryItem(_("Budgets created"), result.created),
        SummaryItem(_("Budgets updated"), result.updated),
        SummaryItem(_("Budgets unchanged"), result.unchanged),
    ]


def _example(request: HttpRequest) -> HttpResponse:
    """An example file: the header and a row for the first area this month, semicolon
    separated as Nordic Excel expects."""
    area = BusinessArea.objects.active().first()
    month = timezone.localdate().strftime("%Y-%m")
    return csv_download(
        [HEADERS, [area.name if area else "", month, "125000.00", ""]],
        "budget-import-template.csv",
        delimiter=";",
        bom=True,
    )


PAGE = ImportPage(
    name="forecasting.import_views.PAGE",
    title=gettext_lazy("Import budgets"),
    run=import_budgets,
    template_name="forecasting/budget_import.html",
    denied=gettext_lazy("Only sales managers can import budgets."),
    done_url=reverse_lazy("forecasting:budgets"),
    summary=_summary,
    example=_example,
    columns=[(header, COLUMN_HELP[header]) for header in HEADERS],
    error_columns=True,
)


def budget_import_view(request):
    """Sales managers import budgets per business area and month (CSV)."""
    return import_page(request, PAGE)
