"""Roles: the group a user is in, recognised by a fixed key; only a superuser is an
administrator; staff status gives no rights in the CRM's own pages."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Account
from forecasting.models import Budget
from opportunities.models import Opportunity
from pipeline_crm.models import GroupRole, Role
from pipeline_crm.roles import (
    SALES_MANAGER,
    SALESPERSON,
    is_admin,
    is_manager,
    role_group,
    role_name,
)

from ..factories import AccountFactory, BusinessAreaFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user(db):
    """A staff user in no group: may enter the Django admin, is a salesperson in the CRM."""
    return UserFactory(username="stina", is_staff=True)


@pytest.fixture
def others_deal(salesperson):
    return OpportunityFactory(owner=salesperson)


def test_the_migration_gives_each_contract_group_its_role():
    assert GroupRole.objects.get(key=Role.SALESPERSON).group.name == SALESPERSON
    assert GroupRole.objects.get(key=Role.SALES_MANAGER).group.name == SALES_MANAGER


def test_staff_status_alone_makes_no_administrator_or_manager(staff_user):
    assert not is_admin(staff_user)
    assert not is_manager(staff_user)
    assert role_name(staff_user) == "Salesperson"


def test_a_superuser_is_an_administrator_without_a_group(db):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert is_admin(superuser) and is_manager(superuser)
    assert role_name(superuser) == "Administrator"


@pytest.mark.parametrize(
    "name", ["opportunities:edit", "opportunities:close_won", "opportunities:delete"]
)
def test_staff_user_gets_403_on_another_salespersons_deal(
    client_for, staff_user, others_deal, name
):
    client = client_for(staff_user)
    url = reverse(name, args=[others_deal.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Taken over"}).status_code == 403
    others_deal.refresh_from_db()
    assert Opportunity.objects.filter(pk=others_deal.pk).exists()
    assert others_deal.name != "Taken over"


def test_staff_user_cannot_delete_an_account(client_for, staff_user):
    account = AccountFactory()
    response = client_for(staff_user).post(reverse("accounts:delete", args=[account.pk]))
    assert response.status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()


def test_staff_user_cannot_edit_budgets(client_for, staff_user):
    area = BusinessAreaFactory()
    year = datetime.date.today().year
    response = client_for(staff_user).post(
        reverse("forecasting:budgets"), {"year": year, f"b-{area.pk}-1": "1000"}
    )
    assert response.status_code == 403
    assert not Budget.objects.exists()


def test_staff_user_sees_no_import_pages(client_for, staff_user):
    client = client_for(staff_user)
    assert client.get(reverse("accounts:import")).status_code == 403
    assert client.get(reverse("opportunities:import")).status_code == 403


def test_renaming_the_manager_group_keeps_the_role(client_for, manager, others_deal):
    group = Group.objects.get(name=SALES_MANAGER)
    group.name = "Verkaufsleitung"
    group.save()

    manager.refresh_from_db()
    assert is_manager(manager)
    assert role_name(manager) == "Sales manager"
    url = reverse("opportunities:edit", args=[others_deal.pk])
    assert client_for(manager).get(url).status_code == 200


def test_a_new_group_with_the_old_name_gives_no_role(manager, other_salesperson):
    Group.objects.filter(name=SALES_MANAGER).update(name="Försäljningschefer")
    impostor = Group.objects.create(name=SALES_MANAGER)
    other_salesperson.groups.add(impostor)
    assert not is_manager(other_salesperson)
    assert is_manager(manager)


def test_role_group_finds_the_group_whatever_its_name():
    Group.objects.filter(name=SALESPERSON).update(name="Säljare")
    assert role_group(Role.SALESPERSON).name == "Säljare"


def test_joining_the_manager_group_takes_effect_on_the_next_request(
    client_for, other_salesperson, others_deal
):
    client = client_for(other_salesperson)
    url = reverse("opportunities:edit", args=[others_deal.pk])
    assert client.get(url).status_code == 403

    other_salesperson.groups.add(role_group(Role.SALES_MANAGER))
    assert client.get(url).status_code == 200

    role_group(Role.SALES_MANAGER).user_set.remove(other_salesperson)
    assert client.get(url).status_code == 403


def test_moving_a_role_key_to_another_group_takes_effect_on_the_next_request(
    client_for, other_salesperson, others_deal
):
    client = client_for(other_salesperson)
    url = reverse("opportunities:edit", args=[others_deal.pk])
    assert client.get(url).status_code == 403

    # A deliberate change (a shell, a migration): the old manager group gives up the key.
    new_group = Group.objects.create(name="Regional managers")
    other_salesperson.groups.add(new_group)
    assert client.get(url).status_code == 403
    role = GroupRole.objects.get(key=Role.SALES_MANAGER)
    role.group = new_group
    role.save()
    assert client.get(url).status_code == 200


def test_the_group_admin_shows_the_role_and_a_rename_there_keeps_it(
    client_for, admin_user, manager
):
    group = Group.objects.get(name=SALES_MANAGER)
    client = client_for(admin_user)
    url = reverse("admin:auth_group_change", args=[group.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Sales manager" in page.text

    response = client.post(
        url,
        {
            "name": "Sales leadership",
            "crm_role-TOTAL_FORMS": "1",
            "crm_role-INITIAL_FORMS": "1",
            "crm_role-MIN_NUM_FORMS": "0",
            "crm_role-MAX_NUM_FORMS": "1",
            "crm_role-0-id": group.crm_role.pk,
            "crm_role-0-group": group.pk,
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    group.refresh_from_db()
    assert group.name == "Sales leadership"
    assert group.crm_role.key == Role.SALES_MANAGER
    manager.refresh_from_db()
    assert is_manager(manager)


def test_a_role_group_cannot_be_deleted_in_the_admin(client_for, admin_user):
    group = role_group(Role.SALES_MANAGER)
    client = client_for(admin_user)
    client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert Group.objects.filter(pk=group.pk).exists()


def test_the_admin_link_shows_for_whoever_may_enter_the_admin(client_for, staff_user, manager):
    admin_url = reverse("admin:index")
    assert f'href="{admin_url}"' in client_for(staff_user).get(reverse("dashboard")).text
    assert f'href="{admin_url}"' not in client_for(manager).get(reverse("dashboard")).text
