"""Staff users without superuser status get in the admin what their model permissions allow,
and no way to raise their own rights (issue 14, item 6: only a superuser is an
administrator)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from pipeline_crm.roles import SALES_MANAGER

from ..admin_helpers import change_url, form_data, post_change
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user(db):
    user = UserFactory(username="stig", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_user", "change_user", "view_group", "change_group"]
        )
    )
    return user


def test_a_staff_user_cannot_make_themselves_superuser(client_for, staff_user):
    client = client_for(staff_user)
    manager_group = Group.objects.get(name=SALES_MANAGER)
    response = post_change(
        client,
        staff_user,
        {
            "is_superuser": "on",
            "groups": [manager_group.pk],
            "user_permissions": [Permission.objects.get(codename="delete_account").pk],
            "first_name": "Stig",
        },
    )
    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.first_name == "Stig"
    assert not staff_user.is_superuser
    assert not staff_user.groups.exists()
    assert not staff_user.user_permissions.filter(codename="delete_account").exists()


def test_a_staff_user_cannot_give_a_group_permissions(client_for, staff_user):
    group = Group.objects.get(name=SALES_MANAGER)
    before = set(group.permissions.values_list("pk", flat=True))
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = post_change(client_for(staff_user), group, {"permissions": everything})
    assert response.status_code == 302
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_a_staff_user_cannot_change_a_superuser(client_for, staff_user, admin_user):
    client = client_for(staff_user)
    page = client.get(change_url(admin_user))
    assert page.status_code == 200  # shown, read-only
    assert "adminform" in page.context and not page.context["has_change_permission"]
    password = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    response = client.post(password, {"password1": "taken-over-9", "password2": "taken-over-9"})
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.check_password("taken-over-9")


def test_a_superuser_still_grants_rights(client_for, admin_user, staff_user):
    manager_group = Group.objects.get(name=SALES_MANAGER)
    client = client_for(admin_user)
    data = form_data(client, change_url(staff_user))
    data["groups"] = [manager_group.pk]
    response = client.post(change_url(staff_user), data)
    assert response.status_code == 302
    assert staff_user.groups.filter(pk=manager_group.pk).exists()
