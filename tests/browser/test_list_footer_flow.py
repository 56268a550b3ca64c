"""A manager searches the deal list and narrows it to the stale deals: the rows, the row count
and the footer's amount are those of the matching deals (on PostgreSQL the footer is read from
the sums kept per account and per stage-entry day, `opportunities.kept_sums`)."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity, Stage
from tests.factories import AccountFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def _deal(name: str, account, owner, amount: str, **extra) -> Opportunity:
    today = datetime.date.today()
    values = {
        "name": name,
        "account": account,
        "owner": owner,
        "stage": Stage.objects.get(name="Prospect"),
        "probability": 10,
        "amount": Decimal(amount),
        "weighted_amount": Decimal(amount) / 10,
        "expected_close_date": today + datetime.timedelta(days=30),
        "stage_date": today,
        **extra,
    }
    return Opportunity.objects.create(**values)


def test_a_search_and_the_stale_deals_show_their_own_totals(page, live_server, login, manager):
    today = datetime.date.today()
    norr, syd = AccountFactory(name="Byggmax Norr"), AccountFactory(name="Byggmax Syd")
    kontor = AccountFactory(name="Kontor AB")
    _deal("Roof", norr, manager, "1000.00")
    _deal("Walls", syd, manager, "2000.00", stage_date=today - datetime.timedelta(days=90))
    _deal("Bygglov", kontor, manager, "400.00")  # matches by its own name
    _deal("Desks", kontor, manager, "8000.00", expected_close_date=today - datetime.timedelta(1))
    login(page, live_server, manager)

    visit(page, f"{live_server.url}/opportunities/", "list-footer-every-open-deal")
    rows = page.locator("#table-region tbody tr")
    expect(rows).to_have_count(4)
    page.locator("#id_q").press_sequentially("bygg")  # the list follows the typing (htmx)
    expect(rows).to_have_count(3)
    expect(page.locator("#table-region .table-footer")).to_contain_text("3 rows")
    expect(page.locator("#table-region tfoot")).to_contain_text("3,400.00")
    expect(page.locator("#table-region tfoot")).to_contain_text("340.00")
    screenshot(page, "list-footer-search")

    page.locator("#id_q").fill("")
    page.locator("#id_q").press("Enter")
    expect(rows).to_have_count(4)
    page.locator("#id_stale").select_option("true")
    expect(rows).to_have_count(2)
    expect(page.locator("#table-region tbody")).to_contain_text("Walls")
    expect(page.locator("#table-region tbody")).to_contain_text("Desks")
    expect(page.locator("#table-region .table-footer")).to_contain_text("2 rows")
    expect(page.locator("#table-region tfoot")).to_contain_text("10,000.00")
    screenshot(page, "list-footer-stale")
