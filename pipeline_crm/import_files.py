"""Reading an import file: its bytes, its text, its header and its rows with their numbers.

Every importer reads through here: CSV (comma, semicolon or tab separated, UTF-8 with or
without a BOM, or Windows-1252 as older Excel writes it) and XLSX. Rows keep the
spreadsheet's row numbers: the header is row 1, the first data row is row 2, and blank rows
still count (they are left out, not renumbered).

What is too big is refused before its rows are parsed: more than MAX_BYTES, an XLSX file
that unpacks to more than MAX_UNPACKED_BYTES or whose sheet declares more than MAX_ROWS rows
or MAX_COLUMNS columns (a 280 KB file declaring 2 million blank rows cost 56 s of CPU before
its refusal; now a few milliseconds), and, while reading, the row past MAX_ROWS.
"""

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import IO, Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from . import numbers
from .formulas import unprotect
from .lookups import LookupNames
from .numbers import MACHINE, format_number

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX file's parts, unzipped
MAX_ROWS = 100_000  # data rows, blank ones included
MAX_COLUMNS = 200

_DELIMITERS = (";", ",", "\t")
_LISTED_NAMES = 15  # an unknown value's error lists the valid names up to this many

Source = bytes | str | PathLike | IO[bytes]
Rows = list[tuple[int, list[str]]]  # (spreadsheet row number, the text of each cell)
Key = TypeVar("Key", bound=Hashable)


class ImportFileError(Exception):
    """The file as a whole cannot be imported: unreadable, empty, too big, a bad header row,
    or cells no row may hold. Each problem is a message for the file, or a RowError."""

    def __init__(self, messages: "list[str | RowError]"):
        self.messages = messages
        super().__init__("; ".join(str(message) for message in messages))

    @property
    def errors(self) -> "list[RowError]":
        return [
            message if isinstance(message, RowError) else RowError(None, "", message)
            for message in self.messages
        ]


@dataclass(frozen=True)
class RowError:
    """One problem of an import: its row and column, or the file's as a whole."""

    row: int | None  # the spreadsheet's row number (header = 1); None for the file as a whole
    column: str  # the file's header, "" for the file or the row as a whole
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return f"Row {self.row}: {self.message}"
        return f"Row {self.row}, {self.column}: {self.message}"


@dataclass
class ImportResult:
    """What an import did or, on a dry run, would do; with errors it wrote nothing. Each
    importer's result adds its counts."""

    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


Result = TypeVar("Result", bound=ImportResult)


Progress = Callable[[int, int], None]  # progress(rows done, rows in all), for a job's page


def import_all_or_nothing(
    result: Result,
    source: Source,
    filename: str,
    read_rows: Callable[[bytes, str], Any],
    write: Callable[[Any], None],
    progress: Progress | None = None,
) -> Result:
    """Read `source` with `read_rows(data, filename)`, then `write(rows)`; return `result`.

    A file that cannot be read (ImportFileError) gets its errors in `result` and writes
    nothing. `write` runs in one transaction, rolled back on a dry run or when it left errors
    in `result`: all rows or none. `progress` is told as `write` goes through the rows.
    """
    try:
        rows = read_rows(read_source(source), filename)
    except ImportFileError as error:
        result.errors = error.errors
        return result
    if progress is not None:
        rows = _ReportedRows(rows, progress)
    with transaction.atomic():
        write(rows)
        if result.dry_run or result.errors:
            transaction.set_rollback(True)
    return result


class _ReportedRows(list):
    """The rows of a file, telling `progress` every few hundred rows an importer goes
    through (without changing how any importer reads them)."""

    EVERY = 500

    def __init__(self, rows: list, progress: Progress):
        super().__init__(rows)
        self.progress = progress

    def __iter__(self):
        total = len(self)
        for done, row in enumerate(super().__iter__(), start=1):
            if done % self.EVERY == 0:
                self.progress(done, total)
            yield row
        self.progress(total, total)


def read_source(source: Source) -> bytes:
    """The bytes of an upload's content, a file object or a path; ImportFileError when there
    are more than MAX_BYTES (a path's size is checked before it is read)."""
    if isinstance(source, str | PathLike):
        path = Path(source)
        check_size(path.stat().st_size)
        return path.read_bytes()
    data = source if isinstance(source, bytes) else source.read(MAX_BYTES + 1)
    check_size(len(data))
    return data


