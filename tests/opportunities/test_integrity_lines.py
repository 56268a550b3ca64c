"""Issue 14, item 12: the first line replaces a typed amount only after the deal page says
so, and the typed amount stays in the history; removing the last line keeps the sum, as the
page says too."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ..factories import OpportunityFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_the_line_form_says_a_typed_amount_will_be_replaced(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("150000.00"))
    page = client_for(salesperson).get(deal.get_absolute_url()).text
    assert "The typed amount 150,000.00 will be replaced by the sum of the lines" in page


def test_the_first_line_keeps_the_typed_amount_in_the_history(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("150000.00"))
    product = ProductFactory(list_price=Decimal("16800.00"))
    client = client_for(salesperson)
    response = client.post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": product.pk, "quantity": "1", "discount_percent": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert "Removing the last line keeps the amount at the sum of the lines" in response.text
    assert "will be replaced" not in response.text
    page = client.get(deal.get_absolute_url())
    changes = [(c.label, c.old, c.new) for entry in page.context["history"] for c in entry.changes]
    assert ("amount", "150,000.00", "16,800.00") in changes
    deal.refresh_from_db()
    assert deal.history.filter(amount=Decimal("150000.00")).exists()


def test_removing_the_last_line_keeps_the_sum(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("150000.00"))
    client = client_for(salesperson)
    client.post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": ProductFactory(list_price=Decimal("16800.00")).pk, "quantity": "1"},
    )
    line = deal.lines.get()
    client.post(reverse("opportunities:line_remove", args=[deal.pk, line.pk]))
    deal.refresh_from_db()
    assert (deal.amount, deal.has_lines, deal.margin) == (Decimal("16800.00"), False, None)
    page = client.get(reverse("opportunities:edit", args=[deal.pk]))
    assert not page.context["form"].fields["amount"].disabled  # typed again from here
