"""A sales manager opens the CRM: the team's figures, at 1280 px and on a phone, and a figure
leads to its deals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forecasting.models import Budget
from forecasting.periods import current_quarter
from tests.factories import BusinessAreaFactory, OpportunityFactory, StageFactory

from .helpers import PASSWORD, login, visit
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


def test_the_budget_status_fits_a_laptop_in_swedish(browser, live_server, manager, salesperson):
    """Budgets in the billions, written the Swedish way (`10 687 920 000,00`), with Swedish
    labels: at 1280 px the month's and the quarter's tables are each shown whole, the verdict
    column included, none cut off by its scroll container."""
    quarter = current_quarter()
    stage = StageFactory(name="Offer", order=1, default_probability=50)
    for n, name in enumerate(["Öst", "Väst", "Syd", "Norr"]):
        area = BusinessAreaFactory(name=name, order=n)
        for month in range(3):
            Budget.objects.create(
                business_area=area,
                month=quarter.start.replace(month=quarter.start.month + month),
                amount=Decimal("886330000.00") + n,
            )
        OpportunityFactory(
            owner=salesperson,
            business_area=area,
            stage=stage,
            amount=Decimal("2047648338.25"),
            expected_close_date=quarter.end,
        )
    context = browser.new_context(viewport=SCREENS["laptop"], locale="sv-SE")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("button.primary[type=submit]").click()
    visit(page, f"{live_server.url}/", "laptop-manager-dashboard-budgets-sv")

    status = page.locator("#budget-status")
    expect(status.locator("table")).to_have_count(2)
    expect(status).to_contain_text("2\u00a0658\u00a0990\u00a0009,00")  # Norr: 3 × 886 330 003
    cut = page.evaluate(
        """[...document.querySelectorAll('#budget-status .table-scroll')]
            .map(scroll => scroll.scrollWidth - scroll.clientWidth)
            .filter(hidden => hidden > 0)"""
    )
    assert cut == [], f"a budget table is cut off by {cut} px"
    context.close()
