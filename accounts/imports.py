"""The account import page: sales managers upload a CSV or XLSX file of accounts and contacts."""

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

from .importing import COLUMNS, EXTENSIONS
from .models import BusinessArea, ContactRole, CustomerType, Industry, LeadSource, Segment
from .services import import_accounts

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class AccountImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (comma or semicolon separated) or Excel .xlsx, at most 5 MB."),
        validators=[FileExtensionValidator(EXTENSIONS)],
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run"),
        help_text=gettext_lazy("Check the file and show what would change; save nothing."),
        required=False,
        initial=True,
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
def import_accounts_view(request):
    """Sales managers import accounts with their contacts from CSV or XLSX."""
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can import accounts."))
    if request.method == "GET" and request.GET.get("template"):
        return _template_csv(request)
    result = None
    if request.method == "POST":
        form = AccountImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            result = import_accounts(
                upload.read(), filename=upload.name, dry_run=dry_run, user=request.user
            )
            if not dry_run and not result.errors:
                messages.success(
                    request,
                    _(
                        "Import done. Accounts created: %(created_accounts)d, updated: "
                        "%(updated_accounts)d. Contacts created: %(created_contacts)d, "
                        "updated: %(updated_contacts)d."
                    )
                    % vars(result),
                )
                return redirect("accounts:list")
    else:
        form = AccountImportForm()
    return render(
        request,
        "accounts/account_import.html",
        {"form": form, "result": result, "columns": COLUMNS},
    )


def _template_csv(request) -> HttpResponse:
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
        "Yearly revenue": "1 920 000,50",
        "Lead source": first(LeadSource),
        "Contact first name": "Anna",
        "Contact last name": "Svensson",
        "Contact title": "CEO",
        "Contact role": first(ContactRole),
        "Contact e-mail": "anna.svensson@example.com",
        "Contact phone": "+46 70 123 45 67",
    }
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so Excel reads the file as UTF-8
    writer = csv.writer(out, delimiter=";")
    writer.writerow([column.header for column in COLUMNS])
    writer.writerow([example.get(column.header, "") for column in COLUMNS])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="account-import-template.csv"'
    return response
