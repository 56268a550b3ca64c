"""Numbers typed in the deal, line and account forms are read in the user's language, shown in
it, and refused (with the typed text kept) where ambiguous or too large; never a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from opportunities.models import Opportunity

from ..factories import AccountFactory, OpportunityFactory, ProductFactory
from ..form_data import deal_form_data

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "sv", "nb", "pl", "de")
MILLION = {
    "en": "1,920,000.50",
    "sv": "1 920 000,50",
    "nb": "1 920 000,50",
    "pl": "1 920 000,50",
    "de": "1.920.000,50",
}
# Shown with the language's own no-break space between groups.
SHOWN = {language: text.replace(" ", "\xa0") for language, text in MILLION.items()}


def _deal_data(deal, **changes):
    return deal_form_data(deal, **{"amount": "0", **changes})


def _edit(client, deal, language, **changes):
    return client.post(
        reverse("opportunities:edit", args=[deal.pk]),
        _deal_data(deal, **changes),
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_deal_amount_is_read_in_the_users_language(client_for, salesperson, language):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1.00"))
    response = _edit(client_for(salesperson), deal, language, amount=MILLION[language])
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("1920000.50")


@pytest.mark.parametrize("language", LANGUAGES)
def test_deal_form_shows_the_amount_in_the_users_language(client_for, salesperson, language):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1920000.50"))
    page = client_for(salesperson).get(
        reverse("opportunities:edit", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert f'value="{SHOWN[language]}"' in page.text


@pytest.mark.parametrize(("language", "typed"), [("en", "800,000"), ("de", "800.000")])
def test_thousands_grouped_the_languages_way_save_as_thousands(
    client_for, salesperson, language, typed
):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1.00"))
    _edit(client_for(salesperson), deal, language, amount=typed)
    deal.refresh_from_db()
    assert deal.amount == Decimal("800000.00")


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "800.000"), ("sv", "800,000"), ("nb", "800,000"), ("pl", "800,000"), ("de", "800,000")],
)
def test_an_ambiguous_amount_is_refused_with_the_typed_text_kept(
    client_for, salesperson, language, typed
):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1.00"))
    response = _edit(client_for(salesperson), deal, language, amount=typed)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert f'value="{typed}"' in response.text
    deal.refresh_from_db()
    assert deal.amount == Decimal("1.00")


@pytest.mark.parametrize("typed", ["1e20", "NaN", "Infinity", "100000000000000000000", "-5"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_impossible_amount_is_a_field_error(client_for, salesperson, language, typed):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1.00"))
    response = _edit(client_for(salesperson), deal, language, amount=typed)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_probability_is_a_whole_number(client_for, salesperson, language):
    deal = OpportunityFactory(owner=salesperson)
    response = _edit(client_for(salesperson), deal, language, probability="33,5")
    assert response.status_code == 200
    assert response.context["form"].errors["probability"]


LINE = {
    "en": {"quantity": "1,500", "unit_price": "1,200.50", "discount_percent": "12.5"},
    "sv": {"quantity": "1 500", "unit_price": "1 200,50", "discount_percent": "12,5"},
    "nb": {"quantity": "1 500", "unit_price": "1 200,50", "discount_percent": "12,5"},
    "pl": {"quantity": "1 500", "unit_price": "1 200,50", "discount_percent": "12,5"},
    "de": {"quantity": "1.500", "unit_price": "1.200,50", "discount_percent": "12,5"},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_line_numbers_are_read_in_the_users_language(client_for, salesperson, language):
    deal = OpportunityFactory(owner=salesperson)
    product = ProductFactory(unit_cost=Decimal("100.00"))
    response = client_for(salesperson).post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": product.pk, **LINE[language], "unit_cost": "100"},
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    line = deal.lines.get()
    assert (line.quantity, line.unit_price, line.discount_percent) == (
        Decimal("1500"),
        Decimal("1200.50"),
        Decimal("12.5"),
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("1575656.25")  # 1500 × 1200.50 × 0.875


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_line_too_large_for_an_amount_is_a_field_error(client_for, salesperson, language):
    """10 × 999,999,999,999.99: each number fits its column, the line's total does not."""
    deal = OpportunityFactory(owner=salesperson)
    largest = {"en": "999,999,999,999.99", "de": "999.999.999.999,99"}.get(
        language, "999 999 999 999,99"
    )
    response = client_for(salesperson).post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": ProductFactory().pk, "quantity": "10", "unit_price": largest},
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert f'value="{largest}"' in response.text and "errorlist" in response.text
    assert not deal.lines.exists()


def test_lines_adding_up_to_more_than_an_amount_are_refused(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    line = {"product": ProductFactory().pk, "quantity": "1", "unit_price": "600000000000"}
    add = reverse("opportunities:line_add", args=[deal.pk])
    assert client.post(add, line, HTTP_HX_REQUEST="true").status_code == 200
    response = client.post(add, line, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert deal.lines.count() == 1
    assert Opportunity.objects.get(pk=deal.pk).amount == Decimal("600000000000.00")


ACCOUNT = {
    "en": ("1,920,000.50", "12,000"),
    "sv": ("1 920 000,50", "12 000"),
    "nb": ("1 920 000,50", "12 000"),
    "pl": ("1 920 000,50", "12 000"),
    "de": ("1.920.000,50", "12.000"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_account_revenue_and_employees_are_read_in_the_users_language(
    client_for, salesperson, language
):
    account = AccountFactory()
    revenue, employees = ACCOUNT[language]
    response = client_for(salesperson).post(
        reverse("accounts:edit", args=[account.pk]),
        {
            "name": account.name,
            "version": account.version,
            "yearly_revenue": revenue,
            "employees": employees,
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.context["form"].errors
    account = Account.objects.get(pk=account.pk)
    assert (account.yearly_revenue, account.employees) == (Decimal("1920000.50"), 12000)


@pytest.mark.parametrize("language", LANGUAGES)
def test_account_revenue_too_large_is_a_field_error(client_for, salesperson, language):
    account = AccountFactory()
    response = client_for(salesperson).post(
        reverse("accounts:edit", args=[account.pk]),
        {"name": account.name, "version": account.version, "yearly_revenue": "1e20"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["yearly_revenue"]
    assert 'value="1e20"' in response.text
