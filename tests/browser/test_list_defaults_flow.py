"""A salesperson's deal list opens on their open deals and shows every deal after "Clear"; a
line added on the deal page is priced from its product and warned of under cost (issue 17)."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity, Stage
from tests.factories import AccountFactory, LossReasonFactory, ProductFactory, UserFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def _deal(name: str, owner, **extra) -> Opportunity:
    stage = Stage.objects.get(name="Prospect")
    values = {
        "name": name,
        "account": AccountFactory(owner=owner),
        "owner": owner,
        "stage": stage,
        "probability": 10,
        "amount": Decimal("1000.00"),
        "expected_close_date": datetime.date.today() + datetime.timedelta(days=30),
        **extra,
    }
    return Opportunity.objects.create(**values)


def test_the_list_opens_on_my_open_deals_and_clear_shows_every_deal(
    page, live_server, login, salesperson
):
    today = datetime.date.today()
    _deal("Mine later", salesperson, expected_close_date=today + datetime.timedelta(days=60))
    _deal("Mine soon", salesperson, expected_close_date=today + datetime.timedelta(days=5))
    _deal(
        "Mine lost",
        salesperson,
        status=Opportunity.Status.LOST,
        probability=0,
        loss_reason=LossReasonFactory(name="Price"),
        closed_date=today,
    )
    _deal("Someone else's", UserFactory(username="berit"))
    login(page, live_server, salesperson)

    visit(page, f"{live_server.url}/opportunities/", "list-defaults-mine")
    rows = page.locator("#table-region tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Mine soon")
    expect(rows.nth(1)).to_contain_text("Mine later")
    expect(page.locator("#id_mine")).to_have_value("true")
    expect(page.locator("#id_status")).to_have_value("open")
    expect(page.locator("#deal-totals-note")).to_contain_text("Weighted: open deals only")

    page.locator(".filter-actions").get_by_role("link", name="Clear").click()
    page.wait_for_load_state("load")
    expect(page.locator("#table-region tbody tr")).to_have_count(4)
    expect(page.locator("#id_status")).to_have_value("")
    screenshot(page, "list-defaults-every-deal")
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, f"{live_server.url}/opportunities/", "list-defaults-mine-phone")


def test_a_line_is_priced_from_its_product_and_warned_of_under_cost(
    page, live_server, login, salesperson
):
    ProductFactory(name="Licence", list_price=Decimal("3000.00"), unit_cost=Decimal("500.00"))
    deal = _deal("Priced deal", salesperson)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "line-add-empty")

    lines = page.locator("#lines")
    lines.locator("#id_product").select_option(label="Licence")
    expect(lines.locator("#line-product-prices")).to_contain_text("3,000.00")
    expect(lines.locator("#id_unit_price")).to_have_value("3,000.00")
    expect(lines.locator("#id_unit_cost")).to_have_value("500.00")

    lines.locator("#id_unit_price").fill("400")
    lines.locator("#id_unit_price").dispatch_event("change")
    expect(lines.locator("#line-margin-warning")).to_contain_text("Under cost")
    screenshot(page, "line-add-under-cost")

    lines.get_by_role("button", name="Add line").click()
    expect(page.locator("#lines tbody")).to_contain_text("Licence")
    assert deal.lines.get().unit_price == Decimal("400.00")
