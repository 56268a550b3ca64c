"""An administrator loads the 17-stage preset: maps each retired stage to a new one, previews
what moves, applies it, and the board still shows every open deal, the unmapped ones in a
column marked retired."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities import services
from opportunities.models import Opportunity, Stage
from tests.factories import AccountFactory, LossReasonFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def _deal(name: str, stage: str, amount: str, owner) -> Opportunity:
    stage = Stage.objects.get(name=stage)
    return Opportunity.objects.create(
        name=name,
        account=AccountFactory(owner=owner),
        owner=owner,
        stage=stage,
        probability=stage.default_probability,
        amount=Decimal(amount),
        expected_close_date="2030-01-01",
    )


def test_map_preview_and_apply_a_preset_then_the_board_shows_every_deal(
    page, live_server, login, admin_user, salesperson
):
    prospects = [_deal(f"Prospect {n}", "Prospect", "1000.00", salesperson) for n in range(3)]
    quote = _deal("Quote", "Quote sent", "2500.00", salesperson)
    talks = _deal("Talks", "Final negotiation", "7000.00", salesperson)
    lost = _deal("Lost", "Quote sent", "900.00", salesperson)
    services.close_lost(
        lost,
        loss_reason=LossReasonFactory(name="Price"),
        user=salesperson,
        seen_version=lost.version,
    )
    login(page, live_server, admin_user)

    # Admin → stages → "Load a stage preset" → the 17-stage funnel.
    visit(page, f"{live_server.url}/admin/opportunities/stage/", "preset-stages-before")
    page.get_by_role("link", name="Load a stage preset").click()
    page.get_by_role("button", name="Choose “17-stage sales funnel (seed 001)”").click()
    mapping = page.locator("#preset-mapping-table")
    expect(mapping).to_contain_text("Prospect")
    expect(mapping.get_by_role("row", name=re.compile(r"^Prospect "))).to_contain_text("3,000.00")
    screenshot(page, "preset-mapping")

    # Choose: prospects → First meeting, quotes → Negotiation, final negotiation stays retired.
    page.get_by_label("Prospect", exact=True).select_option("First meeting")
    page.get_by_label("Quote sent").select_option("Negotiation")
    page.get_by_label("Final negotiation").select_option("")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preset-preview")
    prospect_row = preview.get_by_role("row", name=re.compile(r"^Prospect "))
    expect(prospect_row).to_contain_text("→ First meeting")
    expect(prospect_row).to_contain_text("3,000.00")
    expect(preview.locator("tfoot")).to_contain_text("4")  # moved
    expect(preview.locator("tfoot")).to_contain_text("5,500.00")
    expect(preview.locator("tfoot")).to_contain_text("7,000.00")  # kept in its retired stage
    expect(page.locator("#preset-apply")).to_contain_text("1 closed deal keeps the stage")
    screenshot(page, "preset-preview")
    assert Stage.objects.get(name="Prospect").is_active  # a preview changes nothing

    page.get_by_role("button", name="Apply: load the preset and move the deals").click()
    expect(page.locator(".messagelist")).to_contain_text("4 open deals moved")
    screenshot(page, "preset-applied")

    for deal in prospects:
        deal.refresh_from_db()
        assert deal.stage.name == "First meeting" and deal.probability == 3
    quote.refresh_from_db()
    assert quote.stage.name == "Negotiation"
    lost.refresh_from_db()
    assert lost.stage.name == "Quote sent"  # closed: keeps the stage it was closed in

    # The board of everyone's deals: all five open deals, "Talks" in a retired column.
    visit(page, f"{live_server.url}/opportunities/board/?mine=", "preset-board")
    expect(page.locator(".board-summary")).to_contain_text("5 open deals")
    expect(page.locator(".board-summary")).to_contain_text("12,500.00")
    retired = page.locator(".retired-column")
    expect(retired).to_have_count(1)
    expect(retired).to_contain_text("Final negotiation")
    expect(retired.locator(f'[data-card="{talks.pk}"]')).to_be_visible()
    expect(page.locator("[data-card]")).to_have_count(5)
    screenshot(page, "preset-board-first-columns", full_page=False)

    # The list, the deal page and the funnel show it too, marked retired.
    retired_stage = Stage.objects.get(name="Final negotiation")
    visit(page, f"{live_server.url}/opportunities/?stage={retired_stage.pk}", "preset-list")
    expect(page.locator(".filters #id_stage")).to_contain_text("Final negotiation (retired)")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody .retired")).to_be_visible()
    visit(page, f"{live_server.url}{talks.get_absolute_url()}", "preset-deal-page")
    expect(page.locator("#information .retired")).to_be_visible()
    visit(page, f"{live_server.url}/reports/funnel/", "preset-funnel")
    expect(page.locator("#funnel-report")).to_contain_text("Final negotiation")
    expect(page.locator("#funnel-report .retired")).to_be_visible()
    visit(page, f"{live_server.url}/opportunities/board/?mine=", "preset-board")

    # The retired card moves on with its own control to an active stage.
    card = retired.locator(f'[data-card="{talks.pk}"]')
    card.locator("select").select_option(label="Negotiation 2")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(".retired-column")).to_have_count(0)
    screenshot(page, "preset-board-after-move")
    talks.refresh_from_db()
    assert talks.stage.name == "Negotiation 2"
