"""The account import page: sales managers upload a CSV or XLSX file of accounts and contacts."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline_crm.import_pages import (
    ImportPage,
    ImportUploadForm,
    SummaryItem,
    csv_download,
    import_page,
)

from .import_reader import COLUMNS, EXTENSIONS, IGNORED_COLUMNS
from .import_service import ImportResult, import_accounts
from .models import BusinessArea, ContactRole, CustomerType, Industry, LeadSource, Segment


class AccountImportForm(ImportUploadForm):
    extensions = EXTENSIONS
    file_help = gettext_lazy("CSV (comma or semicolon separated) or Excel .xlsx, at most 5 MB.")


def _summary(result: ImportResult) -> list[SummaryItem]:
    return [
        SummaryItem(_("Accounts created"), result.created_accounts),
        SummaryItem(_("Accounts updated"), result.updated_accounts),
        SummaryItem(_("Contacts created"), result.created_contacts),
        SummaryItem(_("Contacts updated"), result.updated_contacts),
    ]


def _example(request: HttpRequest) -> HttpResponse:
    """An example file: the header and one row, semicolon separated as Nordic Excel expects."""

    def first(model) -> str:
        row = model.objects.active().first()
        return row.name if row else ""

    example = {
        "Name": "Example AB",
        "Org. number": "556677-8899",
        "Customer type": first(CustomerType),
        "Segment": first(Segment),
        "Industry": first(Industry),
        "Business area": first(BusinessArea),
        "Owner": request.user.get_username(),
        "Street": "Storgatan 1",
        "Postal code": "111 22",
        "City": "Stockholm",
        "Country": "SE",
        "Phone": "+46 8 123 45 67",
        "Website": "https://example.com",
        "Employees": "25",
        "Yearly revenue": "1920000.50",
        "Lead source": first(LeadSource),
        "Contact first name": "Anna",
        "Contact last name": "Svensson",
        "Contact title": "CEO",
        "Contact role": first(ContactRole),
        "Contact e-mail": "anna.svensson@example.com",
        "Contact phone": "+46 70 123 45 67",
    }
    return csv_download(
        [
            [column.header for column in COLUMNS],
            [example.get(column.header, "") for column in COLUMNS],
        ],
        "account-import-template.csv",
        delimiter=";",
        bom=True,
    )


PAGE = ImportPage(
    name="accounts.import_views.PAGE",
    title=gettext_lazy("Import accounts"),
    run=import_accounts,
    template_name="accounts/account_import.html",
    denied=gettext_lazy("Only sales managers can import accounts."),
    done_url=reverse_lazy("accounts:list"),
    summary=_summary,
    example=_example,
    columns=[(column.header, column.help) for column in (*COLUMNS, *IGNORED_COLUMNS)],
    form_class=AccountImportForm,
)


def import_accounts_view(request):
    """Sales managers import accounts with their contacts from CSV or XLSX."""
    return import_page(request, PAGE)
