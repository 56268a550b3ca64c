import re

import pytest
from playwright.sync_api import expect

from tests.factories import AccountFactory

from .helpers import screenshot

pytestmark = pytest.mark.browser

# Records violations the page reports itself, in addition to Chromium's console errors.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched_page(page):
    """The page, with every console error, page error and CSP violation recorded."""
    page.problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    page.on("pageerror", lambda error: page.problems.append(f"JS error: {error}"))
    page.add_init_script(CSP_LISTENER)
    return page


def assert_clean(page):
    violations = page.evaluate("window.__cspViolations")
    assert violations == []
    assert page.problems == []


@pytest.mark.parametrize("path", ["/", "/accounts/"])
def test_page_runs_under_the_strict_csp_without_errors(
    watched_page, live_server, login, salesperson, path
):
    page = watched_page
    AccountFactory(name="Alpha Tech AB", owner=salesperson)
    login(page, live_server, salesperson)

    response = page.goto(f"{live_server.url}{path}")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert page.evaluate("typeof htmx") == "object"
    assert_clean(page)
    screenshot(page, f"csp-{path.strip('/').replace('/', '-') or 'dashboard'}")


def test_typing_in_the_search_box_filters_the_accounts_table_with_htmx(
    watched_page, live_server, login, salesperson
):
    page = watched_page
    AccountFactory(name="Alpha Tech AB")
    AccountFactory(name="Beta Foods AB")
    login(page, live_server, salesperson)
    page.goto(f"{live_server.url}/accounts/")
    rows = page.locator("#table-region tbody tr")
    expect(rows).to_have_count(2)
    # A full reload would drop this marker; an htmx swap keeps it.
    page.evaluate("window.__sameDocument = true")

    with page.expect_response(
        lambda r: "q=Alpha" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.locator("#id_q").press_sequentially("Alpha")

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alpha Tech AB")
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"/accounts/\?q=Alpha(&|$)"))
    assert_clean(page)
    screenshot(page, "accounts-filtered-by-search")
