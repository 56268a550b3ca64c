"""The deals without a business area: their group is "(no business area)" on the pipeline and
budget comparison pages and in their CSV and XLSX exports alike; the CLI's CSV keeps it empty."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db

NO_AREA = "(no business area)"
PARAMS = {"start": "2030-01-01", "end": "2030-03-31"}


@pytest.fixture
def arealess(salesperson):
    """An open and a won deal in the period, neither in a business area."""
    common = {"owner": salesperson, "business_area": None, "amount": Decimal("700.00")}
    OpportunityFactory(**common, expected_close_date=date(2030, 2, 1))
    OpportunityFactory(
        **common,
        expected_close_date=date(2030, 2, 1),
        status="won",
        probability=100,
        closed_date=date(2030, 2, 1),
    )


def _export(client, name: str, fmt: str) -> list[list]:
    response = client.get(reverse(f"forecasting:{name}"), {**PARAMS, "export": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_pipeline_export_names_the_group_as_the_page(client_for, salesperson, arealess, fmt):
    client = client_for(salesperson)
    page = client.get(reverse("forecasting:pipeline"), PARAMS).content.decode()

    rows = _export(client, "pipeline", fmt)

    assert NO_AREA in page
    figures = [row for row in rows if row[2] in ("700.00", 700)]
    assert [row[0] for row in figures] == [NO_AREA, NO_AREA, "Total"]  # stage, subtotal, total


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_budget_export_names_the_group_as_the_page(client_for, salesperson, arealess, fmt):
    client = client_for(salesperson)
    page = client.get(reverse("forecasting:budget"), PARAMS).content.decode()

    rows = _export(client, "budget", fmt)

    assert NO_AREA in page
    assert [row[2] for row in rows if row[0] == NO_AREA] in (["700.00"], [700])


def test_the_cli_csv_keeps_the_group_unnamed(arealess, capsys):
    call_command("pipeline_report", "--start", "2030-01-01", "--end", "2030-03-31")

    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert NO_AREA not in {row[0] for row in rows}
    assert [row[0] for row in rows if row[2:3] == ["700.00"]][0] == ""
