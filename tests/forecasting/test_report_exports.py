"""Report exports outside English (issue 17, item 5): the CSV for Excel in the user's language,
a title row and a file name that say which report, period and filters, labelled subtotals and
typed XLSX cells; the machine CSV of the contracts stays as it was."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from forecasting.periods import Period
from forecasting.reports.pipeline import pipeline_report
from opportunities.models import Stage
from pipeline_crm.templatetags.crm import money

from ..factories import AccountFactory, BusinessAreaFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

Q3 = {"pick": "2005-Q3"}


@pytest.fixture
def deals(salesperson):
    east = BusinessAreaFactory(name="Öst", order=1)
    west = BusinessAreaFactory(name="Väst", order=2)
    offer = Stage.objects.create(name="Offer sent", order=3, default_probability=25)
    closing = Stage.objects.create(name="Closing", order=5, default_probability=75)
    for area, stage, amount, probability in [
        (east, offer, "1450000.50", 20),
        (east, closing, "95000.25", 75),
        (west, offer, "200000.00", 25),
        (west, closing, "600000.00", 85),
    ]:
        OpportunityFactory(
            owner=salesperson,
            account=AccountFactory(business_area=area),
            business_area=area,
            stage=stage,
            amount=Decimal(amount),
            probability=probability,
            is_probability_manual=True,
            expected_close_date=date(2005, 8, 15),
        )
    return {"east": east, "west": west}


def _get(client, name, params, language="en"):
    response = client.get(reverse(name), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _csv(response, delimiter: str) -> list[list[str]]:
    body = _body(response)
    assert body.startswith("\ufeff".encode())  # UTF-8 with a BOM: Excel reads it as UTF-8
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _filename(response) -> str:
    return response["Content-Disposition"].split('filename="', 1)[1].rstrip('"')


def _decimal_comma(cell: str) -> Decimal:
    assert "." not in cell and " " not in cell and "\xa0" not in cell  # no grouping
    return Decimal(cell.replace(",", "."))


@pytest.mark.parametrize(
    ("language", "title", "period", "subtotal", "total"),
    [
        (
            "sv",
            "Pipeline per affärsområde",
            "2005 Q3: 1 juli 2005 – 30 september 2005",
            "Delsumma",
            "Totalt",
        ),
        (
            "de",
            "Pipeline nach Geschäftsbereich",
            "2005 Q3: 1. Juli 2005 – 30. September 2005",
            "Zwischensumme",
            "Gesamt",
        ),
    ],
)
def test_excel_csv_is_in_the_users_language_with_the_pages_figures(
    client_for, salesperson, deals, language, title, period, subtotal, total
):
    client = client_for(salesperson)
    page = _get(client, "forecasting:pipeline", Q3, language).text
    response = _get(client, "forecasting:pipeline", {**Q3, "export": "csv-excel"}, language)
    rows = _csv(response, ";")

    assert rows[0] == [title, period]
    assert rows[1] == []
    header, *body = rows[2:]
    assert len(header) == 6 and header[4] == "#"
    report = pipeline_report(Period(date(2005, 7, 1), date(2005, 9, 30)), {})
    east, west = report.areas
    expected = [
        *[(row.figures, ["Öst", row.stage.name]) for row in east.rows],
        (east.subtotal, ["Öst", subtotal]),
        *[(row.figures, ["Väst", row.stage.name]) for row in west.rows],
        (west.subtotal, ["Väst", subtotal]),
        (report.total, [total, ""]),
    ]
    assert len(body) == len(expected)
    with translation.override(language):
        for (figures, labels), row in zip(expected, body, strict=True):
            assert row[:2] == labels
            assert _decimal_comma(row[2]) == figures.total
            assert _decimal_comma(row[3]) == figures.weighted
            assert int(row[4]) == figures.count
            # The page shows the same figures, grouped as the language groups them.
            assert money(figures.total) in page
            assert money(figures.weighted) in page


def test_excel_csv_in_swedish_reads_back_as_the_report(client_for, salesperson, deals):
    """Parsed with csv and `;`, every amount is the report's, to the cent."""
    client = client_for(salesperson)
    response = _get(client, "forecasting:pipeline", {**Q3, "export": "csv-excel"}, "sv")
    rows = _csv(response, ";")
    body = rows[3:]
    assert [row[0] for row in body] == ["Öst", "Öst", "Öst", "Väst", "Väst", "Väst", rows[-1][0]]
    assert [_decimal_comma(row[2]) for row in body] == [
        Decimal("1450000.50"),
        Decimal("95000.25"),
        Decimal("1545000.75"),
        Decimal("200000.00"),
        Decimal("600000.00"),
        Decimal("800000.00"),
        Decimal("2345000.75"),
    ]


