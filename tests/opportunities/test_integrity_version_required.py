"""Issue 14, item 3: an update without the version it was based on is refused on every path,
never saved as if it were current."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from opportunities import services
from opportunities.models import LossReason, Opportunity, Stage
from pipeline_crm.concurrency import LOCKED, MissingVersion
from pipeline_crm.history import Origin

from ..factories import AccountFactory, ContactFactory, LossReasonFactory, OpportunityFactory
from ..form_data import deal_form_data

pytestmark = pytest.mark.django_db

MISSING = "does not say which version of the record it was based on"
VERSIONS = [{}, {"version": ""}, {"version": "abc"}, {"version": "²"}, {"version": "9" * 30}]


def _deal_form(deal, **changes):
    """The deal's form without the version it was loaded at, unless `changes` names one."""
    data = deal_form_data(deal, **changes)
    if "version" not in changes:
        del data["version"]
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_a_deal_edit_without_its_version_is_refused(client_for, salesperson, version):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1000.00"))
    response = client_for(salesperson).post(
        reverse("opportunities:edit", args=[deal.pk]), _deal_form(deal, amount="2000", **version)
    )
    assert response.status_code == 200 and MISSING in response.text
    assert 'value="2000"' in response.text  # what the user typed is kept
    deal.refresh_from_db()
    assert (deal.amount, deal.version) == (Decimal("1000.00"), 1)


@pytest.mark.parametrize("version", VERSIONS)
def test_closing_and_reopening_without_the_version_are_refused(client_for, salesperson, version):
    deal = OpportunityFactory(owner=salesperson)
    reason = LossReasonFactory()
    client = client_for(salesperson)
    won = client.post(
        reverse("opportunities:close_won", args=[deal.pk]),
        {"closed_date": "2026-11-23", **version},
    )
    lost = client.post(
        reverse("opportunities:close_lost", args=[deal.pk]),
        {"loss_reason": reason.pk, "closed_date": "2026-11-23", **version},
    )
    for response in (won, lost):
        assert response.status_code == 200 and MISSING in response.text
    assert Opportunity.objects.get(pk=deal.pk).status == "open"
    services.close_won(deal, user=salesperson, seen_version=deal.version)
    response = client.post(reverse("opportunities:reopen", args=[deal.pk]), version)
    assert response.status_code == 200 and MISSING in response.text
    assert Opportunity.objects.get(pk=deal.pk).status == "won"


@pytest.mark.parametrize("version", VERSIONS)
def test_reset_and_board_move_without_the_version_are_refused(client_for, salesperson, version):
    deal = OpportunityFactory(owner=salesperson, probability=61, is_probability_manual=True)
    client = client_for(salesperson)
    response = client.post(
        reverse("opportunities:reset_probability", args=[deal.pk]), version, follow=True
    )
    assert MISSING in response.text
    quote = Stage.objects.get(name="Quote sent")
    response = client.post(
        reverse("opportunities:move", args=[deal.pk]),
        {"stage": quote.pk, "query": "", **version},
        HTTP_HX_REQUEST="true",
    )
    assert MISSING in response.context["board_error"]
    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability, deal.version) == ("Prospect", 61, 1)


@pytest.mark.parametrize("version", VERSIONS)
def test_account_and_contact_edits_without_the_version_are_refused(
    client_for, salesperson, version
):
    account = AccountFactory(name="Gamla AB", city="Luleå")
    contact = ContactFactory(account=account, first_name="Eva", last_name="Ek")
    client = client_for(salesperson)
    response = client.post(
        reverse("accounts:edit", args=[account.pk]),
        {"name": "Gamla AB", "city": "Kiruna", "is_active": "on", **version},
    )
    assert response.status_code == 200 and MISSING in response.text
    response = client.post(
        reverse("contacts:edit", args=[contact.pk]),
        {"account": account.pk, "first_name": "Eva", "last_name": "Lind", "is_active": "on"}
        | version,
    )
    assert response.status_code == 200 and MISSING in response.text
    assert Account.objects.get(pk=account.pk).city == "Luleå"
    assert Contact.objects.get(pk=contact.pk).last_name == "Ek"


def test_a_service_update_without_a_version_is_refused(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    quote = Stage.objects.get(name="Quote sent")
    reason = LossReason.objects.first() or LossReasonFactory()
    calls = [
        lambda: services.change_stage(deal, quote, user=salesperson, origin=Origin.BOARD),
        lambda: services.close_won(deal, user=salesperson),
        lambda: services.close_lost(deal, user=salesperson, loss_reason=reason),
        lambda: services.reset_probability(deal, user=salesperson),
        lambda: services.save_opportunity(deal, user=salesperson, previous_stage=deal.stage),
    ]
    for call in calls:
        with pytest.raises(MissingVersion):
            call()
    assert Opportunity.objects.get(pk=deal.pk).version == 1


def test_an_internal_caller_that_locked_the_row_says_so(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    quote = Stage.objects.get(name="Quote sent")
    services.change_stage(deal, quote, user=salesperson, origin=Origin.BULK, seen_version=LOCKED)
    assert Opportunity.objects.get(pk=deal.pk).stage == quote
