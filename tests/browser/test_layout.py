"""Every page fits a 1280×800 laptop and a 390×844 phone, for each role (issue 17).

A page fails when it is wider than the screen (`scrollWidth > innerWidth`), and on the laptop
when any table is wider than the box it scrolls in (there every table fits whole) or the main
menu is cut. On the phone a wide table may scroll inside its own box.
`test_every_page_is_walked` keeps the list complete: a new URL fails it until it is walked
here or named in NOT_PAGES with the reason.

One browser, one logged-in context per role and language, the viewport switched between the
two sizes. With LAYOUT_SCREENSHOTS=1 each page is saved to screenshots/layout-… for review.
"""

import os
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from accounts.models import ContactRole
from activities.models import ActivityType
from forecasting.models import Budget
from opportunities import services as deal_services
from opportunities.models import OpportunityLine, Stage
from quotes import services as quote_services
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    BusinessAreaFactory,
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
)

from .helpers import PASSWORD, screenshot

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = os.environ.get("LAYOUT_SCREENSHOTS") == "1"

# URL names that are not pages a person looks at, and why.
NOT_PAGES = {
    "login": "walked logged out, in test_page_layout",
    "logout": "POST only",
    "password_change_done": "a one-line confirmation after a POST",
    "password_reset": "logged out; test_password_reset",
    "password_reset_done": "logged out; test_password_reset",
    "password_reset_confirm": "needs a mailed token; test_password_reset",
    "password_reset_complete": "logged out; test_password_reset",
    "set_language": "POST only",
    "accounts:options": "htmx fragment",
    "accounts:delete": "a confirmation walked as the salesperson's 403",
    "contacts:delete": "confirmation like accounts:delete",
    "opportunities:bulk": "POST only",
    "opportunities:board_column": "htmx fragment of the board",
    "opportunities:contact_options": "htmx fragment",
    "opportunities:move": "POST only",
    "opportunities:reset_probability": "POST only",
    "opportunities:reopen": "needs a closed deal; same form as close-won",
    "opportunities:line_add": "POST only",
    "opportunities:line_remove": "POST only",
    "opportunities:line_preview": "htmx fragment of the line form",
    "activities:link_options": "htmx fragment",
    "activities:row": "htmx fragment",
    "activities:done": "POST only",
    "activities:calendar_regenerate": "POST only",
    "activities:ical": "an iCalendar file",
    "activities:document_upload": "POST only",
    "activities:document_download": "a file",
    "activities:document_delete": "needs a document; a confirmation like accounts:delete",
    "jobs:detail": "needs a job; the import job test walks it",
    "jobs:download": "a file",
    "quotes:create": "POST only",
    "quotes:pdf": "a PDF",
    "quotes:revise": "POST only",
    "quotes:request_approval": "POST only",
    "quotes:approve": "POST only",
    "quotes:refuse": "POST only",
    "quotes:accept": "POST only",
    "quotes:decline": "needs a sent quote's decline form; test_quote_flow",
    "quotes:send": "needs an approved quote; test_quote_flow",
    "quotes:line_add": "POST only",
    "quotes:line_edit": "an htmx row of the quote page",
    "quotes:line_remove": "POST only",
    "forecasting:save": "POST only",
    "forecasting:saved": "a redirect to its report",
    "forecasting:saved_delete": "POST only",
    "forecasting:movement_deals": "the movement report's deal list, walked through its link",
}


@dataclass
class Seeded:
    account: object
    contact: object
    deal: object
    lined_deal: object
    activity: object
    draft_quote: object
    sent_quote: object


