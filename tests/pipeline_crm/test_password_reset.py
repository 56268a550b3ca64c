"""Password reset by e-mail (Django's four views, our templates) and the e-mail settings."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pipeline_crm.login_limits import DEVICE_COOKIE

from .environment import read_settings

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Harbour-Compass-71"


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/password/reset/\S+/)", message.body).group(1)


def ask_for_reset(client, email="alice@example.com"):
    return client.post(reverse("password_reset"), {"email": email})


def test_login_page_links_to_the_reset(client):
    assert reverse("password_reset") in client.get(reverse("login")).text


def test_reset_pages_open_without_logging_in(client):
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("password_reset_done")).status_code == 200
    assert client.get(reverse("password_reset_complete")).status_code == 200


def test_reset_mails_a_link_to_the_accounts_address(client, salesperson):
    response = ask_for_reset(client)

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Set a new password for Pipeline CRM"
    assert "alice" in message.body
    assert reset_link(message).startswith("/password/reset/")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, salesperson):
    response = ask_for_reset(client, "nobody@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_invalid_address_is_a_message_next_to_the_field(client):
    response = ask_for_reset(client, "not an address")
    assert response.status_code == 200
    assert 'class="errorlist"' in response.text
    assert 'value="not an address"' in response.text


def test_the_link_sets_a_new_password_and_logs_the_user_in(client, salesperson):
    ask_for_reset(client)
    form_url = client.get(reset_link(mail.outbox[0])).url  # Django hides the token
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse(
        "password_reset_complete"
    )
    salesperson.refresh_from_db()
    assert salesperson.check_password(NEW_PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200
    assert DEVICE_COOKIE in client.cookies  # a known browser for the per-account limit


def test_a_weak_new_password_is_refused_next_to_the_field(client, salesperson):
    ask_for_reset(client)
    form_url = client.get(reset_link(mail.outbox[0])).url
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "too common" in response.text
    salesperson.refresh_from_db()
    assert salesperson.check_password("secret-pass-123")


def test_a_link_works_once(client, salesperson):
    ask_for_reset(client)
    link = reset_link(mail.outbox[0])
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)
    assert "This link does not work" in again.text


def test_a_reset_lets_the_owner_in_while_the_account_is_held_back(client, salesperson):
    attacker = Client()
    for n in range(10):
        attacker.post(
            reverse("login"),
            {"username": "alice", "password": f"guess-{n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    owner = Client()
    login = {"username": "alice", "password": "secret-pass-123"}
    assert owner.post(reverse("login"), login).status_code == 429

    ask_for_reset(owner)
    form_url = owner.get(reset_link(mail.outbox[0])).url
    owner.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    owner.post(reverse("logout"))

    login["password"] = NEW_PASSWORD
    assert owner.post(reverse("login"), login).status_code == 302


def _settings(env: dict, *names: str):
    return read_settings(env, *names, drop=("DJANGO_EMAIL",))


def test_mail_goes_to_the_console_by_default():
    result = _settings({}, "EMAIL_BACKEND")
    assert result.stdout.strip() == "'django.core.mail.backends.console.EmailBackend'"


def test_smtp_is_configured_from_the_environment():
    env = {
        "DJANGO_EMAIL_HOST": "smtp.example.com",
        "DJANGO_EMAIL_PORT": "2525",
        "DJANGO_EMAIL_HOST_USER": "crm",
        "DJANGO_EMAIL_HOST_PASSWORD": "s3cret",
        "DJANGO_EMAIL_USE_TLS": "1",
        "DJANGO_DEFAULT_FROM_EMAIL": "CRM <crm@example.com>",
    }
    names = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER")
    names += ("EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL")
    result = _settings(env, *names)
    assert result.stdout.strip().split("|") == [
        "'django.core.mail.backends.smtp.EmailBackend'",
        "'smtp.example.com'",
        "2525",
        "'crm'",
        "'s3cret'",
        "True",
        "False",
        "'CRM <crm@example.com>'",
    ]


def test_implicit_tls_takes_port_465():
    env = {"DJANGO_EMAIL_HOST": "smtp.example.com", "DJANGO_EMAIL_USE_SSL": "yes"}
    result = _settings(env, "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL")
    assert result.stdout.strip() == "465|False|True"


def test_starttls_and_implicit_tls_together_are_a_configuration_error():
    env = {"DJANGO_EMAIL_USE_TLS": "1", "DJANGO_EMAIL_USE_SSL": "1"}
    result = _settings(env, "EMAIL_PORT")
    assert result.returncode != 0
    assert "DJANGO_EMAIL_USE_SSL" in result.stderr
