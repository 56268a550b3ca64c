import re

import pytest
from playwright.sync_api import expect

from .helpers import screenshot, visit

pytestmark = pytest.mark.browser


def test_anonymous_user_logs_in_and_lands_where_they_were_going(page, live_server, salesperson):
    visit(page, f"{live_server.url}/accounts/", "login-redirected")

    assert page.url == f"{live_server.url}/login/?next=/accounts/"
    page.get_by_label("Username", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill("secret-pass-123")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()

    assert page.url == f"{live_server.url}/accounts/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    screenshot(page, "login-landed-on-accounts")


def test_wrong_password_shows_an_error_and_keeps_the_username(page, live_server, salesperson):
    visit(page, f"{live_server.url}/login/", "login-page")
    page.get_by_label("Username", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_have_value("alice")
    screenshot(page, "login-wrong-password")


def test_user_logs_out_through_the_user_menu(page, live_server, login, salesperson):
    login(page, live_server, salesperson)
    page.locator(".usermenu summary").click()
    screenshot(page, "login-user-menu-open")
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
