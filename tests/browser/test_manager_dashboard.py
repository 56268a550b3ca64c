"""A sales manager opens the CRM: the team's figures, at 1280 px and on a phone, and a figure
leads to its deals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import BusinessAreaFactory, OpportunityFactory, StageFactory

from .helpers import login, visit
from .test_page_layout import STICKING_OUT

pytestmark = pytest.mark.browser

SCREENS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_manager_sees_the_team_and_follows_a_figure(
    browser, live_server, manager, salesperson, other_salesperson, screen
):
    today = timezone.localdate()
    area = BusinessAreaFactory(name="Industrial")
    # Its own stage: a transactional test's flush may have emptied the migrated ones.
    stage = StageFactory(name="Needs analysis", order=1, default_probability=20)
    for n, owner in enumerate([salesperson, other_salesperson] * 3):
        OpportunityFactory(
            owner=owner,
            business_area=area,
            stage=stage,
            amount=Decimal("1234567.89"),
            expected_close_date=today + timedelta(days=n * 20 - 30),  # two already overdue
        )
    context = browser.new_context(viewport=SCREENS[screen], locale="en-GB")
    page = context.new_page()
    login(page, live_server, manager)
    visit(page, f"{live_server.url}/", f"{screen}-manager-dashboard")

    figures = page.locator("#team-figures")
    expect(figures).to_contain_text("6")
    expect(figures).to_contain_text("7,407,407.34")  # 6 × 1,234,567.89
    expect(page.locator("#team-attention")).to_contain_text("Alice Andersson")
    expect(page.locator("#team-attention")).to_contain_text("Charlie Carlsson")
    expect(page.locator("#budget-status")).to_contain_text("No budget for this period.")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px"
    assert page.evaluate(STICKING_OUT.replace(".table-wrap,", ".table-wrap, .table-scroll,")) == []

    # The team's overdue deals: the figure opens the deal list filtered to them.
    with page.expect_navigation():
        page.locator("#team-figures a").nth(3).click()
    expect(page.locator("tbody tr")).to_have_count(2)
    context.close()
