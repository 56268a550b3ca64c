"""Issue 15: a long history comes a page at a time, and a report period out of bounds is
refused next to the form, with the way out named."""

import pytest
from playwright.sync_api import expect

from pipeline_crm.history import HISTORY_PAGE
from tests.factories import OpportunityFactory, add_history_records

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    """The stages a deal needs, should an earlier transactional test have flushed them."""
    load_shipped_lookups()


def test_older_changes_load_below_the_deal_history(page, live_server, login, salesperson):
    deal = OpportunityFactory(owner=salesperson, name="Pilot 30 users")
    add_history_records(deal, HISTORY_PAGE + 20, change="amount")
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "deal-history-first-page")
    entries = page.locator("#history ol.history > li")
    expect(entries).to_have_count(HISTORY_PAGE)
    url = page.url

    page.locator("#history").get_by_role("link", name="Older changes").click()

    expect(entries).to_have_count(HISTORY_PAGE + 21)  # the rest, and the deal's creation
    expect(page.locator("#history").get_by_role("link", name="Older changes")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("created")
    assert page.url == url  # swapped in place, no navigation
    screenshot(page, "deal-history-all-pages")


def test_a_report_period_out_of_bounds_is_refused_with_the_way_out(
    page, live_server, login, manager
):
    login(page, live_server, manager)
    visit(page, f"{live_server.url}/reports/salespeople/?pick=2026", "salespeople-year")
    page.locator("#id_pick").select_option("")
    page.locator("#id_start").fill("2025-01-01")
    page.locator("#id_end").fill("2026-12-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.locator(".errorlist")).to_contain_text("at most 12 months")
    expect(page.locator(".errorlist")).to_contain_text("by quarter")
    expect(page.locator("#id_start")).to_have_value("2025-01-01")  # what was typed stays

    page.locator("#id_by").select_option("quarter")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.locator(".errorlist")).to_have_count(0)
    expect(page.locator("h1")).to_contain_text("Salesperson")
    screenshot(page, "salespeople-two-years-by-quarter")
