"""A sales manager's budgets: amounts typed as their language writes them, an ambiguous one
refused in place, the area's month made of its salespeople's budgets, and a save that
crosses another manager's refused with their name and the typed values kept."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from forecasting.models import Budget
from tests.factories import BusinessAreaFactory, UserFactory

from .helpers import PASSWORD, screenshot, visit

pytestmark = pytest.mark.browser

NBSP = "\u00a0"


@pytest.fixture
def swedish_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _login_any_language(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("button.primary[type=submit]").click()


def test_budgets_typed_in_swedish(swedish_page, live_server, manager, salesperson):
    page = swedish_page
    east = BusinessAreaFactory(name="Öst", order=1)
    Budget.objects.create(
        business_area=east, month=date(2026, 12, 1), amount=Decimal("500000"), salesperson=None
    )
    Budget.objects.create(
        business_area=east,
        month=date(2026, 12, 1),
        amount=Decimal("70000"),
        salesperson=salesperson,
    )
    _login_any_language(page, live_server, manager)
    visit(page, f"{live_server.url}/reports/budgets/?year=2026", "budgets-sv")
    january = page.locator(f'input[name="b-{east.pk}-1"]')
    february = page.locator(f'input[name="b-{east.pk}-2"]')
    january.fill("1 920 000,50")
    february.fill("800,000")  # three decimals: thousands elsewhere, refused here
    page.locator(".budget-grid-form button[type=submit]").click()
    expect(february).to_have_value("800,000")
    expect(page.locator("td.has-error")).to_have_count(1)
    screenshot(page, "budgets-sv-ambiguous")
    assert not Budget.objects.filter(month=date(2026, 1, 1)).exists()

    february.fill("800 000")
    page.locator(".budget-grid-form button[type=submit]").click()
    expect(january).to_have_value(f"1{NBSP}920{NBSP}000,50")
    expect(february).to_have_value(f"800{NBSP}000,00")
    # December is Alice's budget, not the area's own row: shown, summed, not typed in.
    expect(page.locator(f'input[name="b-{east.pk}-12"]')).to_have_count(0)
    row = page.locator("tbody tr", has_text="Öst")
    expect(row.locator("td").last).to_contain_text(f"2{NBSP}790{NBSP}000,50")
    screenshot(page, "budgets-sv-saved")
    assert Budget.objects.get(month=date(2026, 1, 1)).amount == Decimal("1920000.50")


def test_a_save_crossing_another_managers_names_them(page, live_server, login, manager):
    east = BusinessAreaFactory(name="Öst", order=1)
    other = UserFactory(username="maria", first_name="Maria", last_name="Berg", is_superuser=True)
    login(page, live_server, manager)
    visit(page, f"{live_server.url}/reports/budgets/?year=2026", "budgets-before-conflict")

    # Maria saves March while the page is open.
    march = Budget(business_area=east, month=date(2026, 3, 1), amount=Decimal("5000"))
    march._history_user = other
    march.save()

    page.locator(f'input[name="b-{east.pk}-3"]').fill("7,500")
    page.locator(f'input[name="b-{east.pk}-4"]').fill("1,000")
    page.locator(".budget-grid-form button[type=submit]").click()
    expect(page.locator("#budget-conflict")).to_contain_text("Maria Berg")
    expect(page.locator(f'input[name="b-{east.pk}-3"]')).to_have_value("7,500")
    expect(page.locator(f'input[name="b-{east.pk}-4"]')).to_have_value("1,000")
    expect(page.locator("td.has-error")).to_contain_text("5,000.00")
    screenshot(page, "budgets-conflict")
    assert Budget.objects.get(month=date(2026, 3, 1)).amount == Decimal("5000")

    # Saved again knowingly: the manager's values win.
    page.locator(".budget-grid-form button[type=submit]").click()
    expect(page.locator(f'input[name="b-{east.pk}-3"]')).to_have_value("7,500.00")
    assert Budget.objects.get(month=date(2026, 3, 1)).amount == Decimal("7500")
    assert Budget.objects.get(month=date(2026, 4, 1)).amount == Decimal("1000")


def test_the_salesperson_view(page, live_server, login, manager, salesperson):
    east = BusinessAreaFactory(name="Öst", order=1)
    login(page, live_server, manager)
    visit(page, f"{live_server.url}/reports/budgets/?year=2026", "budgets-area-view")
    page.locator("#budget-people").get_by_role("link", name="Alice").click()
    expect(page.locator("h1 + .subtitle")).to_contain_text("Alice")
    page.locator(f'input[name="b-{east.pk}-5"]').fill("12,345.67")
    page.locator(".budget-grid-form button[type=submit]").click()
    expect(page.locator(f'input[name="b-{east.pk}-5"]')).to_have_value("12,345.67")
    assert Budget.objects.get().salesperson == salesperson
