import pytest
from playwright.sync_api import expect

from .helpers import screenshot

pytestmark = pytest.mark.browser


def test_user_switches_to_swedish_with_the_language_switcher(page, live_server, login, salesperson):
    login(page, live_server, salesperson)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The switcher submits itself when a language is chosen (static/js/app.js).
    with page.expect_navigation():
        page.locator(".topbar #language-select").select_option("sv")

    assert page.url == f"{live_server.url}/"
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator(".mainnav")).to_contain_text("Konton")
    screenshot(page, "dashboard-swedish")
