"""Choosing an account on the deal, contact and activity forms without listing every account."""

import pytest
from django.urls import reverse

from accounts.widgets import AccountSelect
from opportunities.forms import OpportunityForm

from ..factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_deal_form_lists_a_first_page_of_accounts_and_the_chosen_one(
    client_for, salesperson, monkeypatch
):
    monkeypatch.setattr(AccountSelect, "limit", 3)
    for n in range(6):
        AccountFactory(name=f"Account {n}")
    chosen = AccountFactory(name="Zeta Bygg AB")
    deal = OpportunityFactory(owner=salesperson, account=chosen)

    html = client_for(salesperson).get(reverse("opportunities:edit", args=[deal.pk])).text
    select = html[
        html.index('<select name="account"') : html.index(
            "</select>", html.index('<select name="account"')
        )
    ]

    assert f'<option value="{chosen.pk}" selected>Zeta Bygg AB</option>' in select
    assert "Account 0" in select and "Account 2" in select and "Account 3" not in select
    assert reverse("accounts:options") in html


def test_options_find_accounts_by_name_and_keep_the_chosen_one_first(client_for, salesperson):
    chosen = AccountFactory(name="Älvkraft AB")
    AccountFactory(name="Fjällbygg AB")
    AccountFactory(name="<b>Bygg</b> & Co")
    AccountFactory(name="Havsdata AB")

    response = client_for(salesperson).get(
        reverse("accounts:options"), {"q": "bygg", "field": "log-account", "log-account": chosen.pk}
    )
    options = response.text

    assert options.index(f'<option value="{chosen.pk}" selected>Älvkraft AB</option>') < (
        options.index("Fjällbygg AB")
    )
    assert "&lt;b&gt;Bygg&lt;/b&gt; &amp; Co" in options
    assert "Havsdata AB" not in options


def test_options_say_when_nothing_matches(client_for, salesperson):
    response = client_for(salesperson).get(reverse("accounts:options"), {"q": "nothing"})
    assert "No account matches." in response.text


def test_an_account_beyond_the_listed_ones_is_accepted(salesperson, monkeypatch):
    monkeypatch.setattr(AccountSelect, "limit", 1)
    far = AccountFactory(name="Ö-later AB")  # beyond the first page of options
    deal = OpportunityFactory(owner=salesperson)
    data = {
        "account": far.pk,
        "name": deal.name,
        "owner": salesperson.pk,
        "stage": deal.stage_id,
        "probability": deal.probability,
        "amount": "100.00",
        "expected_close_date": deal.expected_close_date.isoformat(),
        "version": deal.version,
    }
    bound = OpportunityForm(data, instance=deal)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["account"] == far
