"""Streaming CSV and XLSX exports of a django-tables2 table: the same columns as the page.

Three formats: the machine CSV of the contracts ("csv": commas, a dot before the decimals, in
every language), the CSV that Excel opens in columns in the user's language ("csv-excel":
`;` between cells where the language writes a decimal comma, numbers with its decimal
separator and no grouping, UTF-8 with a BOM) and XLSX (typed cells). A report's export may
carry a title row (the report, its period and filters) in the last two; the machine CSV
never does.

A list export of more than JOB_ROWS rows is written by a background job instead of the
request (`export_in_background`): the job replays the export request as its user and keeps
the file for the job's page.
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import xlsxwriter
from babel.numbers import get_decimal_symbol
from django.conf import settings
from django.core.files import File
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import resolve
from django.utils import timezone
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from jobs.models import Job
from jobs.services import start_job

from .formulas import is_formula_like, protect
from .numbers import number_locale
from .storage import StorageFull, is_storage_full

CSV, EXCEL_CSV, XLSX = "csv", "csv-excel", "xlsx"
FORMATS = (CSV, XLSX, EXCEL_CSV)
EXTENSIONS = {CSV: "csv", EXCEL_CSV: "csv", XLSX: "xlsx"}
JOB_ROWS = 5_000  # a list export of more rows is written by a background job
XLSX_STORAGE_FULL = _(
    "The Excel file could not be written because the server's storage is full. The CSV "
    "export needs no storage on the server: use it, or ask an administrator to free some space."
)


def _is_number_or_date(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal, datetime.date)) and not isinstance(value, bool)


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell: numbers and dates as they are, text protected from running as a
    formula (see `pipeline_crm.formulas`)."""
    if value is None:
        return ""
    if _is_number_or_date(value):
        return value
    return protect(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM so Excel opens UTF-8 correctly
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def excel_csv_delimiter(locale: str | None = None) -> str:
    """The cell separator Excel expects in `locale` (the active language's by default): `;`
    where the decimal separator is a comma (Excel's list separator there), else `,`."""
    return ";" if get_decimal_symbol(locale or number_locale()) == "," else ","


def _local_cell(value: Any, decimal: str) -> Any:
    """A value as a cell of the Excel CSV: numbers without grouping and with the language's
    decimal separator (1920000,50 in Swedish), dates as ISO dates (every Excel reads them),
    text protected as in the machine CSV."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", decimal)
    if isinstance(value, float):
        return repr(value).replace(".", decimal)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return protect(str(value))


def _excel_csv_lines(rows: Iterable[Iterable[Any]], title: list[str], locale: str) -> Iterator[str]:
    decimal = get_decimal_symbol(locale)
    writer = csv.writer(_Echo(), delimiter=excel_csv_delimiter(locale))
    yield "\ufeff"  # a BOM so Excel opens UTF-8 correctly
    if title:
        yield writer.writerow([protect(str(cell)) for cell in title])
        yield writer.writerow([])
    for row in rows:
        yield writer.writerow([_local_cell(v, decimal) for v in row])


def excel_csv_label() -> str:
    """The Excel CSV's name in the export links: "CSV (Excel, Swedish)", in the user's
    language (the language's name as the language picker's settings.LANGUAGES has it)."""
    code = get_language() or settings.LANGUAGE_CODE
    names = dict(settings.LANGUAGES)
    language = names[code] if code in names else get_language_info(code)["name_translated"]
    return gettext("CSV (Excel, %(language)s)") % {"language": language}


def export_rows(
    rows: Iterable[Iterable[Any]],
    fmt: str,
    basename: str,
    *,
    title: list[str] | None = None,
    filename: str | None = None,
):
    """Respond with `rows` (the header first) as an attachment in `fmt` (one of FORMATS).

    `title`, a report's title row (its name, period and filters), goes above the header in
    the Excel CSV and the XLSX, with an empty row after it; the machine CSV keeps the
    contracts' shape and leaves it out. `filename` (without extension) replaces the default
    `<basename>-<today>`.

    CSV streams row by row; XLSX is written row by row into a temporary file (XlsxWriter's
    constant-memory mode: 100,000 deals in a third of the time openpyxl took), so neither keeps
    the whole export in memory.
    """
    stem = filename or f"{basename}-{timezone.localdate().isoformat()}"
    filename = f"{stem}.{EXTENSIONS[fmt]}"
    if fmt in (CSV, EXCEL_CSV):
        # The locale is read now: the lines are written after the view has returned.
        lines = (
            _csv_lines(rows) if fmt == CSV else _excel_csv_lines(rows, title or [], number_locale())
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if title:
        rows = _titled(rows, title)
    return FileResponse(
        xlsx_file(rows, basename[:31]),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _titled(rows: Iterable[Iterable[Any]], title: list[str]) -> Iterator[Iterable[Any]]:
    yield title
    yield []
    yield from rows


def xlsx_file(rows: Iterable[Iterable[Any]], sheet_name: str):
    """`rows` as an XLSX workbook in an anonymous temporary file, at its start.

    XlsxWriter keeps the rows in a temporary file of its own until it zips them; both go when
    the writing fails (a full disk raises StorageFull saying why), not when the process ends.
    """
    spool = tempfile.TemporaryFile()
    try:
        with tempfile.TemporaryDirectory(prefix="xlsx-") as scratch:
            _write_xlsx(spool, rows, sheet_name, scratch)
    except BaseException as error:
        spool.close()
        if is_storage_full(error):
            raise StorageFull(XLSX_STORAGE_FULL) from error
        raise
    spool.seek(0)
    return spool


def _write_xlsx(target, rows: Iterable[Iterable[Any]], sheet_name: str, scratch: str) -> None:
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "remove_timezone": True, "tmpdir": scratch}
    )
    sheet = workbook.add_worksheet(sheet_name)
    formats = {
        datetime.datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        datetime.date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        Decimal: workbook.add_format({"num_format": "#,##0.00"}),  # money, as the pages show it
    }
    # A string cell is text whatever it starts with; Excel's quote prefix keeps it text when a
    # user edits it, and shows no apostrophe (see pipeline_crm.formulas).
    text = workbook.add_format({"quote_prefix": True})
    try:
        _write_sheet(sheet, rows, formats, text)
        workbook.close()
    except BaseException:
        # An unlinked file still holds its disk space while it is open: close XlsxWriter's
        # row file (it opens one per sheet in constant-memory mode and closes it only when
        # the workbook is assembled).
        for worksheet in workbook.worksheets():
            handle = getattr(worksheet, "row_data_fh", None)
            if handle is not None and not handle.closed:
                try:
                    handle.close()
                except OSError:
                    pass
        raise


def _write_sheet(sheet, rows: Iterable[Iterable[Any]], formats: dict, text) -> None:
    for row_number, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):  # a datetime is a date too
                sheet.write_datetime(row_number, column, value, formats[type(value)])
            elif _is_number_or_date(value):
                # Two decimal places of up to 14 digits survive a double exactly.
                sheet.write_number(row_number, column, float(value), formats.get(type(value)))
            else:
                value = str(value)
                sheet.write_string(
                    row_number, column, value, text if is_formula_like(value) else None
                )


def export_table(table, fmt: str, basename: str):
    """Export every row of a django-tables2 `table` (not only the page) with its columns."""
    return export_rows(table.as_values(), fmt, basename)


def export_in_background(request: HttpRequest, rows: int, title: str) -> HttpResponse | None:
    """For an export of more than JOB_ROWS `rows`: start a job writing it, and redirect to the
    job's page. None for a smaller export, or inside the job itself."""
    if rows <= JOB_ROWS or getattr(request, "job", None) is not None:
        return None
    fmt = request.GET.get("export", "")
    label = excel_csv_label() if fmt == EXCEL_CSV else fmt.upper()
    job = start_job(
        "pipeline_crm.exports.run_export_job",
        name=gettext("Export: %(title)s (%(format)s)") % {"title": title, "format": label},
        owner=request.user,
        params={"path": request.path, "query": request.GET.urlencode(), "rows": rows},
    )
    return redirect(job)


def run_export_job(job: Job, progress) -> dict:
    """Replay the job's export request as its owner and keep the file it answers."""
    query = QueryDict(job.params["query"], mutable=True)
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = job.params["path"]
    request.GET = query
    request.META["QUERY_STRING"] = urlencode(query, doseq=True)
    request.user = job.owner
    request.job = job
    match = resolve(request.path_info)
    request.resolver_match = match
    response = match.func(request, *match.args, **match.kwargs)
    filename = response.headers["Content-Disposition"].split('filename="', 1)[1].rstrip('"')
    progress(0, job.params["rows"])
    with tempfile.TemporaryFile() as spool:
        try:
            for chunk in response.streaming_content:
                spool.write(chunk)
            spool.seek(0)
        except OSError as error:
            if is_storage_full(error):
                raise StorageFull() from error
            raise
        finally:
            # Not response.close(): it signals the end of a request, which closes the job's
            # database connection in the middle of its transaction.
            if getattr(response, "file_to_stream", None) is not None:
                response.file_to_stream.close()
        job.output_file.save(filename, File(spool), save=False)
    progress(job.params["rows"], job.params["rows"])
    return {"kind": "export", "filename": filename, "rows": job.params["rows"]}
