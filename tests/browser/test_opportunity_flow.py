"""A salesperson's deal: create it with two lines, drag it on the board, close it lost with a
reason, and read the whole story in its history."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity, Stage
from tests.factories import AccountFactory, LossReasonFactory, ProductFactory

from .helpers import htmx_settled, load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups()


def prospect(name: str, owner, account=None) -> Opportunity:
    """A deal in the first stage, at its default probability."""
    return Opportunity.objects.create(
        name=name,
        account=account or AccountFactory(owner=owner),
        owner=owner,
        stage=Stage.objects.get(name="Prospect"),
        probability=10,
        expected_close_date="2030-01-01",
    )


def test_create_deal_with_two_lines_drag_it_and_close_it_lost(
    page, live_server, login, salesperson
):
    account = AccountFactory(name="Fjordkraft AS", owner=salesperson)
    ProductFactory(name="Licence", list_price=Decimal("3000.00"), unit_cost=Decimal("500.00"))
    ProductFactory(name="Installation", list_price=Decimal("1200.00"), unit_cost=Decimal("800.00"))
    reason = LossReasonFactory(name="Price too high")
    login(page, live_server, salesperson)

    # From the account page: "Add opportunity" with the account's defaults.
    visit(page, f"{live_server.url}{account.get_absolute_url()}", "deal-account-page")
    page.locator("#opportunities").get_by_role("link", name="Add opportunity").click()
    expect(page.locator("#id_name")).to_have_value("Fjordkraft AS")
    page.fill("#id_name", "Fjordkraft pilot")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Fjordkraft pilot")
    deal = Opportunity.objects.get(name="Fjordkraft pilot")

    # Two lines, added without leaving the page.
    lines = page.locator("#lines")
    htmx_settled(page)
    lines.locator("#id_product").select_option(label="Licence")
    # Priced from the product.
    expect(lines.locator("#id_unit_price")).not_to_have_value("", timeout=10_000)
    lines.locator("#id_quantity").fill("10")
    lines.locator("#id_discount_percent").fill("10")
    lines.get_by_role("button", name="Add line").click()
    expect(page.locator("#lines-total")).to_contain_text("27,000.00")
    htmx_settled(page)
    page.locator("#lines #id_product").select_option(label="Installation")
    expect(page.locator("#lines #id_unit_price")).not_to_have_value("", timeout=10_000)
    page.locator("#lines #id_quantity").fill("1")
    page.locator("#lines").get_by_role("button", name="Add line").click()
    expect(page.locator("#lines-total")).to_contain_text("28,200.00")
    expect(page.locator("#summary-amount")).to_contain_text("28,200.00")
    screenshot(page, "deal-with-two-lines")
    deal.refresh_from_db()
    assert deal.amount == Decimal("28200.00")
    assert deal.margin == Decimal("22400.00")  # 10 × (2700 − 500) + (1200 − 800)

    # Drag the card from "Prospect" to "Short list" on the board.
    visit(page, f"{live_server.url}/opportunities/board/", "deal-board-before")
    card = page.locator(f'[data-card="{deal.pk}"]')
    target = Stage.objects.get(name="Short list")
    card.drag_to(page.locator(f'[data-drop-stage="{target.pk}"]'))
    expect(page.locator(f'[data-drop-stage="{target.pk}"] [data-card="{deal.pk}"]')).to_be_visible()
    screenshot(page, "deal-board-after")
    deal.refresh_from_db()
    assert deal.stage == target and deal.probability == 50

    # Close it lost: the reason is required.
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "deal-detail-open")
    page.get_by_role("link", name="Close as lost").click()
    page.fill("#id_report", "They chose a cheaper vendor")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#id_loss_reason")).to_be_visible()
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.locator("#id_report")).to_have_value("They chose a cheaper vendor")
    page.select_option("#id_loss_reason", label=reason.name)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Lost")

    # The history tells the story: lines, the board move, the loss.
    history = page.locator("#history")
    expect(history).to_contain_text("Line: Licence")
    expect(history).to_contain_text("board")
    expect(history).to_contain_text("Price too high")
    screenshot(page, "deal-history")
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.loss_reason) == ("lost", 0, reason)


def test_keyboard_move_without_a_mouse(page, live_server, login, salesperson):
    deal = prospect("Keyboard deal", salesperson)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}/opportunities/board/", "board-keyboard")
    card = page.locator(f'[data-card="{deal.pk}"]')
    card.locator("select[name=stage]").select_option(label="Quote sent")
    card.get_by_role("button", name="Move").click()
    quote = Stage.objects.get(name="Quote sent")
    moved = page.locator(f'[data-drop-stage="{quote.pk}"] [data-card="{deal.pk}"]')
    expect(moved).to_be_visible()
    expect(moved.locator("a").first).to_be_focused()  # the keyboard user stays on the card
    deal.refresh_from_db()
    assert deal.stage == quote and deal.probability == 25

    # A stage that needs a contact refuses the move, and says so where the user is.
    gated = Stage.objects.get(name="Short list")
    gated.requires_contact = True
    gated.save()
    page.reload()
    moved.locator("select[name=stage]").select_option(label="Short list")
    moved.get_by_role("button", name="Move").click()
    refusal = page.locator("#board [role=alert]")
    expect(refusal).to_contain_text("needs a contact")
    expect(refusal).to_be_focused()
    expect(refusal).to_be_in_viewport()
    deal.refresh_from_db()
    assert deal.stage == quote


def test_new_deal_finds_its_account_by_name(page, live_server, login, salesperson, monkeypatch):
    from accounts.widgets import AccountSelect

    monkeypatch.setattr(AccountSelect, "limit", 2)  # the account is not among the first listed
    AccountFactory(name="Aabygg AB")
    AccountFactory(name="Abisko AB")
    AccountFactory(name="Övre Fjällkraft AB")
    login(page, live_server, salesperson)

    visit(page, f"{live_server.url}/opportunities/new/", "deal-new-account-search")
    account = page.locator("#id_account")
    expect(account.locator("option", has_text="Övre Fjällkraft AB")).to_have_count(0)
    page.get_by_placeholder("Find an account by name").fill("fjällkraft")
    expect(account.locator("option", has_text="Övre Fjällkraft AB")).to_have_count(1)
    account.select_option(label="Övre Fjällkraft AB")
    expect(page.locator("#id_name")).to_have_value("Övre Fjällkraft AB")  # from the account
    page.fill("#id_name", "Fjällkraft expansion")
    screenshot(page, "deal-new-account-found")
    page.locator("form.stacked button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text("Fjällkraft expansion")
    assert Opportunity.objects.get(name="Fjällkraft expansion").account.name == "Övre Fjällkraft AB"


def test_select_all_then_move_the_page_in_bulk(page, live_server, login, salesperson):
    account = AccountFactory(owner=salesperson)
    for name in ("Alpha", "Beta", "Gamma"):
        prospect(name, salesperson, account)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}/opportunities/", "deal-list-bulk")
    bar = page.locator("#bulk-form")
    expect(bar.locator("select[name=owner]")).to_be_hidden()  # "Change stage" is chosen
    page.locator("input.js-select-all").check()
    expect(page.locator("input[name=selected]:checked")).to_have_count(3)
    page.locator("input[name=selected]").first.uncheck()
    expect(page.locator("input.js-select-all")).not_to_be_checked()
    page.locator("input.js-select-all").check()
    bar.locator("select[name=stage]").select_option(label="Quote sent")
    screenshot(page, "deal-list-bulk-selected")
    bar.get_by_role("button", name="Apply").click()
    expect(page.locator(".message.success")).to_contain_text("3 deals moved.")
    assert set(Opportunity.objects.values_list("stage__name", "probability")) == {
        ("Quote sent", 25)
    }


def test_a_refused_line_shows_why_and_keeps_what_was_typed(page, live_server, login, salesperson):
    ProductFactory(name="Licence", list_price=Decimal("3000.00"))
    deal = prospect("Line check", salesperson)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "deal-line-refused-before")
    lines = page.locator("#lines")
    lines.locator("#id_product").select_option(label="Licence")
    expect(lines.locator("#id_unit_price")).not_to_have_value("")
    lines.locator("#id_quantity").fill("1")
    lines.locator("#id_discount_percent").fill("150")
    lines.get_by_role("button", name="Add line").click()
    expect(page.locator("#lines .errorlist")).to_be_visible()
    expect(page.locator("#lines #id_discount_percent")).to_have_value("150")
    screenshot(page, "deal-line-refused")
    assert not deal.lines.exists()


def test_the_form_shows_the_probability_the_stage_gives(page, live_server, login, salesperson):
    account = AccountFactory(name="Probability AB", owner=salesperson)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}/opportunities/new/?account={account.pk}", "deal-new-stage")
    probability = page.locator("#id_probability")
    page.select_option("#id_stage", label="Quote sent")
    expect(probability).to_have_value("25")
    page.select_option("#id_stage", label="Short list")
    expect(probability).to_have_value("50")
    probability.fill("33")  # the user's own: a stage change keeps it
    page.select_option("#id_stage", label="Quote sent")
    expect(probability).to_have_value("33")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Probability AB")
    deal = Opportunity.objects.get(account=account)
    assert (deal.stage.name, deal.probability, deal.is_probability_manual) == (
        "Quote sent",
        33,
        True,
    )
