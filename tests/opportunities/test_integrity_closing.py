"""Issue 14, items 4 and 5: closing, reopening and what a closed deal keeps."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, Stage
from pipeline_crm.history import Origin

from ..factories import ContactFactory, LossReasonFactory, OpportunityFactory, StageFactory
from ..form_data import deal_form_data

pytestmark = pytest.mark.django_db


def _won(deal, user):
    return services.close_won(deal, user=user, seen_version=deal.version)


def test_reopen_refuses_a_gated_stage_without_its_gate(client_for, salesperson):
    gated = StageFactory(name="Needs a contact", order=7, requires_contact=True)
    deal = _won(OpportunityFactory(owner=salesperson), salesperson)
    response = client_for(salesperson).post(
        reverse("opportunities:reopen", args=[deal.pk]),
        {"stage": gated.pk, "version": deal.version},
    )
    assert response.status_code == 200 and "needs a contact first" in response.text
    assert Opportunity.objects.get(pk=deal.pk).status == "won"
    deal.contacts.add(ContactFactory(account=deal.account))
    services.reopen(deal, user=salesperson, stage=gated, seen_version=deal.version)
    assert (deal.status, deal.stage) == ("open", gated)


def test_a_closed_deal_cannot_be_closed_again(client_for, salesperson):
    deal = _won(OpportunityFactory(owner=salesperson), salesperson)
    client = client_for(salesperson)
    response = client.post(
        reverse("opportunities:close_lost", args=[deal.pk]),
        {"loss_reason": LossReasonFactory().pk, "closed_date": "2026-11-23", "version": 2},
    )
    assert response.status_code == 200 and "already closed" in response.text
    response = client.post(
        reverse("opportunities:close_won", args=[deal.pk]),
        {"closed_date": "2026-11-01", "version": 2},
    )
    assert response.status_code == 200 and "already closed" in response.text
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.version) == ("won", None, 2)


def test_a_closed_deals_figures_are_read_only_until_it_is_reopened(client_for, salesperson):
    deal = _won(OpportunityFactory(owner=salesperson, amount=Decimal("178.00")), salesperson)
    client = client_for(salesperson)
    page = client.get(reverse("opportunities:edit", args=[deal.pk]))
    form = page.context["form"]
    assert all(form.fields[name].disabled for name in services.CLOSED_FIELDS)
    assert "reopen it to change this" in page.text
    # A browser leaves disabled fields out: the rest (a description) still saves.
    data = {k: v for k, v in deal_form_data(deal).items() if k not in services.CLOSED_FIELDS}
    response = client.post(
        reverse("opportunities:edit", args=[deal.pk]), {**data, "description": "Signed"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    # A forged amount is refused next to the field, not ignored.
    response = client.post(
        reverse("opportunities:edit", args=[deal.pk]), deal_form_data(deal, amount="9999999.00")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "The deal is closed: reopen it to change this."
    ]
    deal.refresh_from_db()
    assert (deal.amount, deal.description, deal.status) == (Decimal("178.00"), "Signed", "won")


def test_the_service_refuses_to_change_a_closed_deals_figures(salesperson):
    deal = _won(OpportunityFactory(owner=salesperson, amount=Decimal("178.00")), salesperson)
    deal.amount = Decimal("9999999.00")
    with pytest.raises(services.RuleError, match="reopen it to change its amount"):
        services.save_opportunity(
            deal, user=salesperson, previous_stage=deal.stage, seen_version=deal.version
        )
    assert Opportunity.objects.get(pk=deal.pk).amount == Decimal("178.00")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_a_closed_date_out_of_bounds_is_a_field_error(client_for, salesperson, day):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    for url, extra in (
        ("opportunities:close_won", {}),
        ("opportunities:close_lost", {"loss_reason": LossReasonFactory().pk}),
    ):
        response = client.post(
            reverse(url, args=[deal.pk]), {"closed_date": day, "version": 1, **extra}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["closed_date"]
    assert Opportunity.objects.get(pk=deal.pk).status == "open"


def test_a_closed_date_ahead_of_today_is_accepted(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client_for(salesperson).post(
        reverse("opportunities:close_won", args=[deal.pk]),
        {"closed_date": "2199-12-31", "version": 1},
    )
    assert Opportunity.objects.get(pk=deal.pk).closed_date == date(2199, 12, 31)


def test_reopening_gives_back_the_hand_set_probability(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, probability=61, is_probability_manual=True)
    _won(deal, salesperson)
    assert (deal.probability, deal.is_probability_manual) == (100, False)
    client = client_for(salesperson)
    client.post(reverse("opportunities:reopen", args=[deal.pk]), {"version": deal.version})
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.is_probability_manual) == ("open", 61, True)
    quote = Stage.objects.get(name="Quote sent")
    client.post(
        reverse("opportunities:move", args=[deal.pk]),
        {"stage": quote.pk, "version": deal.version, "query": ""},
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.probability) == (quote, 61)


def test_reopening_a_deal_that_followed_its_stage_gives_the_stage_default(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    services.close_lost(
        deal, user=salesperson, loss_reason=LossReasonFactory(), seen_version=deal.version
    )
    services.reopen(deal, user=salesperson, seen_version=deal.version)
    services.change_stage(
        deal,
        Stage.objects.get(name="Quote sent"),
        user=salesperson,
        origin=Origin.BOARD,
        seen_version=deal.version,
    )
    deal.refresh_from_db()
    assert (deal.probability, deal.is_probability_manual) == (25, False)


def test_reopening_a_deal_won_in_the_won_stage_keeps_its_hand_set_value(salesperson):
    deal = OpportunityFactory(owner=salesperson, probability=61, is_probability_manual=True)
    order = Stage.objects.get(name="Order")  # the won stage
    services.change_stage(
        deal, order, user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    assert (deal.status, deal.probability) == ("won", 100)
    services.reopen(deal, user=salesperson, seen_version=deal.version)
    assert (deal.status, deal.probability, deal.is_probability_manual) == ("open", 61, True)
