"""The deal import page: sales managers upload a CSV file of deals from an old CRM."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline_crm.import_pages import (
    ImportPage,
    ImportUploadForm,
    SummaryItem,
    csv_download,
    import_page,
)
from pipeline_crm.roles import is_admin

from .import_reader import COLUMN_HELP, HEADERS
from .import_service import ImportResult, import_opportunities


class OpportunityImportForm(ImportUploadForm):
    create_lookups = forms.BooleanField(
        label=gettext_lazy("Create missing stages, areas and loss reasons"),
        help_text=gettext_lazy(
            "Administrators only. Named as in the file and added after the existing ones; a "
            "new stage has probability 0 until an administrator sets it."
        ),
        required=False,
    )

    def clean_create_lookups(self) -> bool:
        """Lookup tables are the administrators' (DESIGN.md, Roles): a manager's import names
        existing stages, areas and loss reasons only."""
        create = self.cleaned_data["create_lookups"]
        if create and not is_admin(self.user):
            raise forms.ValidationError(
                gettext_lazy(
                    "Only an administrator can create stages, business areas and loss "
                    "reasons. Untick this box and use the existing names, or ask an "
                    "administrator to add the missing ones."
                ),
                code="admin_only",
            )
        return create


def _summary(result: ImportResult) -> list[SummaryItem]:
    lookups = ", ".join(
        f"{capfirst(lookup.kind)}: {lookup.name}" for lookup in result.created_lookups
    )
    return [
        SummaryItem(_("Deals created"), result.created),
        SummaryItem(_("Accounts created"), result.created_accounts),
        SummaryItem(_("Stages, areas and loss reasons created"), lookups or _("none"), wide=True),
    ]


def _example(request: HttpRequest) -> HttpResponse:
    """An empty import file: the header row, comma separated."""
    return csv_download([HEADERS], "opportunity-import-template.csv")


PAGE = ImportPage(
    name="opportunities.import_views.PAGE",
    title=gettext_lazy("Import deals"),
    run=import_opportunities,
    template_name="opportunities/opportunity_import.html",
    denied=gettext_lazy("Only sales managers can import deals."),
    done_url=reverse_lazy("opportunities:list"),
    summary=_summary,
    example=_example,
    columns=[(header, COLUMN_HELP[header]) for header in HEADERS],
    error_columns=True,
    form_class=OpportunityImportForm,
)


def import_opportunities_view(request):
    """Sales managers import deals from an old CRM (CSV)."""
    return import_page(request, PAGE)
