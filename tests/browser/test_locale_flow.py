"""A European team's browsers (issue 17, items 4 and 5): an en-GB browser gets English (UK),
with day-first dates and a 24-hour clock on the deal list and the agenda; a Swedish user
downloads a report as the CSV that Swedish Excel opens in columns."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opportunities.models import Stage
from tests.factories import AccountFactory, ActivityFactory, BusinessAreaFactory, OpportunityFactory

from .helpers import PASSWORD, load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups(activity_types=True)


@pytest.fixture
def browser_in(browser):
    """`browser_in(locale)`: a page of a browser set to `locale` (its Accept-Language)."""
    contexts = []

    def open_page(locale: str):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _log_in(page, live_server, user):
    """Through the real login form, whatever the language of its labels."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()


def test_an_en_gb_browser_sees_day_first_dates(browser_in, live_server, salesperson):
    close = datetime.date(2026, 12, 6)
    OpportunityFactory(owner=salesperson, name="Fleet renewal", expected_close_date=close)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(13, 35)))
    ActivityFactory(
        owner=salesperson,
        subject="Demo at the depot",
        start=start,
        end=start + datetime.timedelta(hours=1),
    )
    page = browser_in("en-GB")
    _log_in(page, live_server, salesperson)
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    expect(page.locator(".topbar #language-select")).to_have_value("en-gb")
    expect(page.locator(".topbar #language-select option:checked")).to_have_text("English (UK)")

    visit(page, f"{live_server.url}/opportunities/?scope=all&status=", "en-gb-deal-list")
    row = page.locator("tbody tr", has_text="Fleet renewal")
    expect(row).to_contain_text("06/12/2026")
    expect(page.locator("main")).not_to_contain_text("12/06/2026")

    visit(page, f"{live_server.url}/activities/", "en-gb-agenda")
    item = page.locator("tr, li", has_text="Demo at the depot").first
    expect(item).to_contain_text(f"{tomorrow:%d/%m/%Y} 13:35")
    expect(page.locator("main")).not_to_contain_text("p.m.")


def test_a_swedish_user_downloads_the_excel_csv_of_a_report(
    browser_in, live_server, salesperson, tmp_path
):
    east = BusinessAreaFactory(name="Öst", order=1)
    quote = Stage.objects.get(name="Quote sent")
    for amount in ("1450000.50", "95000.25"):
        OpportunityFactory(
            owner=salesperson,
            account=AccountFactory(business_area=east),
            business_area=east,
            stage=quote,
            probability=25,
            amount=Decimal(amount),
            expected_close_date=datetime.date(2026, 8, 15),
        )
    page = browser_in("sv-SE")
    _log_in(page, live_server, salesperson)
    expect(page.locator("html")).to_have_attribute("lang", "sv")

    visit(page, f"{live_server.url}/reports/pipeline/?pick=2026-Q3", "sv-report-pipeline")
    expect(page.locator("#pipeline-report tfoot")).to_contain_text("1\xa0545\xa0000,75")
    link = page.get_by_role("link", name="CSV (Excel, Svenska)")
    with page.expect_download() as info:
        link.click()
    download = info.value
    screenshot(page, "sv-report-excel-csv")
    assert download.suggested_filename == "pipeline-2026-Q3.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = Path(path).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Pipeline per affärsområde", "2026 Q3: 1 juli 2026 – 30 september 2026"]
    assert rows[2][0] == "Affärsområde"
    assert rows[-2][:5] == ["Öst", "Delsumma", "1545000,75", "386250,19", "2"]
    assert rows[-1][2] == "1545000,75"
