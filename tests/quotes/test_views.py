"""The quote pages: create from a deal, edit a draft, the deal page's section, permissions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from quotes import services
from quotes.models import Quote, QuoteLine

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_owner_creates_a_quote_from_the_deal_page(client_for, salesperson, deal):
    client = client_for(salesperson)
    page = client.get(deal.get_absolute_url())
    assert "New quote from the deal" in page.content.decode()
    response = client.post(reverse("quotes:create", args=[deal.pk]))
    quote = Quote.objects.get(opportunity=deal)
    assert response.status_code == 302
    assert response.url == quote.get_absolute_url()
    assert quote.amount == deal.amount
    detail = client.get(quote.get_absolute_url()).content.decode()
    assert "2,999.97" in detail  # 2 × 1,500 × 0.9 + 3 × 99.99
    assert quote.lines.count() == 2


def test_another_salesperson_may_not_create_or_edit(client_for, other_salesperson, deal, draft):
    client = client_for(other_salesperson)
    assert client.post(reverse("quotes:create", args=[deal.pk])).status_code == 403
    assert client.get(reverse("quotes:edit", args=[draft.pk])).status_code == 403
    line = draft.lines.first()
    assert client.post(reverse("quotes:line_remove", args=[draft.pk, line.pk])).status_code == 403
    assert client.get(reverse("quotes:send", args=[draft.pk])).status_code == 403
    assert client.post(reverse("quotes:revise", args=[draft.pk])).status_code == 403
    # …but sees the quote and its PDF, as everyone sees the deal.
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert Quote.objects.count() == 1


def test_missing_quote_is_404(client_for, salesperson):
    client = client_for(salesperson)
    assert client.get(reverse("quotes:detail", args=[999999])).status_code == 404
    assert client.get(reverse("quotes:pdf", args=[999999])).status_code == 404
    assert client.post(reverse("quotes:create", args=[999999])).status_code == 404


def test_manager_edits_a_draft_line(client_for, manager, draft):
    line = draft.lines.order_by("position").first()
    response = client_for(manager).post(
        reverse("quotes:line_edit", args=[draft.pk, line.pk]),
        {
            "product": line.product_id,
            "description": "Installation, on site",
            "quantity": "4",
            "unit_price": "1,250.50",
            "discount_percent": "0",
            "unit_cost": "700",
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    draft.refresh_from_db()
    assert (line.quantity, line.unit_price, line.description) == (
        Decimal("4"),
        Decimal("1250.50"),
        "Installation, on site",
    )
    assert draft.amount == Decimal("5002.00") + Decimal("299.97")


def test_bad_line_input_keeps_what_was_typed_and_saves_nothing(client_for, salesperson, draft):
    response = client_for(salesperson).post(
        reverse("quotes:line_add", args=[draft.pk]),
        {"product": ProductFactory().pk, "quantity": "1.2.3", "unit_price": "abc"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "1.2.3" in html and "abc" in html
    assert draft.lines.count() == 2


def test_adding_a_line_defaults_to_the_products_prices(client_for, salesperson, draft):
    product = ProductFactory(list_price=Decimal("250.00"), unit_cost=Decimal("100.00"))
    client_for(salesperson).post(
        reverse("quotes:line_add", args=[draft.pk]), {"product": product.pk, "quantity": "2"}
    )
    line = draft.lines.get(product=product)
    assert (line.unit_price, line.unit_cost, line.description) == (
        Decimal("250.00"),
        Decimal("100.00"),
        product.name,
    )
    draft.refresh_from_db()
    assert draft.amount == sum((line.total for line in draft.lines.all()), Decimal("0"))


def test_a_sent_quote_refuses_changes_and_offers_a_new_version(client_for, salesperson, draft):
    services.mark_sent(draft, user=salesperson)
    client = client_for(salesperson)
    line = draft.lines.first()
    client.post(
        reverse("quotes:line_edit", args=[draft.pk, line.pk]),
        {"product": line.product_id, "quantity": "99", "unit_price": "1", "unit_cost": "1"},
    )
    client.post(reverse("quotes:line_remove", args=[draft.pk, line.pk]))
    assert QuoteLine.objects.get(pk=line.pk).quantity == line.quantity
    response = client.post(reverse("quotes:revise", args=[draft.pk]))
    copy = Quote.objects.get(opportunity=draft.opportunity, version=2)
    assert response.url == copy.get_absolute_url()
    assert copy.status == Quote.Status.DRAFT


def test_editing_the_header_only_offers_the_deals_contacts(client_for, salesperson, draft):
    from ..factories import ContactFactory

    stranger = ContactFactory()
    response = client_for(salesperson).post(
        reverse("quotes:edit", args=[draft.pk]),
        {"contact": stranger.pk, "payment_terms": "10 days", "introduction": "Hello"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    draft.refresh_from_db()
    assert draft.contact != stranger
    response = client_for(salesperson).post(
        reverse("quotes:edit", args=[draft.pk]),
        {"contact": draft.contact_id, "payment_terms": "10 days", "introduction": "Hello"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.payment_terms, draft.introduction) == ("10 days", "Hello")


def test_deal_page_lists_its_quotes_with_status_and_pdf_link(client_for, other_salesperson, draft):
    html = client_for(other_salesperson).get(draft.opportunity.get_absolute_url()).content.decode()
    assert draft.get_absolute_url() in html
    assert reverse("quotes:pdf", args=[draft.pk]) in html
    assert "Draft" in html
    assert "New quote from the deal" not in html  # not hers to change


def test_history_shows_status_changes_with_who(client_for, salesperson, draft):
    services.mark_sent(draft, user=salesperson)
    html = client_for(salesperson).get(draft.get_absolute_url()).content.decode()
    assert "Alice Andersson" in html
    assert "Sent" in html
