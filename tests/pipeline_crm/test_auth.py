import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from pipeline_crm.roles import SALES_MANAGER, SALESPERSON, is_manager

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login_and_back(client):
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/accounts/"


def test_login_page_renders_for_anonymous(client):
    assert client.get(reverse("login")).status_code == 200


def test_login_with_password_and_return_to_next(client, salesperson):
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "secret-pass-123", "next": "/contacts/"},
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/"


def test_repeated_failed_logins_are_throttled(client, salesperson):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "secret-pass-123"})
    assert response.status_code == 429


def test_logout_is_post_only(client_for, salesperson):
    client = client_for(salesperson)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_change_password(client_for, salesperson):
    response = client_for(salesperson).post(
        reverse("password_change"),
        {
            "old_password": "secret-pass-123",
            "new_password1": "Fjord-Lantern-42",
            "new_password2": "Fjord-Lantern-42",
        },
    )
    assert response.status_code == 302
    salesperson.refresh_from_db()
    assert salesperson.check_password("Fjord-Lantern-42")


def test_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {SALESPERSON, SALES_MANAGER}


def test_groupless_user_works_at_once_with_salesperson_rights(client_for, groupless_user):
    client = client_for(groupless_user)
    assert client.get(reverse("dashboard")).status_code == 200
    assert not is_manager(groupless_user)


def test_user_switches_language(client_for, salesperson):
    client = client_for(salesperson)
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    assert "Konton" in client.get(reverse("dashboard")).text


def test_browser_language_is_followed(client_for, salesperson):
    text = client_for(salesperson).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="de").text
    assert 'lang="de"' in text