def check_size(size: int) -> None:
    """ImportFileError when a file of `size` bytes is more than an import reads."""
    if size > MAX_BYTES:
        raise ImportFileError(
            [
                _("The file is larger than %(limit)s; split it into smaller files.")
                % {"limit": filesizeformat(MAX_BYTES)}
            ]
        )


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        [
            _("The file has more than %(limit)s rows; split it into smaller files.")
            % {"limit": format_number(MAX_ROWS, places=0)}
        ]
    )


def _too_many_columns(count: int) -> ImportFileError:
    return ImportFileError(
        [
            _("The file has %(count)s columns; an import reads at most %(limit)s.")
            % {"count": format_number(count, places=0), "limit": MAX_COLUMNS}
        ]
    )


def count_rows(data: bytes, filename: str) -> int:
    """About how many rows a file has, without parsing them: the lines of a CSV file (a cell
    spanning lines counts each) or the rows an XLSX sheet declares; MAX_ROWS for a sheet that
    declares none (or only its first cell, as some writers do).

    For choosing between importing at once and in a background job. Raises ImportFileError
    for an XLSX file that is too big by what it declares (see `read_xlsx`); the rest of the
    limits are checked by `read_table`.
    """
    if Path(filename).suffix.lower() != ".xlsx":
        return data.count(b"\n") + (not data.endswith(b"\n"))
    workbook = _open_xlsx(data)
    try:
        declared = workbook.active.max_row
    finally:
        workbook.close()
    return declared if declared and declared > 1 else MAX_ROWS


def read_table(data: bytes, filename: str, *, allow_xlsx: bool) -> tuple[list[str], Rows]:
    """The header cells and the non-blank data rows of a .csv (or, with `allow_xlsx`, .xlsx) file.

    Raises ImportFileError when the file has another extension, cannot be read, is empty or
    has no data rows.
    """
    extension = Path(filename).suffix.lower()
    if extension == ".xlsx" and allow_xlsx:
        table = read_xlsx(data)
    elif extension == ".csv":
        table = read_csv(data)
    elif allow_xlsx:
        raise ImportFileError([_("The file must be a .csv or an .xlsx file.")])
    else:
        raise ImportFileError([_("The file must be a .csv file.")])
    return _header_and_rows(table)


def read_csv(data: bytes) -> list[list[str]]:
    """Every line of a CSV file as its cells' stripped text; a blank line is an empty list.

    The delimiter is the one of ; , and tab the header line has most of (a comma when it has
    none). csv.reader rather than tablib's loader: tablib drops blank lines, which would shift
    every later row number.
    """
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    lines = []
    try:
        for line in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(lines) > MAX_ROWS:
                raise _too_many_rows()
            if len(line) > MAX_COLUMNS:
                raise _too_many_columns(len(line))
            lines.append(line)
    except csv.Error as error:
        raise ImportFileError(
            [_("The file could not be read as CSV: %(error)s") % {"error": error}]
        ) from None
    return [[_cell_text(cell) for cell in line] for line in lines]


def read_xlsx(data: bytes) -> list[list[str]]:
    """Every row of an XLSX file's active sheet as its cells' text (see `cell_text`).

    Refused before a row is parsed: a file that unpacks to more than MAX_UNPACKED_BYTES, a
    sheet declaring more than MAX_ROWS data rows or MAX_COLUMNS columns; while reading, the
    row past MAX_ROWS (openpyxl fills the rows a sheet skips, so they count too).
    """
    workbook = _open_xlsx(data)
    try:
        sheet = workbook.active
        # Read the rows the sheet has, not the ones it declares: some writers declare only A1.
        sheet.reset_dimensions()
        table = []
        for row in sheet.iter_rows(values_only=True):
            if len(table) > MAX_ROWS:
                raise _too_many_rows()
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns(len(row))
            table.append([cell_text(value) for value in row])
        return table
    finally:
        workbook.close()


