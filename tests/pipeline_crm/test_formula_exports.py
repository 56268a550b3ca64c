"""Formula payloads in every export: each list and report export, CSV and XLSX, and the
commands whose output is data. A spreadsheet must run none of them, and must show each as the
text it is (no apostrophe in an XLSX cell)."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from forecasting.models import Budget
from opportunities import services
from opportunities.models import Competitor, LossReason
from pipeline_crm.formulas import FORMULA_STARTS, is_formula_like, protect, unprotect
from quotes import services as quote_services
from quotes.models import QuoteLine

from ..factories import (
    AccountFactory,
    ActivityFactory,
    BusinessAreaFactory,
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
    SegmentFactory,
    StageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# One payload per kind of formula start: ASCII, full-width, small forms, leading controls.
PAYLOADS = {
    "account": "=1+1+cmd|' /C calc'!A0",
    "city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "contact": '＝HYPERLINK("http://evil.example")',
    "deal": "+1+cmd|' /C calc'!A0",
    "area": "－2+3",
    "stage": "＋9",
    "segment": "﹦1+1",
    "reason": "＠SUM(1)",
    "competitor": "-2+cmd|' /C calc'!A0",
    "owner": "=HYPERLINK(1)",
    "subject": "\n=1+1",
}


def today() -> date:
    return date.today()


def pick() -> str:
    return f"{today().year}-Q{(today().month - 1) // 3 + 1}"


@pytest.fixture
def payloads(salesperson, manager):
    """Accounts, contacts, deals, lookups and people named with formula payloads."""
    owner = UserFactory(username="evil", first_name=PAYLOADS["owner"], last_name="")
    area = BusinessAreaFactory(name=PAYLOADS["area"])
    stage = StageFactory(name=PAYLOADS["stage"], order=1, default_probability=50)
    segment = SegmentFactory(name=PAYLOADS["segment"])
    account = AccountFactory(
        name=PAYLOADS["account"], city=PAYLOADS["city"], business_area=area, segment=segment
    )
    ContactFactory(account=account, first_name=PAYLOADS["contact"])
    competitor = Competitor.objects.create(name=PAYLOADS["competitor"])
    reason = LossReason.objects.create(name=PAYLOADS["reason"], order=99)
    deal = OpportunityFactory(
        name=PAYLOADS["deal"],
        account=account,
        owner=owner,
        stage=stage,
        expected_close_date=today(),
        next_action_date=today(),
        competitor=competitor,
    )
    quote = quote_services.create_quote(deal, user=owner)
    quote_services.add_line(quote, QuoteLine(product=ProductFactory()), user=owner)
    quote_services.mark_sent(quote, user=owner)
    lost = OpportunityFactory(
        name=PAYLOADS["deal"] + " lost",
        account=account,
        owner=owner,
        stage=stage,
        expected_close_date=today(),
        competitor=competitor,
    )
    services.close_lost(
        lost, user=None, loss_reason=reason, closed_date=today(), seen_version=lost.version
    )
    # Won in the last closed quarter: the accuracy report's actual figures name its area.
    won = OpportunityFactory(
        name=PAYLOADS["deal"] + " won",
        account=account,
        owner=owner,
        stage=stage,
        expected_close_date=_last_quarter_end(),
    )
    services.close_won(won, user=None, closed_date=_last_quarter_end(), seen_version=won.version)
    Budget.objects.create(
        business_area=area, month=today().replace(day=1), amount=Decimal("1000.00")
    )
    start = datetime.combine(today(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    ActivityFactory(
        account=account,
        owner=owner,
        subject=PAYLOADS["subject"],
        start=start,
        end=start + timedelta(hours=1),
        is_done=True,
    )
    return owner


def _last_quarter_end() -> date:
    first_month = (today().month - 1) // 3 * 3 + 1
    return date(today().year, first_month, 1) - timedelta(days=1)


def _last_quarter() -> str:
    end = _last_quarter_end()
    return f"{end.year}-Q{(end.month - 1) // 3 + 1}"


def _quarter_bounds() -> dict:
    first_month = (today().month - 1) // 3 * 3 + 1
    start = date(today().year, first_month, 1)
    end = (
        date(today().year + 1, 1, 1)
        if first_month == 10
        else date(today().year, first_month + 3, 1)
    ) - timedelta(days=1)
    return {"start": start.isoformat(), "end": end.isoformat()}


# Every export of the UI: (url name, its parameters). `test_every_export_is_covered` checks the
# list against the code.
EXPORTS = [
    ("accounts:list", {}),
    ("contacts:list", {}),
    ("opportunities:list", {"scope": "all", "status": ""}),
    ("forecasting:pipeline", {"pick": "QUARTER"}),
    ("forecasting:budget", {"pick": "QUARTER"}),
    ("forecasting:funnel", {}),
    ("forecasting:salespeople", {"pick": "QUARTER"}),
    ("forecasting:winloss", {"pick": "QUARTER"}),
    ("forecasting:trend", {"pick": "QUARTER"}),  # periods and figures only: no user's text
    ("forecasting:effort", {"BOUNDS": True}),
    ("quotes:list", {"scope": "team"}),
    ("quotes:report", {"pick": "QUARTER"}),
    ("forecasting:movement", {"pick": "QUARTER"}),  # labels and figures only: no user's text
    ("forecasting:accuracy", {"pick": "LAST_QUARTER"}),
    ("forecasting:velocity", {"pick": "QUARTER"}),
]
# The exports that carry no text a user typed.
FIGURES_ONLY = ("forecasting:trend", "forecasting:movement")
EXPORT_NAMES = {
    "accounts",
    "contacts",
    "opportunities",
    "pipeline",
    "budget",
    "funnel",
    "salespeople",
    "winloss",
    "trend",
    "effort",
    "quotes",
    "quote_report",
    "movement",
    "accuracy",
    "velocity",
}


def test_every_export_is_covered():
    """The export names the code passes to export_rows / export_report / table_page, and the
    reports' kinds (the one flow exports under its report's kind), are the ones tested here."""
    from forecasting.reports.saved import REPORTS

    root = Path(settings.BASE_DIR)
    found = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text()
        found |= set(
            re.findall(r'export_(?:rows|report)\((?:[^()]|\([^()]*\))*?,\s*fmt,\s*"(\w+)"', text)
        )
        found |= set(re.findall(r'export_name="(\w+)"', text))
    found |= {str(report.kind) for report in REPORTS}
    assert found == EXPORT_NAMES


def _params(params: dict) -> dict:
    params = dict(params)
    if params.pop("BOUNDS", False):
        params.update(_quarter_bounds())
    if params.get("pick") == "QUARTER":
        params["pick"] = pick()
    elif params.get("pick") == "LAST_QUARTER":
        params["pick"] = _last_quarter()
    return params


def _risky(cell: str) -> bool:
    """Formula-like text; a negative number ("-100.00", "-100,00") is a number, not a formula."""
    try:
        Decimal(cell.replace(",", ".").replace("\xa0", "").replace(" ", ""))
    except InvalidOperation:
        return is_formula_like(cell)
    return False


def _csv_cells(response, delimiter: str = ",") -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    return [cell for row in rows for cell in row]


def _xlsx_cells(response):
    data = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_csv_protected(name: str, cells: list[str]) -> None:
    """No cell of export `name` starts a formula, and (unless it shows figures only) a
    payload is in it, protected."""
    assert not [cell for cell in cells if _risky(cell)]
    protected = {unprotect(cell) for cell in cells if cell != unprotect(cell)}
    if name not in FIGURES_ONLY:
        assert protected & set(PAYLOADS.values()), f"no payload in the {name} export: {cells}"


@pytest.mark.parametrize(("name", "params"), EXPORTS, ids=[name for name, _ in EXPORTS])
def test_csv_export_protects_every_formula_cell(client_for, manager, payloads, name, params):
    response = client_for(manager).get(reverse(name), {**_params(params), "export": "csv"})
    assert response.status_code == 200
    cells = _csv_cells(response)
    _assert_csv_protected(name, cells)


@pytest.mark.parametrize(("name", "params"), EXPORTS, ids=[name for name, _ in EXPORTS])
def test_excel_csv_export_protects_every_formula_cell(client_for, manager, payloads, name, params):
    client = client_for(manager)
    query = {**_params(params), "export": "csv-excel"}
    response = client.get(reverse(name), query, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    cells = _csv_cells(response, delimiter=";")
    _assert_csv_protected(name, cells)


@pytest.mark.parametrize(("name", "params"), EXPORTS, ids=[name for name, _ in EXPORTS])
def test_xlsx_export_writes_formula_text_as_text(client_for, manager, payloads, name, params):
    response = client_for(manager).get(reverse(name), {**_params(params), "export": "xlsx"})
    assert response.status_code == 200
    cells = _xlsx_cells(response)
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell for cell in cells if isinstance(cell.value, str)]
    risky = [cell for cell in texts if is_formula_like(cell.value)]
    assert risky or name in FIGURES_ONLY, f"no payload in the {name} export"
    assert all(cell.quotePrefix for cell in risky)
    assert not [cell.value for cell in texts if cell.value != unprotect(cell.value)]


def test_pipeline_report_command_protects_formula_names(payloads):
    out, err = io.StringIO(), io.StringIO()
    bounds = _quarter_bounds()
    call_command(
        "pipeline_report",
        "--start",
        bounds["start"],
        "--end",
        bounds["end"],
        stdout=out,
        stderr=err,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    cells = [cell for row in rows for cell in row]
    assert protect(PAYLOADS["area"]) in cells and protect(PAYLOADS["stage"]) in cells
    assert not [cell for cell in cells if _risky(cell)]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_protection_round_trips(start):
    text = f"{start}1+1"
    assert is_formula_like(text)
    assert unprotect(protect(text)) == text
    assert unprotect("'tis") == "'tis" and protect("'tis") == "'tis"
