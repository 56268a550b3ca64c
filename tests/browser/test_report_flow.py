"""A sales manager's report: the pipeline for a quarter, a figure clicked down to exactly its
deals, the report saved as shared and opened by a salesperson."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from forecasting.models import SavedReport
from opportunities.models import Stage
from tests.factories import AccountFactory, BusinessAreaFactory, OpportunityFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def test_drill_down_and_share_a_report(page, live_server, login, manager, salesperson):
    east = BusinessAreaFactory(name="Öst", order=1)
    west = BusinessAreaFactory(name="Väst", order=2)
    quote = Stage.objects.get(name="Quote sent")
    for area, amount in ((east, "95000.00"), (west, "200000.00"), (west, "175000.00")):
        OpportunityFactory(
            owner=salesperson,
            account=AccountFactory(business_area=area),
            business_area=area,
            stage=quote,
            probability=25,
            amount=Decimal(amount),
            expected_close_date=date(2026, 8, 15),
        )
    OpportunityFactory(business_area=west, stage=quote, expected_close_date=date(2026, 10, 1))
    login(page, live_server, manager)

    visit(page, f"{live_server.url}/reports/pipeline/?pick=2026-Q3", "report-pipeline-q3")
    table = page.locator("#pipeline-report")
    expect(table.locator("tfoot")).to_contain_text("470,000.00")
    expect(table.locator("tfoot")).to_contain_text("117,500.00")

    # Väst's "Quote sent" total: exactly its two deals.
    row = table.locator("tbody tr", has_text="Väst").first
    row.get_by_role("link", name="375,000.00").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tfoot")).to_contain_text("375,000.00")
    screenshot(page, "report-drilldown")

    # Save it as shared.
    visit(page, f"{live_server.url}/reports/pipeline/?pick=2026-Q3", "report-before-save")
    page.locator("details.save-report summary").click()
    page.fill("#id_name", "Q3 pipeline")
    page.check("#id_is_shared")
    page.locator("details.save-report button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Pipeline per business area")
    saved = SavedReport.objects.get(name="Q3 pipeline")
    assert saved.is_shared and saved.owner == manager

    # A salesperson finds it on /reports/ and opens it with its filters.
    page.context.clear_cookies()
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}/reports/", "reports-index-shared")
    page.get_by_role("link", name="Q3 pipeline").click()
    expect(page.locator("#pipeline-report tfoot")).to_contain_text("470,000.00")
    screenshot(page, "report-opened-by-salesperson")