@pytest.fixture
def seeded(salesperson, other_salesperson, manager):
    """A small realistic company: three areas (two with a budget), deals in every stage, lines,
    activities overdue and ahead, a draft and a sent quote."""
    today = timezone.localdate()
    east = BusinessAreaFactory(name="Öst", order=1)
    west = BusinessAreaFactory(name="Väst", order=2)
    north = BusinessAreaFactory(name="Norr – industri och offentlig sektor", order=3)
    for area, amount in [(east, "1500000.00"), (west, "1250000.00")]:
        for month in range(1, 13):
            Budget.objects.create(
                business_area=area, month=date(today.year, month, 1), amount=Decimal(amount)
            )
    for order, name, probability in [
        (10, "Prospect", 10),
        (20, "Qualified", 20),
        (30, "Quote sent", 30),
        (35, "Technical evaluation and proof of concept", 40),
        (40, "Short list", 60),
        (50, "Final negotiation", 80),
    ]:
        Stage.objects.get_or_create(
            name=name, defaults={"order": order, "default_probability": probability}
        )
    role = ContactRole.objects.get_or_create(name="Decision maker")[0]
    products = [
        ProductFactory(name="Document management, per user and year", list_price=3600),
        ProductFactory(name="Implementation", list_price=Decimal("1250000.00")),
    ]
    names = [
        ("Nordlys Maskin AB", east),
        ("Fjordkraft Solutions AS", west),
        ("Wisła Logistics Sp. z o.o.", north),
        ("Brandt & Söhne Industrieanlagen GmbH", north),
        ("Göta Kanal Konsult AB", east),
    ]
    accounts = []
    for name, area in names:
        account = AccountFactory(name=name, business_area=area, owner=salesperson, city="Uppsala")
        ContactFactory(
            account=account,
            first_name="Ingrid",
            last_name="Lund-Østergaard",
            title="Chief Financial Officer",
            role=role,
            phone="+46 18 12 34 56",
            email="ingrid.lund-ostergaard@example.com",
        )
        accounts.append(account)
    stages = list(Stage.objects.active().filter(is_won_stage=False).order_by("order"))
    deals = []
    for number, stage in enumerate(stages * 2):
        owner = salesperson if number % 3 else other_salesperson
        account = accounts[number % len(accounts)]
        deals.append(
            OpportunityFactory(
                name=f"{account.name} – Warehouse scanners and field service app {number}",
                account=account,
                owner=owner,
                stage=stage,
                amount=Decimal("12345678.90") - number * 1000,
                expected_close_date=today + timedelta(days=-20 + number * 9),
                next_step="Clarify the delivery terms with procurement",
                next_action_date=today + timedelta(days=number),
            )
        )
    for deal in deals[:4]:
        deal_services.close_won(deal, user=deal.owner, seen_version=deal.version)
    lined = deals[5]
    for product in products:
        line = OpportunityLine(
            opportunity=lined,
            product=product,
            quantity=Decimal("150"),
            unit_price=Decimal("1250000.00"),
            discount_percent=Decimal("5"),
            unit_cost=Decimal("900000.00"),
        )
        deal_services.add_line(lined, line, user=salesperson)
    lined.refresh_from_db()
    lined.contacts.add(lined.account.contacts.first())
    call = ActivityType.objects.get_or_create(name="Phone call", defaults={"kind": "call"})[0]
    activity = None
    for offset in (-3, 0, 2, 9):
        activity = ActivityFactory(
            owner=salesperson,
            account=lined.account,
            opportunity=lined,
            type=call,
            subject="Follow up on the signed framework agreement and the delivery plan",
            start=timezone.now() + timedelta(days=offset),
        )
    draft = quote_services.create_quote(lined, user=salesperson)
    sent = quote_services.mark_sent(
        quote_services.create_quote(lined, user=salesperson), user=salesperson
    )
    return Seeded(
        account=lined.account,
        contact=lined.account.contacts.first(),
        deal=deals[6],
        lined_deal=lined,
        activity=activity,
        draft_quote=draft,
        sent_quote=sent,
    )


def pages(data: Seeded) -> list[tuple[str, str]]:
    """(URL name, path) of every page, as the manager sees it."""
    year = str(timezone.localdate().year)
    deal, lined = data.deal.pk, data.lined_deal.pk

    def url(name, *args, **query):
        path = reverse(name, args=args)
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    return [
        ("dashboard", url("dashboard")),
        ("password_change", url("password_change")),
        ("accounts:list", url("accounts:list")),
        ("accounts:create", url("accounts:create")),
        ("accounts:import", url("accounts:import")),
        ("accounts:detail", url("accounts:detail", data.account.pk)),
        ("accounts:edit", url("accounts:edit", data.account.pk)),
        ("accounts:history", url("accounts:history", data.account.pk)),
        ("contacts:list", url("contacts:list")),
        ("contacts:create", url("contacts:create")),
        ("contacts:detail", url("contacts:detail", data.contact.pk)),
        ("contacts:edit", url("contacts:edit", data.contact.pk)),
        ("contacts:history", url("contacts:history", data.contact.pk)),
        ("opportunities:list", url("opportunities:list")),
        ("opportunities:list", url("opportunities:list", scope="all", status="")),
        ("opportunities:create", url("opportunities:create")),
        ("opportunities:board", url("opportunities:board")),
        ("opportunities:board", url("opportunities:board", mine="")),
        ("opportunities:import", url("opportunities:import")),
        ("opportunities:detail", url("opportunities:detail", deal)),
        ("opportunities:detail", url("opportunities:detail", lined)),
        ("opportunities:edit", url("opportunities:edit", lined)),
        ("opportunities:history", url("opportunities:history", lined)),
        ("opportunities:delete", url("opportunities:delete", deal)),
        ("opportunities:close_won", url("opportunities:close_won", deal)),
        ("opportunities:close_lost", url("opportunities:close_lost", deal)),
        ("activities:agenda", url("activities:agenda")),
        ("activities:create", url("activities:create")),
        ("activities:detail", url("activities:detail", data.activity.pk)),
        ("activities:edit", url("activities:edit", data.activity.pk)),
        ("activities:reschedule", url("activities:reschedule", data.activity.pk)),
        ("activities:history", url("activities:history", data.activity.pk)),
        ("activities:delete", url("activities:delete", data.activity.pk)),
        ("activities:calendar", url("activities:calendar")),
        ("jobs:list", url("jobs:list")),
        ("quotes:list", url("quotes:list")),
        ("quotes:approvals", url("quotes:approvals")),
        ("quotes:report", url("quotes:report", pick=year)),
        ("quotes:detail", url("quotes:detail", data.draft_quote.pk)),
        ("quotes:detail", url("quotes:detail", data.sent_quote.pk)),
        ("quotes:edit", url("quotes:edit", data.draft_quote.pk)),
        ("quotes:history", url("quotes:history", data.draft_quote.pk)),
        ("forecasting:index", url("forecasting:index")),
        ("forecasting:pipeline", url("forecasting:pipeline", pick=year)),
        ("forecasting:budget", url("forecasting:budget", pick=year)),
        ("forecasting:budgets", url("forecasting:budgets")),
        ("forecasting:budget_import", url("forecasting:budget_import")),
        ("forecasting:funnel", url("forecasting:funnel", pick=year)),
        ("forecasting:salespeople", url("forecasting:salespeople", pick=year, by="quarter")),
        ("forecasting:salespeople", url("forecasting:salespeople")),
        ("forecasting:winloss", url("forecasting:winloss", pick=year)),
        ("forecasting:trend", url("forecasting:trend", pick=year)),
        ("forecasting:effort", url("forecasting:effort", pick=year)),
        ("forecasting:movement", url("forecasting:movement")),
        ("forecasting:accuracy", url("forecasting:accuracy", pick=str(int(year) - 1))),
        ("forecasting:velocity", url("forecasting:velocity", pick=year)),
    ]


