"""Adding a line: the product's list price and unit cost are shown and filled in, and a price
under cost is warned of next to the field, without stopping the line (issue 17.8)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ..factories import OpportunityFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(salesperson):
    return OpportunityFactory(owner=salesperson)


@pytest.fixture
def licence():
    return ProductFactory(
        name="Licence", list_price=Decimal("3000.00"), unit_cost=Decimal("500.00")
    )


def _preview(client, deal, **data):
    return client.get(reverse("opportunities:line_preview", args=[deal.pk]), data)


def test_choosing_a_product_fills_in_and_shows_its_prices(client_for, salesperson, deal, licence):
    response = _preview(client_for(salesperson), deal, product=licence.pk, quantity="1")
    html = response.text

    assert response.status_code == 200
    assert 'name="unit_price" value="3,000.00"' in html
    assert 'name="unit_cost" value="500.00"' in html
    assert "List price 3,000.00 · unit cost 500.00" in html
    assert f'name="priced_product" value="{licence.pk}"' in html
    assert "line-margin-warning" not in html


def _priced_preview(client, deal, product, *, unit_price):
    """The preview of 2 × `product` at `unit_price` and cost 500, the product already priced."""
    return _preview(
        client,
        deal,
        product=product.pk,
        priced_product=product.pk,
        quantity="2",
        unit_price=unit_price,
        unit_cost="500",
    ).text


def test_a_price_typed_after_the_product_is_kept(client_for, salesperson, deal, licence):
    html = _priced_preview(client_for(salesperson), deal, licence, unit_price="2500")

    assert 'name="unit_price" value="2500"' in html


def test_a_price_under_cost_is_warned_of_next_to_the_field(client_for, salesperson, deal, licence):
    html = _priced_preview(client_for(salesperson), deal, licence, unit_price="400")

    assert 'id="line-margin-warning"' in html
    assert "margin is -200.00" in html


def test_a_line_under_cost_can_still_be_added(client_for, salesperson, deal, licence):
    client_for(salesperson).post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": licence.pk, "quantity": "1", "unit_price": "400", "unit_cost": "500"},
    )

    assert deal.lines.get().margin == Decimal("-100.00")


def test_an_unfinished_line_shows_no_errors_while_typed(client_for, salesperson, deal):
    html = _preview(client_for(salesperson), deal, quantity="x").text

    assert "errorlist" not in html


def test_an_outsider_may_not_preview(client_for, other_salesperson, deal, licence):
    assert _preview(client_for(other_salesperson), deal, product=licence.pk).status_code == 403
