import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account

from .helpers import screenshot, visit

pytestmark = pytest.mark.browser


def test_account_is_created_given_a_contact_and_its_city_change_is_in_history(
    page, live_server, login, salesperson
):
    login(page, live_server, salesperson)

    # Create the account through the form.
    visit(page, f"{live_server.url}/accounts/new/", "account-form-new")
    page.locator("#id_name").fill("Nordlys Maskin AB")
    page.locator("#id_org_number").fill("556677-8899")
    page.locator("#id_city").fill("Uppsala")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    account = Account.objects.get(name="Nordlys Maskin AB")
    assert page.url == f"{live_server.url}/accounts/{account.pk}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nordlys Maskin AB")

    # Add a contact from the account page: the form comes with the account chosen.
    with page.expect_navigation():
        page.locator("#contacts").get_by_role("link", name="Add contact").click()
    expect(page.locator("#id_account")).to_have_value(str(account.pk))
    screenshot(page, "contact-form-from-account")
    page.locator("#id_first_name").fill("Ingrid")
    page.locator("#id_last_name").fill("Lund")
    page.locator("#id_email").fill("ingrid.lund@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.url == f"{live_server.url}/accounts/{account.pk}/"
    expect(page.locator("#contacts")).to_contain_text("Ingrid Lund")

    # Edit the city; the History section shows the change.
    with page.expect_navigation():
        page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.locator("#id_city")).to_have_value("Uppsala")
    page.locator("#id_city").fill("Göteborg")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    assert page.url == f"{live_server.url}/accounts/{account.pk}/"
    change = page.locator("#history tr", has_text="City")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(re.compile(r"Uppsala\s*→\s*Göteborg"))
    screenshot(page, "account-detail-with-history")
