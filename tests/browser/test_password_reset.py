import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from pipeline_crm.models import LoginFailure

from .helpers import PASSWORD, screenshot, visit

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Harbour-Compass-71"


def _log_out_and_in_again(page, live_server):
    """Log out from the user menu and log in as alice with the new password: the dashboard."""
    page.locator(".usermenu summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_user_resets_a_forgotten_password_by_email_and_logs_in_with_it(
    page, live_server, salesperson
):
    visit(page, f"{live_server.url}/login/", "reset-login-page")
    with page.expect_navigation():
        page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    page.get_by_label("E-mail address").fill("alice@example.com")
    screenshot(page, "reset-form-filled")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    screenshot(page, "reset-mail-sent")

    # The live server runs in this process: its mail is in the locmem outbox.
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    link = re.search(r"http://\S+/password/reset/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    screenshot(page, "reset-new-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_text("Your new password is set and you are logged in.")).to_be_visible()
    screenshot(page, "reset-complete")

    with page.expect_navigation():
        page.get_by_role("link", name="Go to the dashboard").click()
    _log_out_and_in_again(page, live_server)


def test_a_used_reset_link_says_so_and_offers_a_new_one(page, live_server, salesperson):
    page.goto(f"{live_server.url}/password/reset/")
    page.get_by_label("E-mail address").fill("alice@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    link = re.search(r"http://\S+/password/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Set password and log in").click()

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    screenshot(page, "reset-link-used")
    with page.expect_navigation():
        page.get_by_role("link", name="Send me a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")


def test_owner_of_a_held_back_account_gets_in_by_resetting_the_password(
    page, live_server, salesperson
):
    # Ten wrong passwords from elsewhere within the hour: the account refuses new browsers.
    now = timezone.now()
    LoginFailure.objects.bulk_create(
        LoginFailure(username="alice", failed_at=now - datetime.timedelta(minutes=n))
        for n in range(10)
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed logins")
    screenshot(page, "reset-account-held-back")

    with page.expect_navigation():
        page.get_by_role("link", name="Set a new password by e-mail").click()
    page.get_by_label("E-mail address").fill("alice@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    link = re.search(r"http://\S+/password/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Set password and log in").click()
    expect(page.get_by_text("Your new password is set and you are logged in.")).to_be_visible()

    # This browser is now known: after logging out it gets in despite the account's lock.
    _log_out_and_in_again(page, live_server)
