"""Issue 14, item 6: only a deal's owner and managers change its owner or co-responsible
users, and both changes are in the deal's history."""

import pytest
from django.urls import reverse

from opportunities.models import Opportunity

from ..factories import OpportunityFactory
from ..form_data import deal_form_data

pytestmark = pytest.mark.django_db


def _deal_form(deal, **changes):
    co_responsible = list(deal.co_responsible.values_list("pk", flat=True))
    return deal_form_data(deal, **{"co_responsible": co_responsible, **changes})


@pytest.fixture
def shared(salesperson, co_responsible):
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    return deal


def test_a_co_responsible_sees_owner_and_co_responsible_read_only(
    client_for, shared, co_responsible
):
    page = client_for(co_responsible).get(reverse("opportunities:edit", args=[shared.pk]))
    form = page.context["form"]
    assert form.fields["owner"].disabled and form.fields["co_responsible"].disabled
    assert "Only the owner and sales managers change this." in page.text


def test_a_co_responsible_cannot_take_the_deal_over(
    client_for, shared, salesperson, co_responsible
):
    client = client_for(co_responsible)
    url = reverse("opportunities:edit", args=[shared.pk])
    forged = _deal_form(shared, owner=co_responsible.pk)
    assert client.post(url, forged).status_code == 403
    forged = _deal_form(shared, co_responsible=[co_responsible.pk, salesperson.pk])
    assert client.post(url, forged).status_code == 403
    deal = Opportunity.objects.get(pk=shared.pk)
    assert deal.owner == salesperson and list(deal.co_responsible.all()) == [co_responsible]
    # Without those fields (as the browser sends the form) the rest still saves.
    data = {k: v for k, v in _deal_form(shared).items() if k not in ("owner", "co_responsible")}
    assert client.post(url, {**data, "next_step": "Call"}).status_code == 302
    assert Opportunity.objects.get(pk=shared.pk).next_step == "Call"


def test_a_co_responsible_cannot_reassign_in_bulk(client_for, shared, co_responsible):
    response = client_for(co_responsible).post(
        reverse("opportunities:bulk"),
        {
            "action": "owner",
            "owner": co_responsible.pk,
            "selected": [shared.pk],
            "seen": [f"{shared.pk}:{shared.version}"],
        },
    )
    assert response.status_code == 403
    assert Opportunity.objects.get(pk=shared.pk).owner_id != co_responsible.pk


def test_owner_and_co_responsible_changes_are_in_the_history(
    client_for, shared, salesperson, co_responsible, other_salesperson, manager
):
    client = client_for(salesperson)
    url = reverse("opportunities:edit", args=[shared.pk])
    response = client.post(url, _deal_form(shared, co_responsible=[other_salesperson.pk]))
    assert response.status_code == 302
    shared.refresh_from_db()
    client = client_for(manager)
    assert client.post(url, _deal_form(shared, owner=other_salesperson.pk)).status_code == 302
    page = client.get(shared.get_absolute_url())
    changes = [(c.label, c.old, c.new) for entry in page.context["history"] for c in entry.changes]
    assert ("owner", "Alice Andersson", "Charlie Carlsson") in changes
    # Django's `set()` removes, then adds: two entries.
    assert ("co-responsible", "Bob Berg", "—") in changes
    assert ("co-responsible", "—", "Charlie Carlsson") in changes
    assert "Charlie Carlsson" in page.text
