"""A sales manager looks back on a quarter: what was forecast at each month start against what
was won, following a figure to its deals; then how long the deals stayed in each stage, and
one deal's timeline."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Stage
from tests.factories import BusinessAreaFactory
from tests.forecasting.test_as_of import at, change, created

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def test_accuracy_velocity_and_a_deal_timeline(page, live_server, login, manager):
    north = BusinessAreaFactory(name="North", order=1)
    prospect = Stage.objects.get(name="Prospect")
    short_list = Stage.objects.get(name="Short list")
    won = created(
        at(date(2025, 3, 1)),
        name="Signed deal",
        business_area=north,
        stage=prospect,
        probability=10,
        amount=Decimal("10000.00"),
        expected_close_date=date(2025, 5, 15),
    )
    change(won, at(date(2025, 4, 11)), stage=short_list, probability=50)
    change(won, at(date(2025, 5, 10)), status="won", probability=100, closed_date=date(2025, 5, 10))
    login(page, live_server, manager)

    visit(page, f"{live_server.url}/reports/", "reports-index")
    page.get_by_role("link", name="Forecast accuracy").click()
    page.select_option("#id_pick", "2025-Q2")
    page.get_by_role("button", name="Show").click()
    total = page.locator("#accuracy-total")
    expect(total.locator("tbody tr").first).to_contain_text("1,000.00")
    expect(total.locator("tbody tr").nth(1)).to_contain_text("5,000.00")
    expect(page.locator("#accuracy-report tbody tr").first).to_contain_text("North")
    screenshot(page, "accuracy")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "accuracy-mobile")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#accuracy-report tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("link", name="Signed deal")).to_be_visible()

    visit(page, f"{live_server.url}/reports/velocity/?pick=2025-Q2&mode=closed", "velocity")
    prospect_row = page.locator("#velocity-report tbody tr", has_text="Prospect")
    expect(prospect_row).to_contain_text("41")
    expect(prospect_row).to_contain_text("100.0 %")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "velocity-mobile")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server.url}/opportunities/{won.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Prospect")
    expect(timeline).to_contain_text("29 days")
    expect(timeline).to_contain_text("Won")
    timeline.scroll_into_view_if_needed()
    screenshot(page, "deal-timeline")
