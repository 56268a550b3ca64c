"""Issue 15.2: a page shows its history a page at a time ("Older changes"): 3,000 changes of
a deal made a 2.5 MB deal page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from activities.models import Activity
from opportunities.models import Opportunity, OpportunityLine
from pipeline_crm.history import HISTORY_PAGE

from ..factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
    add_history_records,
)

pytestmark = pytest.mark.django_db


def _all_pages(client, obj, url_name: str) -> list:
    """Every entry the page and its "Older changes" links show, in order."""
    response = client.get(obj.get_absolute_url())
    entries, older = list(response.context["history"]), response.context["history"].older
    url = reverse(url_name, args=[obj.pk])
    assert (f"{url}?before={older}" in response.text) == bool(older)
    while older:
        response = client.get(url, {"before": older}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "<html" not in response.text
        page = response.context["history"]
        assert len(page) <= HISTORY_PAGE
        entries += list(page)
        older = page.older
    return entries


def test_a_long_deal_history_comes_a_page_at_a_time(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    line = OpportunityLine.objects.create(
        opportunity=deal, product=ProductFactory(), unit_price=Decimal("10.00")
    )
    add_history_records(deal, 120, change="amount")
    # The lines' changes interleave with the deal's, some at the very same moments.
    add_history_records(line, 40, change="unit_price", seconds=3)
    client = client_for(salesperson)
    first = client.get(deal.get_absolute_url()).context["history"]
    assert len(first) == HISTORY_PAGE and first.older

    entries = _all_pages(client, deal, "opportunities:history")

    ids = [(entry.object_label, entry.history_id) for entry in entries]
    assert len(ids) == len(set(ids))  # nothing twice
    # Every change once: 120 to the deal's amount and 40 to the line's price (each compared
    # with the record before it, also across pages), and the price the line was created with.
    amounts = [c for e in entries for c in e.changes if c.label == "amount"]
    prices = [c for e in entries for c in e.changes if c.label == "unit price"]
    assert len(amounts) == 120 and len(prices) == 41
    assert amounts[0].new == "1,119.00" and amounts[-1].new == "1,000.00"
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    assert {e.kind for e in entries} >= {"created"}


@pytest.mark.parametrize("records", [HISTORY_PAGE + 5, 400])
def test_the_deal_page_runs_the_same_queries_and_stays_small(
    client_for, salesperson, django_assert_max_num_queries, records
):
    deal = OpportunityFactory(owner=salesperson)
    add_history_records(deal, records, change="amount")
    client = client_for(salesperson)
    client.get(deal.get_absolute_url())  # fills the lookup caches
    with django_assert_max_num_queries(16):
        response = client.get(deal.get_absolute_url())
    assert len(response.content) < 200_000
    with django_assert_max_num_queries(9):
        response = client.get(
            reverse("opportunities:history", args=[deal.pk]),
            {"before": response.context["history"].older},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200


def test_3000_changes_make_a_small_deal_page(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, description="x" * 500)
    add_history_records(deal, 3000, change="description")
    response = client_for(salesperson).get(deal.get_absolute_url())
    assert len(response.content) < 250_000  # was 2.5 MB


@pytest.mark.parametrize(
    ("factory", "change", "url_name"),
    [
        (AccountFactory, "name", "accounts:history"),
        (ContactFactory, "last_name", "contacts:history"),
        (ActivityFactory, "subject", "activities:history"),
    ],
)
def test_every_page_with_a_history_pages_it(factory, change, url_name, client_for, salesperson):
    obj = factory()
    add_history_records(obj, HISTORY_PAGE + 10, change=change)
    entries = _all_pages(client_for(salesperson), obj, url_name)
    assert len([c for e in entries for c in e.changes if c.label == change.replace("_", " ")]) == (
        HISTORY_PAGE + 10
    )


def test_the_account_page_pages_its_contacts_history_too(client_for, salesperson):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    add_history_records(contact, HISTORY_PAGE, change="last_name")
    entries = _all_pages(client_for(salesperson), account, "accounts:history")
    assert len([e for e in entries if e.object_label.startswith("Contact")]) == HISTORY_PAGE + 1


def test_without_htmx_older_changes_are_a_page_of_their_own(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, name="Pilot")
    add_history_records(deal, HISTORY_PAGE + 5, change="amount")
    client = client_for(salesperson)
    older = client.get(deal.get_absolute_url()).context["history"].older
    response = client.get(reverse("opportunities:history", args=[deal.pk]), {"before": older})
    assert response.status_code == 200
    assert "<html" in response.text and "Pilot" in response.text
    assert response["Vary"].count("HX-Request")


@pytest.mark.parametrize(
    "before", ["abc", "1-2", "1-2-3-4", "²-0-1", "-1-0-1", "9" * 30 + "-0-1", "1-0-" + "9" * 25]
)
def test_a_bad_position_is_a_400(before, client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    response = client_for(salesperson).get(
        reverse("opportunities:history", args=[deal.pk]), {"before": before}
    )
    assert response.status_code == 400


def test_a_position_far_off_is_an_empty_page(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    url = reverse("opportunities:history", args=[deal.pk])
    client = client_for(salesperson)
    assert client.get(url, {"before": "0-0-0"}, HTTP_HX_REQUEST="true").status_code == 200
    assert client.get(url, {"before": "99999999999999999-0-1"}).status_code == 200


def test_history_of_a_missing_object_is_a_404(client_for, salesperson):
    for name in ("opportunities:history", "accounts:history", "activities:history"):
        assert client_for(salesperson).get(reverse(name, args=[987654])).status_code == 404
    assert not (Opportunity.objects.exists() or Account.objects.exists())
    assert not (Activity.objects.exists() or Contact.objects.exists())
