"""A won deal's figures are read-only until it is reopened: the salesperson sees them locked,
still edits its description, reopens it and gets the hand-set probability back."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity, Stage
from tests.factories import AccountFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def test_a_won_deal_is_read_only_until_reopened(page, live_server, login, salesperson):
    deal = Opportunity.objects.create(
        name="Tromsø renewal",
        account=AccountFactory(owner=salesperson),
        owner=salesperson,
        stage=Stage.objects.get(name="Quote sent"),
        probability=61,
        is_probability_manual=True,
        amount=Decimal("178.00"),
        expected_close_date=date(2030, 1, 1),
    )
    login(page, live_server, salesperson)

    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "closed-deal-open")
    page.get_by_role("link", name="Close as won").click()
    page.fill("#id_closed_date", "2029-12-15")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.get_by_text("closed as won")).to_be_visible()

    # The edit form: amount, stage, probability and dates locked; the description is not.
    page.goto(f"{live_server.url}/opportunities/{deal.pk}/edit/")
    for field in ("amount", "stage", "probability", "expected_close_date", "owner"):
        expect(page.locator(f"#id_{field}")).to_be_disabled()
    expect(page.get_by_text("The deal is closed: reopen it to change this.").first).to_be_visible()
    screenshot(page, "closed-deal-edit-read-only")
    page.fill("#id_description", "Signed for three years.")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.get_by_text("saved")).to_be_visible()
    deal.refresh_from_db()
    assert (deal.amount, deal.status, deal.description) == (
        Decimal("178.00"),
        "won",
        "Signed for three years.",
    )

    # Reopen: open again, at the 61 % set by hand before the close.
    page.get_by_role("link", name="Reopen").click()
    page.locator("form.stacked button[type=submit]").click()
    expect(page.get_by_text("reopened")).to_be_visible()
    screenshot(page, "closed-deal-reopened")
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.is_probability_manual) == ("open", 61, True)
    page.goto(f"{live_server.url}/opportunities/{deal.pk}/edit/")
    expect(page.locator("#id_amount")).to_be_enabled()
    expect(page.locator("#id_probability")).to_have_value("61")
