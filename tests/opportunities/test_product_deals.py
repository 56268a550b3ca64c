"""The list filtered by a product: its footer equals a deal-by-deal recount on both databases,
and on PostgreSQL the kept (product, deal) rows (`opportunities.product_deals`) and their sums
per product (`kept_sums.BY_PRODUCT`) follow every write of a line or a deal."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from opportunities import kept_sums, product_deals
from opportunities.checks import product_deals_agree, product_deals_triggers
from opportunities.models import ForecastCategory, Opportunity, OpportunityLine
from opportunities.services import add_line, close_lost, close_won, remove_line

from ..factories import LossReasonFactory, OpportunityFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the products' deals are kept on PostgreSQL"
)


def line(deal, product, quantity="1", price="100.00", user=None):
    return add_line(
        deal,
        OpportunityLine(
            opportunity=deal,
            product=product,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            discount_percent=Decimal("0"),
            unit_cost=Decimal("10.00"),
        ),
        user=user,
    )


@pytest.fixture
def products(salesperson):
    """Two products on deals open, won, lost and out of the forecast; one deal with two lines
    of the same product."""
    first, second = ProductFactory(name="Scanner"), ProductFactory(name="Licence")
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    deals = [OpportunityFactory(owner=salesperson, probability=10 * (n + 1)) for n in range(6)]
    line(deals[0], first, "2")
    line(deals[0], first, "1", "50.00")  # the same product twice: one deal
    line(deals[1], first)
    line(deals[1], second, "3")
    line(deals[2], second)
    line(deals[3], first, "4", "25.50")
    line(deals[4], first)
    Opportunity.objects.filter(pk=deals[4].pk).update(forecast_category=omitted)
    won, lost = (Opportunity.objects.get(pk=deals[n].pk) for n in (1, 3))
    close_won(won, user=salesperson, seen_version=won.version)
    close_lost(lost, user=salesperson, loss_reason=LossReasonFactory(), seen_version=lost.version)
    return first, second


def recount(product, status=None) -> dict:
    deals = Opportunity.objects.filter(lines__product=product).distinct()
    if status:
        deals = deals.filter(status=status)
    deals = list(deals.select_related("forecast_category"))
    listed = [
        deal
        for deal in deals
        if deal.status == "open"
        and (deal.forecast_category is None or deal.forecast_category.counts_in_forecast)
    ]
    return {
        "count": len(deals),
        "amount": sum((deal.amount for deal in deals), Decimal("0.00")),
        "weighted": sum((deal.weighted_amount for deal in listed), Decimal("0.00")),
    }


def footer(client, product, **more) -> dict:
    response = client.get(LIST, {"product": product.pk, **more})
    table = response.context["table"]
    ids = sorted(row.pk for row in table.page.object_list.data)
    deals = Opportunity.objects.filter(lines__product=product, **more_of_the_deals(more))
    assert ids == sorted(deals.values_list("pk", flat=True).distinct())
    part = table.data.parts[0] if table.data.parts else None
    if isinstance(part, kept_sums.KeptPart):  # the kept figures, not a recount of the page's
        assert part.totals(listed=True) == response.context["totals"]
    return response.context["totals"]


def more_of_the_deals(more: dict) -> dict:
    return {"status": more["status"]} if more.get("status") else {}


@pytest.fixture(params=[True, False], ids=["kept sums", "pairs"])
def kept(request, settings):
    """The footer from the sums kept per product (PostgreSQL), or from the (product, deal)
    pairs themselves (`KEPT_SUMS = False`; SQLite sums the deals either way)."""
    settings.KEPT_SUMS = request.param
    return request.param


def test_the_product_footer_equals_a_recount(client_for, manager, products, kept):
    client = client_for(manager)
    for status, sort in itertools.product(["", "open", "won"], ["", "stage", "-amount"]):
        for product in products:
            assert footer(client, product, sort=sort, status=status) == recount(product, status)


def test_the_footer_follows_every_write_of_a_line_or_a_deal(
    client_for, manager, salesperson, products, kept
):
    first, second = products
    client = client_for(manager)
    deal = Opportunity.objects.filter(status="open", lines__product=first).first()
    twice = OpportunityLine.objects.filter(product=first).order_by("pk").first()

    line(deal, second, "7")  # a line added: the deal's amount changes
    remove_line(twice, user=salesperson)  # one of its two lines of the product
    OpportunityLine.objects.filter(
        pk=OpportunityLine.objects.filter(product=second).order_by("pk").values("pk")[:1]
    ).update(product=first)  # a line moved to another product
    Opportunity.objects.filter(pk=deal.pk).update(forecast_category=None, weighted_amount=9)
    Opportunity.objects.filter(lines__product=second).first().delete()

    for product in products:
        assert footer(client, product) == recount(product)
    if connection.vendor == "postgresql":
        assert product_deals.wrong_pairs() == []
        assert kept_sums.BY_PRODUCT.differences() == []


@ON_POSTGRESQL
def test_the_footer_reads_the_kept_sums_only_for_a_product_alone(rf, manager, products, kept):
    """Kept per product: a product alone or with a status reads them (`footer_parts`); off,
    the pairs of a product alone (`totals_source`). Any other filter sums the deals."""
    from opportunities.filters import OpportunityFilter

    def filters(**data):
        request = rf.get(LIST)
        request.user = manager
        return OpportunityFilter(data, queryset=Opportunity.objects.all(), request=request)

    def read_kept(**data) -> bool:
        return any(isinstance(part, kept_sums.KeptPart) for part in filters(**data).footer_parts())

    def read_pairs(**data) -> bool:
        return isinstance(filters(**data).totals_source(), product_deals.ProductTotals)

    product = products[0].pk
    assert read_kept(product=product) is kept
    assert read_kept(product=product, status="open") is kept
    assert not read_kept(product=product, owner=manager.pk)
    assert read_pairs(product=product) is not kept
    assert not read_pairs(product=product, status="open")


@ON_POSTGRESQL
def test_check_reports_a_missing_trigger_and_a_wrong_row(products):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {product_deals.TABLE} SET amount = amount + 1")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending events before ALTER
        cursor.execute(f"ALTER TABLE {product_deals.LINES} DISABLE TRIGGER line_product_deal_move")

    assert [e.id for e in product_deals_triggers(databases=["default"])] == ["opportunities.E006"]
    assert [e.id for e in product_deals_agree(databases=["default"])] == ["opportunities.E007"]
    call_command("rebuild_product_deals", stdout=None)
    assert product_deals_triggers(databases=["default"]) == []
    assert product_deals_agree(databases=["default"]) == []


def test_switched_off_the_footer_sums_the_deals(client_for, manager, settings, products):
    settings.PRODUCT_DEALS = False
    response = client_for(manager).get(LIST, {"product": products[0].pk})

    assert response.context["totals"] == recount(products[0])
    assert not isinstance(response.context["filter"].totals_source(), product_deals.ProductTotals)


def test_a_won_deal_keeps_its_lines_in_the_footer(client_for, manager, products):
    won = Opportunity.objects.filter(status="won").get()
    Opportunity.objects.filter(pk=won.pk).update(closed_date=datetime.date(2026, 1, 2))

    assert footer(client_for(manager), products[1]) == recount(products[1])
