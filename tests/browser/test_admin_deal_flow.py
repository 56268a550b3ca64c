"""An administrator changes a deal's stage in the Django admin; the deal page then shows the
probability the rule gives that stage, and the change in its history, marked as the admin's."""

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity, Stage
from tests.factories import AccountFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def test_a_stage_change_in_the_admin_applies_the_rules_and_shows_in_the_history(
    page, live_server, login, admin_user, salesperson
):
    deal = Opportunity.objects.create(
        name="Harbour cranes",
        account=AccountFactory(owner=salesperson),
        owner=salesperson,
        stage=Stage.objects.get(name="Prospect"),
        probability=10,
        amount="40000.00",
        expected_close_date="2030-01-01",
    )
    login(page, live_server, admin_user)

    visit(
        page, f"{live_server.url}/admin/opportunities/opportunity/{deal.pk}/change/", "admin-deal"
    )
    expect(page.locator(".field-status")).to_contain_text("Open")
    expect(page.locator("#id_status")).to_have_count(0)  # read-only: shown, not a field
    page.select_option("#id_stage", label="Short list")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "admin-deal-page")
    summary = page.locator(".stat", has_text="Probability")
    expect(summary).to_contain_text("50 %")
    expect(summary).not_to_contain_text("set by hand")
    entry = page.locator("#history li").first
    expect(entry).to_contain_text("Astrid")
    expect(entry.locator(".badge")).to_have_text("admin")
    expect(entry).to_contain_text("Short list")
    expect(entry).to_contain_text("50")
    screenshot(page, "admin-deal-history")

    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability, deal.weighted_amount) == (
        "Short list",
        50,
        20000,
    )
