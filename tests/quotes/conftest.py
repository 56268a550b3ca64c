from decimal import Decimal

import pytest

from opportunities import services as deal_services
from opportunities.models import OpportunityLine
from quotes import services

from ..factories import ContactFactory, OpportunityFactory, ProductFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Sent PDFs are stored as documents: in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def deal_with_lines(owner, *lines, **deal):
    """An open deal of `owner` with lines (quantity, unit price, discount %, unit cost)."""
    opportunity = OpportunityFactory(owner=owner, **deal)
    for quantity, price, discount, cost in lines:
        deal_services.add_line(
            opportunity,
            OpportunityLine(
                product=ProductFactory(),
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                discount_percent=Decimal(discount),
                unit_cost=Decimal(cost),
            ),
            user=owner,
        )
    opportunity.refresh_from_db()
    return opportunity


@pytest.fixture
def deal(salesperson):
    opportunity = deal_with_lines(
        salesperson, ("2", "1500.00", "10", "800.00"), ("3", "99.99", "0", "20.00")
    )
    contact = ContactFactory(account=opportunity.account, first_name="Eva", last_name="Ek")
    opportunity.contacts.add(contact)
    return opportunity


@pytest.fixture
def draft(deal, salesperson):
    return services.create_quote(deal, user=salesperson)
