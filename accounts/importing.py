"""Reading an account import file: its columns, its rows, and the text of its cells.

CSV (comma, semicolon or tab separated, UTF-8 with or without a BOM, or Windows-1252 as older
Excel writes it) and XLSX. Rows keep the spreadsheet's row numbers: the header is row 1, the
first data row is row 2, and blank rows still count.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

EXTENSIONS = ("csv", "xlsx")
_DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class Column:
    header: str  # fixed English, the file's contract
    key: str  # the model field it fills
    help: str
    is_contact: bool = False


COLUMNS = (
    Column("Name", "name", _("Required. Matches an existing account ignoring case and spaces.")),
    Column("Org. number", "org_number", _("Organisation number.")),
    Column("Customer type", "customer_type", _("The name of an existing customer type.")),
    Column("Segment", "segment", _("The name of an existing segment.")),
    Column("Industry", "industry", _("The name of an existing industry.")),
    Column("Business area", "business_area", _("The name of an existing business area.")),
    Column("Owner", "owner", _("The username of the account owner.")),
    Column("Street", "street", _("Street address.")),
    Column("Postal code", "postal_code", _("Postal code.")),
    Column("City", "city", _("City.")),
    Column("Region", "region", _("Region or county.")),
    Column("Country", "country", _("A two-letter code such as SE, or the English name.")),
    Column("Phone", "phone", _("Phone number.")),
    Column("Website", "website", _("Web address.")),
    Column("Employees", "employees", _("A whole number.")),
    Column(
        "Yearly revenue",
        "yearly_revenue",
        _("A number; a comma or a dot before the decimals, spaces between thousands."),
    ),
    Column("Lead source", "lead_source", _("The name of an existing lead source.")),
    Column("Notes", "notes", _("Free text.")),
    Column(
        "Contact first name",
        "first_name",
        _("Required for a new contact. One row per contact."),
        is_contact=True,
    ),
    Column("Contact last name", "last_name", _("Last name."), is_contact=True),
    Column("Contact title", "title", _("Job title."), is_contact=True),
    Column("Contact role", "role", _("The name of an existing contact role."), is_contact=True),
    Column(
        "Contact e-mail",
        "email",
        _("Matches an existing contact of the account; without one, the name does."),
        is_contact=True,
    ),
    Column("Contact phone", "phone", _("Phone number."), is_contact=True),
)
_BY_HEADER = {column.header.lower(): column for column in COLUMNS}


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, or a bad header row."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass
class SourceRow:
    number: int
    account: dict[str, str] = field(default_factory=dict)  # field name -> text, "" when empty
    contact: dict[str, str] = field(default_factory=dict)
    headerless: list[int] = field(default_factory=list)  # 1-based columns with a value, no header

    @property
    def has_contact(self) -> bool:
        return any(self.contact.values())


def read_source(source: bytes | str | PathLike | IO[bytes]) -> bytes:
    """The bytes of an upload, a file object or a path."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | PathLike):
        return Path(source).read_bytes()
    return source.read()


def read_rows(data: bytes, filename: str) -> list[SourceRow]:
    """The data rows of an import file, each with its row number and the text of its cells.

    Blank rows are left out but counted. Raises ImportFileError when the file cannot be read,
    has no data rows, or its header has an unknown, repeated or missing column.
    """
    extension = Path(filename).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS:
        raise ImportFileError([gettext("The file must be a .csv or an .xlsx file.")])
    cells = _xlsx_cells(data) if extension == "xlsx" else _csv_cells(data)
    try:
        header = next(cells)
    except StopIteration:
        raise ImportFileError([gettext("The file is empty.")]) from None
    columns = _header_columns(header)
    rows = []
    for number, values in enumerate(cells, start=2):
        texts = [cell_text(value) for value in values]
        if not any(texts):
            continue
        row = SourceRow(number=number)
        for index, text in enumerate(texts):
            column = columns[index] if index < len(columns) else None
            if column is None:
                if text:
                    row.headerless.append(index + 1)
            elif column.is_contact:
                row.contact[column.key] = text
            else:
                row.account[column.key] = text
        rows.append(row)
    if not rows:
        raise ImportFileError([gettext("The file has no rows below the header.")])
    return rows


def _header_columns(header: Iterable[Any]) -> list[Column | None]:
    """The column of each header cell (None for a blank one), or ImportFileError."""
    columns: list[Column | None] = []
    errors = []
    for value in header:
        text = cell_text(value)
        column = _BY_HEADER.get(text.lower()) if text else None
        if text and column is None:
            errors.append(
                gettext("Unknown column “%(column)s” in the header row.") % {"column": text}
            )
        elif column is not None and column in columns:
            errors.append(
                gettext("The column “%(column)s” appears more than once.") % {"column": text}
            )
        columns.append(column)
    if _BY_HEADER["name"] not in columns:
        errors.append(gettext("The required column “Name” is missing."))
    if errors:
        raise ImportFileError(errors)
    return columns


def _csv_cells(data: bytes) -> Iterable[list[str]]:
    # csv.reader rather than tablib's CSV loader: tablib drops blank lines, which would shift
    # every later row number, and refuses a ragged row without saying which.
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    try:
        return iter(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as error:
        raise ImportFileError(
            [gettext("The file could not be read as CSV: %(error)s") % {"error": error}]
        ) from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            [gettext("The file's text encoding is not supported; save it as “CSV UTF-8”.")]
        ) from None


def _xlsx_cells(data: bytes) -> Iterable[tuple[Any, ...]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML and key errors for a damaged or foreign file
        raise ImportFileError(
            [gettext("The file could not be read as an Excel workbook (.xlsx).")]
        ) from None
    try:
        return iter(list(workbook.active.iter_rows(values_only=True)))
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as stripped text; a whole float (Excel's numbers) without its “.0”."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def number_text(text: str) -> str:
    """Normalise a typed number for Python: “1 920 000,50” and “1,920,000.50” -> “1920000.50”.

    Spaces (also non-breaking) group thousands. With both a comma and a dot, the last one is the
    decimal separator. One comma alone is a decimal comma; a separator that repeats groups
    thousands.
    """
    text = _SPACES.sub("", text)
    if "," in text and "." in text:
        decimal, thousands = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        return text.replace(thousands, "").replace(decimal, ".")
    for separator in (",", "."):
        if text.count(separator) > 1:
            return text.replace(separator, "")
    return text.replace(",", ".")