# The salesperson's own view of the pages that differ by role (their deals, their agenda,
# the 403 of a manager's page).
SALESPERSON_PAGES = [
    "dashboard",
    "opportunities:list",
    "opportunities:board",
    "opportunities:detail",
    "activities:agenda",
    "forecasting:budgets",
    "accounts:import",
]

MEASURE = """() => {
  const de = document.documentElement;
  const tables = [...document.querySelectorAll("table")].map((table) => {
    let box = table.parentElement;
    while (box && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
    const width = Math.ceil(table.getBoundingClientRect().width);
    return {table: table.id || table.className, width, box: box ? box.clientWidth : width};
  });
  const nav = document.querySelector(".mainnav");
  return {
    nav: nav ? nav.scrollWidth - nav.clientWidth : 0,
    page: de.scrollWidth,
    screen: window.innerWidth,
    tables: tables.filter((t) => t.width > t.box + 1),
  };
}"""


def walk(browser, live_server, user, paths, *, language, role):
    """Visit `paths` at both sizes; return what does not fit."""
    context = browser.new_context(viewport=SIZES["laptop"], locale=language)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")  # by id: the labels are in the context's language
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("button.primary[type=submit]").click()
    problems = []
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status < 500, f"{path}: {response.status}"
            found = page.evaluate(MEASURE)
            if found["page"] > found["screen"]:
                problems.append(f"{size} {path}: page {found['page']} px wide")
            if size == "laptop" and found["nav"] > 0:
                problems.append(f"{size} {path}: the main menu is cut by {found['nav']} px")
            if size == "laptop" and found["tables"]:
                problems.append(f"{size} {path}: tables wider than their box {found['tables']}")
            if SCREENSHOTS:
                shot = f"layout-{language}-{role}-{size}-{name.replace(':', '-')}-{path}"
                screenshot(page, shot)
    context.close()
    return problems


def test_every_page_is_walked(seeded):
    names = {
        f"{namespace}:{name}" if namespace else name
        for namespace, name in _url_names(get_resolver())
        if not namespace.startswith("admin")
    }
    walked = {name for name, _path in pages(seeded)}
    assert names - walked - set(NOT_PAGES) == set()
    assert set(NOT_PAGES) & walked == set()


def _url_names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _url_names(pattern, inner)
        elif pattern.name:
            yield namespace, pattern.name


@pytest.mark.parametrize("language", ["en-GB", "sv-SE"])
def test_every_page_fits_for_the_manager(browser, live_server, manager, seeded, language):
    problems = walk(browser, live_server, manager, pages(seeded), language=language, role="manager")
    assert not problems, "\n".join(problems)


def test_every_page_fits_for_the_salesperson(browser, live_server, salesperson, seeded):
    paths = [(name, path) for name, path in pages(seeded) if name in SALESPERSON_PAGES]
    problems = walk(browser, live_server, salesperson, paths, language="en-GB", role="salesperson")
    assert not problems, "\n".join(problems)
