"""The shared reading layer of the importers: bytes, text, header and numbered rows."""

import io
import re
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from accounts.models import BusinessArea
from pipeline_crm.import_files import (
    MAX_BYTES,
    ImportFileError,
    LookupIndex,
    NumberCell,
    RowError,
    UserIndex,
    cell_text,
    count_rows,
    decode,
    headerless_errors,
    match_header,
    number,
    read_source,
    read_table,
    row_values,
    unknown_value,
)
from pipeline_crm.numbers import MACHINE

from ..factories import BusinessAreaFactory, UserFactory

KNOWN = {"name": "name", "city": "city", "amount": "amount"}


def file_messages(data: bytes, filename: str = "file.csv", *, allow_xlsx: bool = True):
    with pytest.raises(ImportFileError) as raised:
        read_table(data, filename, allow_xlsx=allow_xlsx)
    return raised.value.messages


def xlsx_bytes(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_semicolon_csv_with_bom_is_read():
    data = "\ufeffName;City\r\nÖlands Bröd AB;Borgholm\r\n".encode()
    assert read_table(data, "file.csv", allow_xlsx=False) == (
        ["Name", "City"],
        [(2, ["Ölands Bröd AB", "Borgholm"])],
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_the_one_the_header_line_has_most_of(delimiter):
    data = delimiter.join(["Name", "City"]).encode() + b"\r\nAcme,Inc.;x\tz\r\n"
    header, rows = read_table(data, "file.csv", allow_xlsx=False)
    assert header == ["Name", "City"]
    assert rows == [(2, "Acme,Inc.;x\tz".split(delimiter))]


def test_a_header_without_delimiter_is_read_as_comma_separated():
    assert read_table(b"Name\r\nAcme,Oslo\r\n", "file.csv", allow_xlsx=False)[1] == [
        (2, ["Acme", "Oslo"])
    ]


def test_blank_rows_are_left_out_but_counted():
    data = b"Name;City\r\nAcme;Oslo\r\n\r\n;  ;\r\nBeta;Bergen\r\n"
    assert read_table(data, "file.csv", allow_xlsx=False)[1] == [
        (2, ["Acme", "Oslo"]),
        (5, ["Beta", "Bergen"]),
    ]


def test_quoted_line_break_keeps_later_row_numbers():
    data = b'Name,Notes\r\nAcme,"two\r\nlines"\r\nBeta,x\r\n'
    assert read_table(data, "file.csv", allow_xlsx=False)[1] == [
        (2, ["Acme", "two\r\nlines"]),
        (3, ["Beta", "x"]),
    ]


def test_cells_are_stripped():
    assert read_table(b"Name , City\r\n Acme ,  Oslo \r\n", "f.csv", allow_xlsx=False) == (
        ["Name", "City"],
        [(2, ["Acme", "Oslo"])],
    )


def test_windows_1252_is_decoded():
    assert decode("Göteborg – Malmö".encode("cp1252")) == "Göteborg – Malmö"


def test_utf8_bom_is_dropped():
    assert decode("\ufeffName".encode()) == "Name"


def test_undecodable_bytes_are_a_file_error():
    # 0x81 is undefined in Windows-1252 and not valid UTF-8 here
    assert file_messages(b"Name\r\n\x81\x81\r\n") == [
        "The file's text encoding is not supported; save it as “CSV UTF-8”."
    ]


def test_xlsx_is_read_with_excel_numbers_and_dates_as_text():
    data = xlsx_bytes(
        ["Name", "Employees", "Revenue", "Founded"],
        ["Acme AB", 45, 1920000.5, datetime(1999, 5, 1)],
        [None, None, None, None],
        [" Beta AB ", 3.0, None, None],
    )
    assert read_table(data, "FILE.XLSX", allow_xlsx=True) == (
        ["Name", "Employees", "Revenue", "Founded"],
        [(2, ["Acme AB", "45", "1920000.5", "1999-05-01"]), (4, ["Beta AB", "3"])],
    )


def test_damaged_xlsx_is_a_file_error():
    assert file_messages(b"not a workbook", "file.xlsx") == [
        "The file could not be read as an Excel workbook (.xlsx)."
    ]


def test_xlsx_is_refused_where_only_csv_is_allowed():
    data = xlsx_bytes(["Name"], ["Acme AB"])
    assert file_messages(data, "file.xlsx", allow_xlsx=False) == ["The file must be a .csv file."]


def test_other_extensions_are_refused():
    assert file_messages(b"Name\r\nAcme\r\n", "file.txt") == [
        "The file must be a .csv or an .xlsx file."
    ]


def test_empty_file_is_a_file_error():
    assert file_messages(b"", "file.csv") == ["The file is empty."]


def test_header_alone_is_a_file_error():
    assert file_messages(b"Name;City\r\n\r\n;\r\n", "file.csv") == [
        "The file has no rows below the header."
    ]


def test_header_matches_ignoring_case_and_spaces_and_keeps_blank_cells():
    assert match_header([" NAME ", "", "City"], KNOWN, required=["Name"]) == [
        "name",
        None,
        "city",
    ]


def test_unknown_repeated_and_missing_columns_are_all_listed():
    with pytest.raises(ImportFileError) as raised:
        match_header(["Name", "Colour", "name"], KNOWN, required=["Name", "City"])
    assert raised.value.messages == [
        "Unknown column “Colour” in the header row.",
        "The column “name” appears more than once.",
        "The required column “City” is missing.",
    ]


def test_several_missing_columns_are_named_in_one_message():
    with pytest.raises(ImportFileError) as raised:
        match_header(["Name"], KNOWN, required=["Name", "City", "Amount"])
    assert raised.value.messages == ["The header row lacks the columns: City, Amount."]


def test_row_values_fill_short_rows_and_name_headerless_columns():
    values, headerless = row_values(["name", None, "city"], ["Acme", "x", "", "y", ""])
    assert values == {"name": "Acme", "city": ""}
    assert headerless == [2, 4]
    assert row_values(["name", "city"], ["Acme"]) == ({"name": "Acme", "city": ""}, [])
    assert headerless_errors(headerless) == [
        "Column 2 has a value but no header.",
        "Column 4 has a value but no header.",
    ]


@pytest.mark.parametrize(
    ("number_format", "typed", "expected"),
    [
        (MACHINE, "1920000.50", "1920000.50"),
        (MACHINE, "125000", "125000"),
        (MACHINE, "", None),
        ("sv", "1 920 000,50", "1920000.50"),
        ("sv", "1\u202f920\u202f000,50", "1920000.50"),
        ("nb", "1 920 000,50", "1920000.50"),
        ("pl", "1 920 000,50", "1920000.50"),
        ("en", "1,920,000.50", "1920000.50"),
        ("de", "1.920.000,50", "1920000.50"),
        ("de", "12,5", "12.5"),
    ],
)
def test_import_numbers_in_the_declared_format(number_format, typed, expected):
    value = number(typed, number_format=number_format, places=2, max_digits=14)
    assert value == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("number_format", "typed"),
    [
        (MACHINE, "1 920 000,50"),
        (MACHINE, "1,920,000.50"),
        (MACHINE, "12,50"),  # never 1250, never silently 12.50
        (MACHINE, "1e5"),
        (MACHINE, "NaN"),
        ("en", "1.920.000,50"),
        ("de", "800,000"),
        ("sv", "1,920,000.50"),
    ],
)
def test_import_numbers_in_another_format_are_refused(number_format, typed):
    with pytest.raises(ValidationError):
        number(typed, number_format=number_format, places=2, max_digits=14)


def test_a_spreadsheets_number_cells_are_numbers_whatever_the_declared_format():
    cell = cell_text(1920000.5)
    assert isinstance(cell, NumberCell)
    assert number(cell, number_format="de", places=2, max_digits=14) == Decimal("1920000.5")
    assert number(cell_text(12.0), number_format="sv", places=2, max_digits=14) == 12


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (12.0, "12"),
        (12.5, "12.5"),
        (7, "7"),
        (date(2026, 3, 1), "2026-03-01"),
        (datetime(2026, 3, 1, 14, 30), "2026-03-01T14:30:00"),
        ("  text ", "text"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


def test_read_source_takes_bytes_a_path_or_a_file(tmp_path):
    path = tmp_path / "file.csv"
    path.write_bytes(b"Name\r\n")
    assert read_source(b"Name\r\n") == b"Name\r\n"
    assert read_source(path) == read_source(str(path)) == b"Name\r\n"
    assert read_source(io.BytesIO(b"Name\r\n")) == b"Name\r\n"


def test_row_error_names_its_row_and_column():
    assert str(RowError(None, "", "The file is empty.")) == "The file is empty."
    assert str(RowError(3, "", "Owner: unknown.")) == "Row 3: Owner: unknown."
    assert str(RowError(3, "Month", "Not a month.")) == "Row 3, Month: Not a month."


def test_unknown_value_lists_the_names_when_they_are_few():
    assert unknown_value("Sud", ["Nord", "Öst"]).messages == [
        "Unknown value “Sud”; use one of: Nord, Öst."
    ]
    many = [f"Area {n}" for n in range(16)]
    assert unknown_value("Sud", many).messages == ["Unknown value “Sud”."]


@pytest.mark.django_db
def test_lookup_index_finds_the_exact_name_first_then_any_case():
    nord = BusinessAreaFactory(name="Nord", order=5)
    demo = BusinessAreaFactory(name="Demo", order=20)
    upper = BusinessAreaFactory(name="DEMO", order=10)
    index = LookupIndex(BusinessArea)
    assert (index.get("nord"), index.get("Demo"), index.get("DEMO")) == (nord, demo, upper)
    assert index.get("Söder") is None
    assert index.max_order == 20
    with pytest.raises(ValidationError, match="Several rows match “demo” in different case"):
        index.get("demo")


@pytest.mark.django_db
def test_lookup_index_refuses_an_inactive_row():
    BusinessAreaFactory(name="Retired", is_active=False)
    BusinessAreaFactory(name="Nord")
    index = LookupIndex(BusinessArea)
    assert index.active_names() == ["Nord"]
    with pytest.raises(ValidationError, match="“Retired” is no longer in use."):
        index.get("retired")


@pytest.mark.django_db
def test_user_index_finds_a_username_in_any_case():
    alice = UserFactory(username="alice")
    assert UserIndex().get("ALICE") == alice
    with pytest.raises(ValidationError, match="No user has the username “bob”."):
        UserIndex().get("bob")


def test_a_nul_character_in_a_cell_is_an_error_of_its_row_and_column():
    data = b"Name,City\r\nAcme,Oslo\r\nEvil\x00AB,Bergen\r\n"
    assert file_messages(data) == [
        RowError(3, "Name", "The cell holds a NUL character (\\0); remove it from the file.")
    ]


def test_the_apostrophe_an_export_puts_before_a_formula_is_dropped():
    data = "Name,City\r\n'=1+1,'@home\r\n'tis,＝x\r\n".encode()
    assert read_table(data, "file.csv", allow_xlsx=False)[1] == [
        (2, ["=1+1", "@home"]),
        (3, ["'tis", "＝x"]),
    ]
    assert read_table(xlsx_bytes(["Name"], ["'-5"]), "file.xlsx", allow_xlsx=True)[1] == [
        (2, ["-5"])
    ]


# --- what is too big is refused before its rows are parsed ----------------------------------


def declared_xlsx(dimension: str) -> bytes:
    """A small workbook (two filled rows) whose sheet declares the `dimension` it is given,
    as a crafted file can."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["Name", "City"], ["Acme", "Oslo"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
                assert dimension.encode() in data
            target.writestr(info, data)
    return out.getvalue()


def test_a_sheet_declaring_two_million_rows_is_refused_before_reading_them():
    data = declared_xlsx("A1:Z2000000")
    assert len(data) < 20_000
    started = time.perf_counter()
    messages = file_messages(data, "big.xlsx")
    assert time.perf_counter() - started < 2
    assert messages == ["The file has more than 100,000 rows; split it into smaller files."]
    with pytest.raises(ImportFileError):  # the request refuses it before starting a job
        count_rows(data, "big.xlsx")


def test_a_sheet_declaring_too_many_columns_is_refused():
    assert file_messages(declared_xlsx("A1:XFD3"), "wide.xlsx") == [
        "The file has 16,384 columns; an import reads at most 200."
    ]


def test_a_sheet_that_declares_only_its_first_cell_is_read_whole(monkeypatch):
    data = xlsx_bytes(["Name"], ["Acme"], ["Beta"])
    import openpyxl.worksheet._read_only as read_only

    monkeypatch.setattr(read_only.ReadOnlyWorksheet, "_get_size", lambda self: None)
    assert read_table(data, "file.xlsx", allow_xlsx=True)[1] == [(2, ["Acme"]), (3, ["Beta"])]


def test_a_csv_with_too_many_lines_is_refused(monkeypatch):
    monkeypatch.setattr("pipeline_crm.import_files.MAX_ROWS", 3)
    assert read_table(b"Name\n" + b"x\n" * 3, "file.csv", allow_xlsx=False)[1][-1] == (4, ["x"])
    assert file_messages(b"Name\n" + b"\n" * 4) == [
        "The file has more than 3 rows; split it into smaller files."
    ]


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"Name\n" + b"x" * MAX_BYTES)
    with pytest.raises(ImportFileError) as raised:
        read_source(path)
    assert raised.value.messages == [
        "The file is larger than 5.0\xa0MB; split it into smaller files."
    ]


def test_a_zip_bomb_is_refused_by_its_unpacked_size(monkeypatch):
    monkeypatch.setattr("pipeline_crm.import_files.MAX_UNPACKED_BYTES", 1000)
    assert file_messages(xlsx_bytes(["Name"], ["Acme"]), "bomb.xlsx") == [
        "The workbook unpacks to more than 1000\xa0bytes; split it into smaller files."
    ]


def test_count_rows_counts_csv_lines_and_declared_xlsx_rows():
    assert count_rows(b"Name\r\nA\r\nB", "f.csv") == 3
    assert count_rows(xlsx_bytes(["Name"], ["A"], ["B"]), "f.xlsx") == 3
