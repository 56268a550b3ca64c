"""A salesperson's quote: create it from the deal's lines, edit a line, send it, open its PDF,
record the customer's yes and close the deal won."""

from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from forecasting.models import SavedReport
from opportunities import services as deal_services
from opportunities.models import Opportunity, OpportunityLine
from quotes.models import Quote
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, ProductFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database, settings, tmp_path):
    load_shipped_lookups()
    settings.MEDIA_ROOT = tmp_path / "media"


def test_create_edit_send_pdf_accept_and_win(page, live_server, login, salesperson):
    account = AccountFactory(name="Fjordkraft AS", owner=salesperson)
    contact = ContactFactory(account=account, first_name="Eva", email="eva@fjordkraft.example")
    deal = OpportunityFactory(owner=salesperson, account=account, name="Fjordkraft pilot")
    deal.contacts.add(contact)
    for name, quantity, price in (("Licence", "10", "3000.00"), ("Installation", "1", "1200.00")):
        deal_services.add_line(
            deal,
            OpportunityLine(
                product=ProductFactory(name=name, unit_cost=Decimal("500.00")),
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
            ),
            user=salesperson,
        )
    login(page, live_server, salesperson)

    # Create: from the deal page, its lines copied.
    visit(page, f"{live_server.url}{deal.get_absolute_url()}", "quote-deal-page")
    page.get_by_role("button", name="New quote from the deal's lines").click()
    expect(page.locator("h1")).to_contain_text("Draft quote v1")
    expect(page.locator("#lines-total")).to_contain_text("31,200.00")
    quote = Quote.objects.get(opportunity=deal)

    # Edit: a line's quantity and discount.
    page.locator("#lines tr", has_text="Licence").get_by_role("link", name="Edit").click()
    page.fill("#id_quantity", "12")
    page.fill("#id_discount_percent", "12.5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#lines-total")).to_contain_text("32,700.00")  # 12 × 2,625 + 1,200
    screenshot(page, "quote-draft")

    # Send: the contact's address is offered; the quote gets its number.
    page.get_by_role("link", name="Send").first.click()
    expect(page.locator("#id_to")).to_have_value("eva@fjordkraft.example")
    page.locator("form.stacked").get_by_role("button", name="Send").click()
    expect(page.locator("#quote-status")).to_contain_text("Sent")
    quote.refresh_from_db()
    expect(page.locator("h1")).to_contain_text(quote.number)
    assert [message.to for message in mail.outbox] == [["eva@fjordkraft.example"]]
    screenshot(page, "quote-sent")

    # The PDF link answers with the PDF itself.
    href = page.locator("#quote-pdf").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == mail.outbox[0].attachments[0][1]

    # Accept: the deal takes the quote's lines; close it won through the close page.
    page.get_by_role("button", name="Accepted").click()
    expect(page.locator("h1")).to_contain_text("Close as won")
    expect(page.locator(".messages")).to_contain_text("accepted")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Won")
    expect(page.locator("#quotes")).to_contain_text("Accepted")
    screenshot(page, "quote-deal-won")
    deal = Opportunity.objects.get(pk=deal.pk)
    assert (deal.status, deal.amount) == ("won", Decimal("32700.00"))


def test_quote_report_from_the_reports_page_saved_and_reopened(page, live_server, login, manager):
    login(page, live_server, manager)
    visit(page, f"{live_server.url}/reports/", "reports-index-quotes")
    page.get_by_role("link", name="Quote results").click()
    expect(page.locator("h1")).to_contain_text("Quote results")
    page.locator("details.save-report summary").click()
    page.fill("#id_name", "Our quotes this quarter")
    page.check("#id_is_shared")
    page.locator("details.save-report button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Quote results")
    screenshot(page, "quote-report-saved")
    saved = SavedReport.objects.get(name="Our quotes this quarter")
    assert (saved.kind, saved.is_shared) == ("quotes", True)
    visit(page, f"{live_server.url}/reports/", "reports-index-saved-quotes")
    page.get_by_role("link", name="Our quotes this quarter").click()
    expect(page.locator("h1")).to_contain_text("Quote results")
    assert page.url.endswith(f"?{saved.query}")
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"quote-report-{width}", full_page=False)
        page.goto(f"{live_server.url}/reports/")
        screenshot(page, f"reports-index-{width}", full_page=False)
        page.go_back()
