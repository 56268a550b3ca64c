"""The admin is a form too: its money and number inputs are read in the user's language."""

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Product
from pipeline_crm.models import CompanySettings

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db

PRICE = {
    "en": "1,920,000.50",
    "sv": "1 920 000,50",
    "nb": "1 920 000,50",
    "pl": "1 920 000,50",
    "de": "1.920.000,50",
}


@pytest.mark.parametrize("language", sorted(PRICE))
def test_product_prices_are_read_in_the_users_language(client_for, admin_user, language):
    product = ProductFactory(name="Licence")
    url = reverse("admin:opportunities_product_change", args=[product.pk])
    client = client_for(admin_user)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert 'inputmode="decimal"' in page.text
    response = client.post(
        url,
        {
            "name": "Licence",
            "code": "",
            "group": "",
            "list_price": PRICE[language],
            "unit_cost": "0",
            "order": "1",
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Product.objects.get().list_price == Decimal("1920000.50")


@pytest.mark.parametrize(("language", "typed"), [("en", "800.000"), ("de", "800,000")])
def test_an_ambiguous_price_is_refused_in_the_admin(client_for, admin_user, language, typed):
    product = ProductFactory(name="Licence", list_price=Decimal("1.00"))
    response = client_for(admin_user).post(
        reverse("admin:opportunities_product_change", args=[product.pk]),
        {"name": "Licence", "list_price": typed, "unit_cost": "0", "order": "1"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["list_price"]
    assert Product.objects.get().list_price == Decimal("1.00")


def test_company_thresholds_are_read_in_the_users_language(client_for, admin_user):
    company = CompanySettings.load()
    url = reverse("admin:pipeline_crm_companysettings_change", args=[company.pk])
    form = client_for(admin_user).get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: "" if value is None else value for key, value in data.items()}
    data.update(budget_on_lower="92,5", budget_on_upper="107,5")
    response = client_for(admin_user).post(url, data, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 302, response.context["adminform"].form.errors
    company.refresh_from_db()
    assert (company.budget_on_lower, company.budget_on_upper) == (Decimal("92.5"), Decimal("107.5"))