def test_excel_csv_labels_subtotals_and_titles_the_report(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {**Q3, "business_area": deals["east"].pk, "export": "csv-excel"}
    response = _get(client, "forecasting:pipeline", params, "en-GB")
    rows = _csv(response, ",")  # English: Excel's list separator is a comma
    assert rows[0] == [
        "Pipeline per business area",
        "2005 Q3: 1 July 2005 – 30 September 2005",
        "Business area: Öst",
    ]
    assert rows[2] == ["Business area", "Stage", "Total", "Weighted", "#", "Margin"]
    assert rows[-2][:5] == ["Öst", "Subtotal", "1545000.75", "361250.29", "2"]
    assert rows[-1][:5] == ["Total", "", "1545000.75", "361250.29", "2"]
    assert _filename(response) == "pipeline-2005-Q3-ost.csv"


def test_machine_csv_keeps_the_contracts_shape(client_for, salesperson, deals):
    """No title row, an empty stage on a subtotal, a dot before the decimals, in any language:
    only the file name says the period."""
    client = client_for(salesperson)
    response = _get(client, "forecasting:pipeline", {**Q3, "export": "csv"}, "sv")
    rows = _csv(response, ",")
    assert rows[0] == ["Affärsområde", "Steg", "Totalt", "Viktat", "#", "Marginal"]
    assert rows[3][:5] == ["Öst", "", "1545000.75", "361250.29", "2"]
    assert rows[-1][1:5] == ["", "2345000.75", "921250.29", "4"]
    assert _filename(response) == "pipeline-2005-Q3.csv"


def test_file_names_say_the_period(client_for, salesperson, deals):
    client = client_for(salesperson)
    dates = {"start": "2005-07-01", "end": "2005-08-15"}
    xlsx = _get(client, "forecasting:budget", {**dates, "export": "xlsx"})
    assert _filename(xlsx) == "budget-2005-07-01-2005-08-15.xlsx"
    year = _get(client, "forecasting:winloss", {"pick": "2005", "export": "csv-excel"})
    assert _filename(year) == "winloss-2005.csv"
    funnel = _get(client, "forecasting:funnel", {"export": "xlsx"})
    assert _filename(funnel) == f"funnel-{timezone.localdate().isoformat()}.xlsx"


def test_xlsx_has_a_title_row_typed_numbers_and_labelled_subtotals(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {**Q3, "owner": salesperson.pk, "export": "xlsx"}
    response = _get(client, "forecasting:pipeline", params, "en-GB")
    assert _filename(response).startswith("pipeline-2005-Q3-")
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    rows = list(sheet.iter_rows())
    title = [cell.value for cell in rows[0] if cell.value is not None]
    assert title[:2] == ["Pipeline per business area", "2005 Q3: 1 July 2005 – 30 September 2005"]
    assert title[2].startswith("Owner: ")
    assert all(cell.value is None for cell in rows[1])
    assert rows[2][0].value == "Business area"
    subtotal = rows[5]
    assert [subtotal[0].value, subtotal[1].value] == ["Öst", "Subtotal"]
    amount, weighted, count = subtotal[2], subtotal[3], subtotal[4]
    assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal("1545000.75")
    assert amount.number_format == "#,##0.00" and weighted.number_format == "#,##0.00"
    assert count.value == 2 and isinstance(count.value, int)


def test_budget_export_titles_its_period_in_the_language(client_for, salesperson, deals):
    client = client_for(salesperson)
    response = _get(client, "forecasting:budget", {**Q3, "export": "csv-excel"}, "sv")
    rows = _csv(response, ";")
    assert rows[0] == ["Budgetjämförelse", "2005 Q3: 1 juli 2005 – 30 september 2005"]
    assert rows[2][0] == "Affärsområde" and rows[2][-1] == "Försenade"
    assert rows[-1][0] == "Totalt"
    assert [_decimal_comma(cell) for cell in rows[-1][1:3]] == [Decimal("0.00"), Decimal("0.00")]
    assert _decimal_comma(rows[-1][-1]) == Decimal("2345000.75")  # overdue: the whole of 2005


def test_a_deal_list_exports_dates_as_dates(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {"scope": "all", "status": "", "export": "xlsx"}
    response = _get(client, "opportunities:list", params)
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    header = [cell.value for cell in sheet[1]]
    close = sheet.cell(row=2, column=header.index("Expected close") + 1)
    assert close.is_date and close.value.date() == date(2005, 8, 15)


def test_a_deal_list_in_german_exports_for_german_excel(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {"scope": "all", "status": "", "export": "csv-excel"}
    rows = _csv(_get(client, "opportunities:list", params, "de"), ";")
    amounts = sorted(_decimal_comma(row[rows[0].index("Betrag")]) for row in rows[1:])
    assert amounts == [
        Decimal("95000.25"),
        Decimal("200000.00"),
        Decimal("600000.00"),
        Decimal("1450000.50"),
    ]
    assert "2005-08-15" in rows[1]


@pytest.mark.parametrize(
    ("name", "params"),
    [("opportunities:list", {}), ("forecasting:pipeline", Q3), ("accounts:list", {})],
)
def test_export_links_offer_the_excel_csv_of_the_language(client_for, salesperson, name, params):
    html = _get(client_for(salesperson), name, params, "sv").text
    assert "export=csv-excel" in html
    assert "CSV (Excel, Svenska)" in html
