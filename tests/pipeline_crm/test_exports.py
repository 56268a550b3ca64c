"""The XLSX export's cells: numbers, dates and text as a spreadsheet expects them."""

import datetime
import io
from decimal import Decimal

import openpyxl

from pipeline_crm.exports import export_rows


def _cells(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_xlsx_keeps_money_dates_and_neutralises_formulas():
    rows = [
        ("Name", "Amount", "Close", "Logged"),
        ("=cmd|evil", Decimal("123456789012.34"), datetime.date(2026, 11, 23), None),
        ("Plain", 7, None, datetime.datetime(2026, 11, 23, 9, 30)),
    ]

    cells = _cells(export_rows(rows, "xlsx", "deals"))

    assert cells[0] == ["Name", "Amount", "Close", "Logged"]
    assert cells[1][0] == "=cmd|evil"  # a text cell, shown without an apostrophe
    assert Decimal(str(cells[1][1])) == Decimal("123456789012.34")
    assert cells[1][2] == datetime.datetime(2026, 11, 23)
    assert cells[1][3] is None
    assert cells[2] == ["Plain", 7, None, datetime.datetime(2026, 11, 23, 9, 30)]


def test_xlsx_shows_money_with_two_places_and_dates_as_dates():
    rows = [
        ("Amount", "Close", "Probability"),
        (Decimal("1920000.00"), datetime.date(2026, 1, 2), 25),
    ]
    response = export_rows(rows, "xlsx", "deals")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    amount, close, probability = sheet[2]
    assert amount.number_format == "#,##0.00"
    assert close.is_date and close.number_format == "yyyy-mm-dd"
    assert probability.number_format == "General"
