"""Issue 14, item 1's last sentence: every save of a versioned row bumps its version, in one
place, so that a save made without the optimistic check (the admin, a command, a stale copy)
still makes a form loaded before it conflict."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from opportunities import services
from opportunities.models import Opportunity, OpportunityLine
from pipeline_crm.concurrency import next_version

from ..factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    ProductFactory,
    StageFactory,
    UserFactory,
)
from ..form_data import deal_form_data

pytestmark = pytest.mark.django_db


def test_a_plain_save_of_a_deal_bumps_its_version(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    copy = Opportunity.objects.get(pk=deal.pk)
    copy.description = "Changed by support"
    copy.save()
    copy.refresh_from_db()
    assert copy.version == deal.version + 1


def test_a_deal_form_loaded_before_a_plain_save_conflicts(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1000.00"))
    loaded = deal_form_data(deal)
    support = Opportunity.objects.get(pk=deal.pk)
    support.amount = Decimal("5000.00")
    support.save()  # as the admin's change page did, without the check
    response = client_for(salesperson).post(
        reverse("opportunities:edit", args=[deal.pk]), {**loaded, "name": "Renamed"}
    )
    assert response.status_code == 200 and response.context["form"].conflict
    deal.refresh_from_db()
    assert (deal.name, deal.amount) == (loaded["name"], Decimal("5000.00"))


def test_a_stale_copy_saved_never_moves_the_version_back(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    stale = Opportunity.objects.get(pk=deal.pk)
    services.reset_probability(deal, user=salesperson, seen_version=deal.version)
    services.reset_probability(deal, user=salesperson, seen_version=deal.version)
    assert deal.version == 3
    stale.description = "Stale"
    stale.save()
    assert Opportunity.objects.get(pk=deal.pk).version == 4 == stale.version


def test_each_service_save_bumps_the_version_by_one(salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1000.00"))
    services.reset_probability(deal, user=salesperson, seen_version=1)
    line = services.add_line(
        deal, OpportunityLine(product=ProductFactory(), quantity=Decimal("1")), user=salesperson
    )
    services.remove_line(line, user=salesperson)
    deal.refresh_from_db()
    assert deal.version == 4
    assert sorted(deal.history.values_list("version", flat=True)) == [1, 2, 3, 4]


def test_a_queryset_update_bumps_the_versions(salesperson):
    deals = [OpportunityFactory(owner=salesperson) for _ in range(2)]
    Opportunity.objects.filter(pk__in=[d.pk for d in deals]).update(description="x")
    assert set(Opportunity.objects.values_list("version", flat=True)) == {2}
    account = AccountFactory()
    Account.objects.filter(pk=account.pk).update(city="Umeå")
    assert Account.objects.get(pk=account.pk).version == 2


def test_account_and_contact_forms_loaded_before_a_plain_save_conflict(client_for, salesperson):
    account = AccountFactory(name="Delad AB", city="Lund")
    contact = ContactFactory(account=account, first_name="Eva", last_name="Ek")
    account_form = {"name": "Delad AB", "city": "Malmö", "version": 1, "is_active": "on"}
    contact_form = {
        "account": account.pk,
        "first_name": "Eva",
        "last_name": "Lind",
        "version": 1,
        "is_active": "on",
    }
    for obj in (Account.objects.get(pk=account.pk), Contact.objects.get(pk=contact.pk)):
        obj.notes = "Changed by support"
        obj.save()
    client = client_for(salesperson)
    response = client.post(reverse("accounts:edit", args=[account.pk]), account_form)
    assert response.status_code == 200 and response.context["form"].conflict
    response = client.post(reverse("contacts:edit", args=[contact.pk]), contact_form)
    assert response.status_code == 200 and response.context["form"].conflict
    assert Account.objects.get(pk=account.pk).city == "Lund"
    assert Contact.objects.get(pk=contact.pk).last_name == "Ek"


@pytest.mark.django_db(transaction=True)
def test_a_save_outside_a_transaction_bumps_too():
    """A shell or a command saves in autocommit mode: the save takes its own transaction for
    the lock (PostgreSQL refuses a row lock outside one)."""
    deal = OpportunityFactory(owner=UserFactory(username="autocommit"), stage=StageFactory())
    deal.description = "From a shell"
    deal.save()
    assert Opportunity.objects.get(pk=deal.pk).version == 2


def test_save_and_update_bump_the_version_alike(salesperson):
    """One bump (`next_version`): a save from the locked row, an update in the database."""
    deal = OpportunityFactory(owner=salesperson)
    first = deal.version
    deal.save()
    assert deal.version == next_version(first)
    Opportunity.objects.filter(pk=deal.pk).update(name="Renamed")
    deal.refresh_from_db()
    assert deal.version == next_version(next_version(first))
