"""A sales manager looks back: the pipeline as it stood on a past day (picked in the date
input), then the quarter's movement, a waterfall bar followed to the deals behind it."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.factories import BusinessAreaFactory
from tests.forecasting.test_as_of import at, change, created

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def test_pick_a_past_day_and_follow_a_waterfall_bar(page, live_server, login, manager):
    north = BusinessAreaFactory(name="North", order=1)
    grown = created(
        at(date(2025, 3, 1)),
        name="Grown deal",
        business_area=north,
        amount=Decimal("1000.00"),
        expected_close_date=date(2025, 5, 1),
    )
    change(grown, at(date(2025, 4, 20)), amount=Decimal("2500.00"))
    created(
        at(date(2025, 3, 1)),
        name="Steady deal",
        business_area=north,
        amount=Decimal("300.00"),
        expected_close_date=date(2025, 6, 1),
    )
    login(page, live_server, manager)

    visit(page, f"{live_server.url}/reports/pipeline/?start=2025-04-01&end=2025-06-30", "as-of-0")
    expect(page.locator("#pipeline-report tfoot")).to_contain_text("2,800.00")
    page.fill("#id_as_of", "2025-04-19")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".as-of-note")).to_be_visible()
    expect(page.locator("#pipeline-report tfoot")).to_contain_text("1,300.00")
    screenshot(page, "as-of-pipeline")

    visit(page, f"{live_server.url}/reports/movement/?start=2025-04-01&end=2025-06-30", "movement")
    table = page.locator("#movement-report")
    expect(table.locator("tr", has_text="Pipeline at the start")).to_contain_text("1,300.00")
    expect(table.locator("tr", has_text="Increases")).to_contain_text("1,500.00")
    expect(table.locator("tr", has_text="Pipeline at the end")).to_contain_text("2,800.00")
    page.locator('svg a[data-part="increases"]').click()
    expect(page.locator("h1")).to_have_text("Increases")
    rows = page.locator("#movement-deals tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grown deal")
    screenshot(page, "movement-increases")
    rows.first.get_by_role("link", name="Grown deal").click()
    expect(page.locator("h1")).to_contain_text("Grown deal")
