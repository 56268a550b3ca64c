"""Streaming CSV and XLSX exports of a django-tables2 table: the same columns as the page."""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMATS = ("csv", "xlsx")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV/formula injection).

    Numbers stay numbers; text starting with = + - @ or a tab/CR gets a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM so Excel opens UTF-8 correctly
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def export_rows(rows: Iterable[Iterable[Any]], fmt: str, basename: str):
    """Respond with `rows` (the header first) as a CSV or XLSX attachment.

    CSV streams row by row; XLSX uses openpyxl's write-only mode into a temporary file, so
    neither keeps the whole export in memory.
    """
    stamp = timezone.localdate().isoformat()
    filename = f"{basename}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(basename[:31])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_table(table, fmt: str, basename: str):
    """Export every row of a django-tables2 `table` (not only the page) with its columns."""
    return export_rows(table.as_values(), fmt, basename)
