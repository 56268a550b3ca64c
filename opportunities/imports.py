"""The deal import page: sales managers upload a CSV file of deals from an old CRM."""

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pipeline_crm.roles import is_manager

from .importing import COLUMN_HELP, HEADERS, import_opportunities

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SHOWN_ERRORS = 500  # a file full of errors lists its first ones; the count says how many


class OpportunityImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (comma or semicolon separated, UTF-8), at most 5 MB."),
        validators=[FileExtensionValidator(["csv"])],
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the file and show what would be created, save nothing"),
        required=False,
        initial=True,
    )
    create_lookups = forms.BooleanField(
        label=gettext_lazy("Create missing stages, areas and loss reasons"),
        help_text=gettext_lazy(
            "Named as in the file and added after the existing ones; a new stage has "
            "probability 0 until an administrator sets it."
        ),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext_lazy("The file is larger than %(limit)s; split it into smaller files."),
                code="too_big",
                params={"limit": filesizeformat(MAX_UPLOAD_BYTES)},
            )
        return upload


@require_http_methods(["GET", "POST"])
def import_opportunities_view(request):
    """Sales managers import deals from an old CRM (CSV)."""
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can import deals."))
    if request.method == "GET" and request.GET.get("template"):
        return _template_csv()
    result = None
    if request.method == "POST":
        form = OpportunityImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            result = import_opportunities(
                upload.read(),
                filename=upload.name,
                dry_run=dry_run,
                create_lookups=form.cleaned_data["create_lookups"],
                user=request.user,
            )
            if not dry_run and not result.errors:
                messages.success(
                    request,
                    _(
                        "Import done. Deals created: %(created)d, accounts created: "
                        "%(accounts)d, stages, areas and loss reasons created: %(lookups)d."
                    )
                    % {
                        "created": result.created,
                        "accounts": result.created_accounts,
                        "lookups": len(result.created_lookups),
                    },
                )
                return redirect("opportunities:list")
    else:
        form = OpportunityImportForm()
    return render(
        request,
        "opportunities/opportunity_import.html",
        {
            "form": form,
            "result": result,
            "shown_errors": result.errors[:SHOWN_ERRORS] if result else [],
            "columns": [(header, COLUMN_HELP[header]) for header in HEADERS],
        },
    )


def _template_csv() -> HttpResponse:
    """An empty import file: the header row, comma separated."""
    out = io.StringIO()
    csv.writer(out).writerow(HEADERS)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="opportunity-import-template.csv"'
    return response
