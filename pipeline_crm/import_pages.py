"""The import pages: one upload form, one view flow and one page layout for every importer.

An importer's page is an ImportPage: a form (ImportUploadForm or a subclass), a service called
as `run(data, filename=..., dry_run=..., user=..., progress=..., **extra form fields)` that
returns a import_files.ImportResult, and a template extending `partials/import_page.html`.

A file of more than JOB_ROWS rows is imported by a background job (`run_import_job`), with
its progress and result on the job's page: 50,000 accounts took 154 s inside one request.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from jobs.models import Job
from jobs.services import start_job

from . import import_files
from .import_files import ImportResult, number_format_choices
from .numbers import MACHINE, format_number
from .roles import is_manager
from .storage import StorageFull, UploadField

MAX_UPLOAD_BYTES = import_files.MAX_BYTES
JOB_ROWS = 2_000  # a file with more rows is imported by a background job
SHOWN_ERRORS = 500  # a file full of errors lists its first ones; the count says how many


class ImportUploadForm(forms.Form):
    """A file of at most 5 MB with one of `extensions`, and a dry run, ticked at first.

    A subclass sets `extensions` and `file_help`; any field it adds is passed to the service
    as a keyword argument. `user` is who uploads, for the checks that depend on their role.
    """

    extensions: tuple[str, ...] = ("csv",)
    file_help = _("CSV (comma or semicolon separated, UTF-8), at most 5 MB.")

    file = UploadField(label=_("File"))
    dry_run = forms.BooleanField(
        label=_("Dry run"),
        help_text=_("Check the file and show what would change; save nothing."),
        required=False,
        initial=True,
    )

    # The number format of the file's text (figures branch; the rest of the form is the runner's).
    number_format = forms.ChoiceField(
        label=_("Numbers in the file"),
        help_text=_(
            "How the file writes its numbers. A spreadsheet's own number cells are read "
            "as numbers whatever is chosen here."
        ),
        initial=MACHINE,
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["number_format"].choices = number_format_choices()
        field = self.fields["file"]
        field.help_text = self.file_help
        field.validators = [*field.validators, FileExtensionValidator(self.extensions)]

    def clean_number_format(self) -> str:
        return self.cleaned_data["number_format"] or MACHINE

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s; split it into smaller files."),
                code="too_big",
                params={"limit": filesizeformat(MAX_UPLOAD_BYTES)},
            )
        return upload

    def options(self) -> dict[str, Any]:
        """The service's keyword arguments besides the file and the dry run."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("file", "dry_run")
        }


@dataclass(frozen=True)
class SummaryItem:
    """One figure of a dry run's summary; a wide one takes the summary's whole width."""

    label: str
    value: Any
    wide: bool = False


@dataclass(frozen=True)
class ImportPage:
    """What differs between import pages; `import_page` does the rest."""

    name: str  # the dotted path of this page, by which its background job finds it
    title: str
    run: Callable[..., ImportResult]  # the import service
    template_name: str
    denied: str  # why a user who is not a manager gets 403
    done_url: str  # where a finished import goes, and where the page's Cancel goes
    summary: Callable[[Any], list[SummaryItem]]  # what an import did or, dry, would do
    example: Callable[[HttpRequest], HttpResponse]  # the ?template=1 download
    columns: list[tuple[str, str]]  # each header of the file and what it holds
    error_columns: bool = False  # whether the errors name a column of their own
    form_class: type[ImportUploadForm] = ImportUploadForm


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, page: ImportPage) -> HttpResponse:
    """Managers upload a file: a dry run or a failed import shows its result on the page, a
    finished import redirects with its summary as a message; a long file goes to a background
    job, and to its page. Others get 403, also on GET."""
    if not is_manager(request.user):
        raise PermissionDenied(page.denied)
    if request.method == "GET" and request.GET.get("template"):
        return page.example(request)
    result = None
    if request.method == "POST":
        form = page.form_class(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            dry_run = form.cleaned_data["dry_run"]
            data = upload.read()
            try:
                rows = import_files.count_rows(data, upload.name)
            except import_files.ImportFileError as error:
                result = ImportResult(errors=error.errors, dry_run=dry_run)
                rows = 0
            if rows > JOB_ROWS:
                try:
                    job = _start_job(request, page, form, upload)
                except StorageFull as error:
                    form.add_error("file", forms.ValidationError(error.message, "storage_full"))
                else:
                    return redirect(job)
            elif result is None:
                result = page.run(
                    data,
                    filename=upload.name,
                    dry_run=dry_run,
                    user=request.user,
                    **form.options(),
                )
                if not dry_run and not result.errors:
                    messages.success(request, _done_message(page.summary(result)))
                    return redirect(page.done_url)
    else:
        form = page.form_class(user=request.user)
    return render(
        request,
        page.template_name,
        {
            "page": page,
            "form": form,
            "job_rows": format_number(JOB_ROWS, places=0),
            "result": result,
            "shown_errors": result.errors[:SHOWN_ERRORS] if result else [],
            "summary": page.summary(result) if result and not result.errors else [],
        },
    )


def _start_job(request: HttpRequest, page: ImportPage, form: ImportUploadForm, upload) -> Job:
    dry_run = form.cleaned_data["dry_run"]
    name = (
        gettext("%(title)s: %(file)s (dry run)") if dry_run else gettext("%(title)s: %(file)s")
    ) % {"title": page.title, "file": upload.name}
    upload.seek(0)
    return start_job(
        "pipeline_crm.import_pages.run_import_job",
        name=name,
        owner=request.user,
        params={
            "page": page.name,
            "page_url": request.path,
            "filename": upload.name,
            "dry_run": dry_run,
            "options": form.options(),
        },
        upload=upload,
    )


def run_import_job(job: Job, progress: import_files.Progress) -> dict[str, Any]:
    """Import a job's file with its page's service, as the page would; return what the job's
    page shows: the summary, or the first SHOWN_ERRORS errors and how many there are."""
    page: ImportPage = import_string(job.params["page"])
    with job.input_file.open("rb") as handle:
        data = handle.read()
    result = page.run(
        data,
        filename=job.params["filename"],
        dry_run=job.params["dry_run"],
        user=job.owner,
        progress=progress,
        **job.params["options"],
    )
    return {
        "kind": "import",
        "dry_run": result.dry_run,
        "error_count": len(result.errors),
        "errors": [
            {"row": error.row, "column": error.column, "message": error.message}
            for error in result.errors[:SHOWN_ERRORS]
        ],
        "error_columns": page.error_columns,
        "summary": [
            {"label": str(item.label), "value": str(item.value), "wide": item.wide}
            for item in (page.summary(result) if not result.errors else [])
        ],
        "page_url": job.params["page_url"],
        "done_url": str(page.done_url),
    }


def _done_message(summary: list[SummaryItem]) -> str:
    figures = "; ".join(f"{item.label}: {item.value}" for item in summary)
    return gettext("Import done. %(figures)s") % {"figures": figures}


def csv_download(
    rows: Iterable[Iterable[str]], filename: str, *, delimiter: str = ",", bom: bool = False
) -> HttpResponse:
    """`rows` as a CSV attachment: an import page's example file."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")  # so Excel reads the file as UTF-8
    csv.writer(out, delimiter=delimiter).writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
