"""Helpers shared by the browser tests: logging in and screenshots for human review."""

import re
from pathlib import Path

from django.conf import settings

PASSWORD = "secret-pass-123"  # tests/factories.py: UserFactory.password
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save what the page shows to screenshots/<name>.png (gitignored) and return the path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def visit(page, url: str, name: str):
    """Open `url`, wait until it has loaded and save a screenshot named `name`."""
    response = page.goto(url)
    page.wait_for_load_state("load")
    screenshot(page, name)
    return response


def login(page, live_server, user, *, next_path: str = "", password: str = PASSWORD):
    """Log `user` in through the real login form; land on `next_path` or the dashboard."""
    url = f"{live_server.url}/login/"
    if next_path:
        url += f"?next={next_path}"
    page.goto(url)
    page.get_by_label("Username", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    return page


def load_shipped_lookups(*, activity_types: bool = False) -> None:
    """The lookups the migrations ship (stages, forecast categories, reasons, deal types and,
    if asked, activity types) with their names in every language, should an earlier
    transactional test have flushed them: the migrations' own functions, run on the models
    as the migrations see them. (Serialized rollback stops restoring data-migration rows once
    Playwright runs: the test thread then sees another connection object, without the
    serialized contents.)"""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    loader = MigrationExecutor(connection).loader
    apps = loader.project_state(list(loader.graph.leaf_nodes())).apps
    # Only where a flush took them: made again beside the migrated ones, the numbered shipped
    # names would stand next to the renamed ones ("4. Short list" and "Short list").
    if not apps.get_model("opportunities", "Stage").objects.exists():
        import_module("opportunities.migrations.0002_default_lookups").create(apps, None)
        import_module("opportunities.migrations.0016_translate_shipped_lookups").forwards(
            apps, None
        )
    if activity_types and not apps.get_model("activities", "ActivityType").objects.exists():
        import_module("activities.migrations.0002_default_activity_types").add_types(apps, None)
        import_module("activities.migrations.0009_translate_shipped_lookups").forwards(apps, None)


def htmx_settled(page) -> None:
    """Wait until htmx has swapped and settled what it was fetching, as a user's next click
    comes after the page stopped changing (a select changed mid-swap loses its request)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
