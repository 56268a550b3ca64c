"""Playwright fixtures: one Chromium per session, a fresh context per test, on `live_server`.

Debian's Chromium is used as is (no `playwright install`). Without it the browser tests are
skipped, unless PLAYWRIGHT_REQUIRED=1 (CI), where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.test.utils import override_settings

from pipeline_crm.models import GroupRole, Role
from pipeline_crm.roles import SALES_MANAGER, SALESPERSON

from .helpers import login as _login

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The permissions the role data migration (accounts 0002_roles) gives each group.
_SALESPERSON_PERMS = [
    "view_account",
    "add_account",
    "change_account",
    "view_contact",
    "add_contact",
    "change_contact",
]
_MANAGER_PERMS = [*_SALESPERSON_PERMS, "delete_account", "delete_contact"]


def _unavailable(missing: str):
    if os.environ.get("PLAYWRIGHT_REQUIRED") == "1":
        pytest.fail(f"{missing}, and PLAYWRIGHT_REQUIRED=1 requires browser tests", pytrace=False)
    pytest.skip(f"{missing}: browser tests skipped")


@pytest.fixture(scope="session")
def _live_server_media_url():
    """Give Django's live server thread a MEDIA_URL it can parse while it starts.

    settings.MEDIA_URL is None (documents are served only by permission-checked views), and
    LiveServerThread's media handler does urlparse(MEDIA_URL): None gives bytes and every
    request fails. A path nothing links to keeps the media files unpublished.
    """
    with override_settings(MEDIA_URL="/__media-not-served__/"):
        yield


@pytest.fixture(scope="session")
def live_server(_live_server_media_url, live_server):
    return live_server


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _browser_database(transactional_db, django_db_serialized_rollback, live_server):
    """Every browser test runs on `live_server`, so on a transactional database.

    Transactional tests flush the tables, data-migration rows included; serialized rollback
    restores them, and the role groups are recreated here should a flush have removed them.
    """
    roles = (
        (Role.SALESPERSON, SALESPERSON, _SALESPERSON_PERMS),
        (Role.SALES_MANAGER, SALES_MANAGER, _MANAGER_PERMS),
    )
    for key, name, codenames in roles:
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="accounts", codename__in=codenames
                )
            )
        GroupRole.objects.get_or_create(key=key, defaults={"group": group})


@pytest.fixture
def login():
    """`login(page, live_server, user)`: log in through the real /login/ form."""
    return _login