def _open_xlsx(data: bytes):
    """The workbook, opened read-only, once its size unpacked and its active sheet's declared
    dimensions are within the limits; ImportFileError otherwise."""
    unreadable = ImportFileError([_("The file could not be read as an Excel workbook (.xlsx).")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            [
                _("The workbook unpacks to more than %(limit)s; split it into smaller files.")
                % {"limit": filesizeformat(MAX_UNPACKED_BYTES)}
            ]
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.active
    except Exception:  # openpyxl raises zip, XML and key errors for a damaged or foreign file
        raise unreadable from None
    try:
        if sheet.max_row is not None and sheet.max_row > MAX_ROWS + 1:
            raise _too_many_rows()
        if sheet.max_column is not None and sheet.max_column > MAX_COLUMNS:
            raise _too_many_columns(sheet.max_column)
    except ImportFileError:
        workbook.close()
        raise
    return workbook


def _header_and_rows(table: list[list[str]]) -> tuple[list[str], Rows]:
    if not table:
        raise ImportFileError([_("The file is empty.")])
    header = table[0]
    rows = [(number, cells) for number, cells in enumerate(table[1:], start=2) if any(cells)]
    if not rows:
        raise ImportFileError([_("The file has no rows below the header.")])
    nul_errors = _nul_errors(header, [(1, header), *rows])
    if nul_errors:
        raise ImportFileError(nul_errors)
    return header, rows


def _nul_errors(header: list[str], rows: Rows) -> list["RowError"]:
    """An error for each cell holding a NUL character: no text column can store one
    (PostgreSQL refuses it), and no spreadsheet writes one into a cell."""
    return [
        RowError(
            number,
            header[index] if index < len(header) and number != 1 else "",
            _("The cell holds a NUL character (\\0); remove it from the file."),
        )
        for number, cells in rows
        for index, text in enumerate(cells)
        if "\x00" in text
    ]


def decode(data: bytes) -> str:
    """The text of a file: UTF-8 (with or without a BOM), else Windows-1252 (older Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            [_("The file's text encoding is not supported; save it as “CSV UTF-8”.")]
        ) from None


def cell_text(value: Any) -> str:
    """A cell as stripped text; a number as a `NumberCell` (a whole float, as Excel stores
    numbers, without its “.0”), a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return NumberCell(int(value))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return NumberCell(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _cell_text(str(value))


def _cell_text(text: str) -> str:
    """A text cell stripped, without the apostrophe an export put before formula-like text
    (see pipeline_crm.formulas), so that an export imports back as the values it shows."""
    return unprotect(text.strip()).strip()


# --- numbers ---------------------------------------------------------------------------------


class NumberCell(str):
    """The text of a spreadsheet cell that holds a number, not text: written by the
    spreadsheet in the machine format, whatever format the user declared for the file."""


def number_format_choices() -> list[tuple[str, str]]:
    """The import pages' "Numbers in the file" choices: the contracts' machine format first,
    then each language of the site, each shown with an example."""
    choices = [
        (
            MACHINE,
            _("%(example)s (a dot before the decimals, no grouping)")
            % {"example": numbers.example(locale=MACHINE)},
        )
    ]
    for code, name in settings.LANGUAGES:
        example = numbers.example(locale=numbers.number_locale(code))
        choices.append((code, f"{name}: {example}"))
    return choices


def number(
    text: str, *, number_format: str = MACHINE, places: int, max_digits: int
) -> Decimal | None:
    """A number cell of an import file, None when empty; ValidationError for anything else.

    The file's text is read in the contracts' machine format ("1920000.50": a dot before the
    decimals, no grouping) unless the user declared a language on the import page
    (`number_format`, a language code), then as `pipeline_crm.numbers` reads that language.
    A spreadsheet's own number cells (`NumberCell`) are machine format always.
    """
    if isinstance(text, NumberCell) or number_format == MACHINE:
        locale = MACHINE
    else:
        locale = numbers.number_locale(number_format)
    return numbers.parse_number(text, locale=locale, places=places, max_digits=max_digits)


def match_header(
    cells: Iterable[str], known: Mapping[str, Key], required: Collection[str]
) -> list[Key | None]:
    """The key of each header cell (None for a blank one); `known` maps lowercased headers.

    Headers match ignoring case and surrounding spaces. Raises ImportFileError listing every
    unknown and repeated column, and the `required` headers the row lacks.
    """
    keys: list[Key | None] = []
    errors = []
    for cell in cells:
        text = cell.strip()
        key = known.get(text.lower()) if text else None
        if text and key is None:
            errors.append(_("Unknown column “%(column)s” in the header row.") % {"column": text})
        elif key is not None and key in keys:
            errors.append(_("The column “%(column)s” appears more than once.") % {"column": text})
        keys.append(key)
    missing = [header for header in required if known[header.lower()] not in keys]
    if len(missing) == 1:
        errors.append(_("The required column “%(column)s” is missing.") % {"column": missing[0]})
    elif missing:
        errors.append(
            _("The header row lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    if errors:
        raise ImportFileError(errors)
    return keys


def row_values(keys: list[Key | None], cells: list[str]) -> tuple[dict[Key, str], list[int]]:
    """A row's text per header key ("" where the row is short), and the 1-based numbers of the
    columns that have a value but no header."""
    values = {key: "" for key in keys if key is not None}
    headerless = []
    for index, text in enumerate(cells):
        key = keys[index] if index < len(keys) else None
        if key is not None:
            values[key] = text
        elif text:
            headerless.append(index + 1)
    return values, headerless


def require(text: str) -> None:
    """Raise the form's "This field is required." for an empty cell."""
    if not text:
        raise ValidationError(forms.Field.default_error_messages["required"])


def headerless_errors(headerless: list[int]) -> list[str]:
    """The errors of a row with values in columns that have no header (see `row_values`)."""
    return [
        _("Column %(column)s has a value but no header.") % {"column": column}
        for column in headerless
    ]


def unknown_value(text: str, names: list[str]) -> ValidationError:
    """The error for a name no lookup row has; it lists the valid `names` when they are few."""
    if names and len(names) <= _LISTED_NAMES:
        return ValidationError(
            _("Unknown value “%(value)s”; use one of: %(names)s.")
            % {"value": text, "names": ", ".join(names)}
        )
    return ValidationError(_("Unknown value “%(value)s”.") % {"value": text})


# --- matching names to rows ------------------------------------------------------------------


class NameIndex:
    """Rows read once and found by a name: the exact name first, else every row with the name
    in another case (several when only case tells them apart)."""

    def __init__(self, rows: Iterable[Any], name=lambda row: row.name):
        self.name = name
        self.by_name: dict[str, Any] = {}
        self.by_lower: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            self.add(row)

    def add(self, row: Any) -> None:
        self.by_name[self.name(row)] = row
        self.by_lower[self.name(row).lower()].append(row)

    def find(self, text: str) -> list[Any]:
        exact = self.by_name.get(text)
        return [exact] if exact is not None else self.by_lower.get(text.lower(), [])


class LookupIndex:
    """A lookup table's rows (pipeline_crm.lookups.Lookup), read once and found by their name
    in any language (`pipeline_crm.lookups.LookupNames`)."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.rows = list(model.objects.all())
        self.names = LookupNames(self.rows)

    def add(self, row: Any) -> None:
        self.rows.append(row)
        self.names.add(row)

    def find(self, text: str) -> list[Any]:
        return self.names.find(text)

    def get(self, text: str, *, current: Any = None) -> Any | None:
        """The row named `text` in some language, None when no row has the name.
        ValidationError when several rows have it (in different case, or in different
        languages), or the row is no longer active and not the `current` value's pk."""
        matches = self.find(text)
        if len(matches) > 1:
            raise ValidationError(
                _("Several rows match “%(value)s” in different case; use the exact name.")
                % {"value": text}
            )
        if matches and not matches[0].is_active and matches[0].pk != current:
            raise ValidationError(
                _("“%(value)s” is no longer in use.") % {"value": matches[0].name}
            )
        return matches[0] if matches else None

    def active_names(self) -> list[str]:
        """The active rows' names in the user's language, for an error message."""
        return sorted(row.name for row in self.rows if row.is_active)

    @property
    def max_order(self) -> int:
        return max((row.order for row in self.rows), default=0)


class UserIndex(NameIndex):
    """Every user by username."""

    def __init__(self):
        super().__init__(get_user_model().objects.all(), name=lambda user: user.get_username())

    def get(self, text: str) -> Any:
        """The user with the username `text`; ValidationError when none has it or, in
        different case only, several do."""
        matches = self.find(text)
        if len(matches) > 1:
            raise ValidationError(
                _("Several users have the username “%(value)s” in different case.")
                % {"value": text}
            )
        if not matches:
            raise ValidationError(_("No user has the username “%(value)s”.") % {"value": text})
        return matches[0]
