"""The login limits: per user name + address (django-axes) and per account, which an attacker
cannot turn against the account's owner (pipeline_crm/login_limits.py)."""

import datetime
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format

from pipeline_crm.login_limits import DEVICE_COOKIE
from pipeline_crm.models import LoginFailure

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # tests/factories.py


def attempt(client, password, address, username="alice"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def attack(client, attempts, addresses, username="alice"):
    """`attempts` wrong passwords spread over `addresses` addresses, in turn."""
    return [
        attempt(client, f"guess-{n}", f"198.51.100.{n % addresses + 1}", username).status_code
        for n in range(attempts)
    ]


@pytest.fixture
def password_checks():
    """Counts the times a password was really checked (Django's own backend ran)."""
    with mock.patch.object(
        ModelBackend, "authenticate", autospec=True, side_effect=ModelBackend.authenticate
    ) as spy:
        yield spy


def test_one_address_is_locked_after_five_failures(client, salesperson):
    statuses = attack(client, 5, addresses=1)
    assert statuses[-1] == 429
    response = attempt(client, PASSWORD, "198.51.100.1")
    assert response.status_code == 429
    assert "from your address is locked for an hour" in response.text


def test_attempts_during_the_address_lock_do_not_lengthen_it(client, salesperson):
    attack(client, 5, addresses=1)
    statuses = attack(client, 10, addresses=1)
    assert set(statuses) == {429}
    assert AccessAttempt.objects.get().failures_since_start == 5

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=61))
    assert attempt(client, PASSWORD, "198.51.100.1").status_code == 302


def test_a_hundred_guesses_from_25_addresses_check_only_ten_passwords(
    client, salesperson, password_checks
):
    statuses = attack(client, 100, addresses=25)

    assert password_checks.call_count == 10
    assert statuses[:9] == [200] * 9  # the form's "wrong password"
    assert set(statuses[9:]) == {429}
    assert LoginFailure.objects.filter(username="alice").count() == 10


def test_a_held_back_account_refuses_even_the_right_password_from_a_new_browser(
    client, salesperson
):
    attack(client, 10, addresses=10)
    response = attempt(Client(), PASSWORD, "203.0.113.7")
    assert response.status_code == 429
    assert "from several places" in response.text
    oldest = LoginFailure.objects.earliest("failed_at").failed_at
    retry = timezone.localtime(oldest + datetime.timedelta(hours=1))
    assert f"Try again after {time_format(retry, 'TIME_FORMAT')}," in response.text
    assert reverse("password_reset") in response.text


def test_the_owner_logs_in_from_a_known_browser_during_an_attack(client, salesperson):
    owner = Client()
    assert attempt(owner, PASSWORD, "203.0.113.7").status_code == 302
    owner.post(reverse("logout"))
    assert DEVICE_COOKIE in owner.cookies

    attack(client, 100, addresses=25)

    assert attempt(owner, PASSWORD, "203.0.113.7").status_code == 302


def test_a_known_browser_is_held_back_by_its_own_failures_only(client, salesperson):
    owner = Client()
    attempt(owner, PASSWORD, "203.0.113.7")
    owner.post(reverse("logout"))
    attack(client, 10, addresses=10)
    statuses = attack(owner, 10, addresses=10)

    assert statuses[-1] == 429
    assert attempt(owner, PASSWORD, "203.0.113.99").status_code == 429


def test_a_browser_known_for_another_account_is_not_known_for_this_one(
    client, salesperson, other_salesperson
):
    browser = Client()
    attempt(browser, PASSWORD, "203.0.113.7", username="charlie")
    browser.post(reverse("logout"))
    attack(client, 10, addresses=10)

    assert attempt(browser, PASSWORD, "203.0.113.7").status_code == 429


def test_a_new_password_retires_the_known_browsers(client, salesperson):
    owner = Client()
    attempt(owner, PASSWORD, "203.0.113.7")
    owner.post(reverse("logout"))
    salesperson.set_password("Another-Pass-456")
    salesperson.save()
    attack(client, 10, addresses=10)

    assert attempt(owner, "Another-Pass-456", "203.0.113.7").status_code == 429


def test_refused_attempts_check_no_password_and_do_not_extend_the_lock(
    client, salesperson, password_checks
):
    attack(client, 60, addresses=30)
    assert password_checks.call_count == 10
    assert LoginFailure.objects.count() == 10


def test_the_lock_lifts_when_the_oldest_failures_leave_the_window(client, salesperson):
    attack(client, 10, addresses=10)
    an_hour_ago = timezone.now() - datetime.timedelta(minutes=61)
    LoginFailure.objects.update(failed_at=an_hour_ago)

    assert attempt(Client(), PASSWORD, "203.0.113.7").status_code == 302


def test_an_attacker_gets_ten_guesses_per_account_per_hour(client, salesperson, password_checks):
    """Three hours of one guess a minute, each from a new address (so axes' per-address lock
    never fires): the account limit alone lets ten a rolling hour through."""
    start = timezone.now()
    checked_per_hour = [0, 0, 0]
    for minute in range(180):
        with mock.patch(
            "django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=minute)
        ):
            before = password_checks.call_count
            attempt(client, f"guess-{minute}", f"10.0.{minute // 250}.{minute % 250 + 1}")
            checked_per_hour[minute // 60] += password_checks.call_count - before
    assert checked_per_hour == [10, 10, 10]


def test_the_limit_can_be_switched_off(client, salesperson, settings, password_checks):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 0
    attack(client, 40, addresses=10)
    assert password_checks.call_count == 40
    assert not LoginFailure.objects.exists()


def test_the_known_browser_cookie_is_signed(client, salesperson):
    browser = Client()
    browser.cookies[DEVICE_COOKIE] = f"{salesperson.pk}:forged"
    attack(client, 10, addresses=10)
    assert attempt(browser, PASSWORD, "203.0.113.7").status_code == 429


def test_an_administrator_lifts_the_account_limit_in_the_admin(client, admin_user, salesperson):
    attack(client, 10, addresses=10)
    admin = Client()
    admin.force_login(admin_user)
    changelist = reverse("admin:pipeline_crm_loginfailure_changelist")
    assert "alice" in admin.get(changelist, {"q": "alice"}).text
    admin.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": list(LoginFailure.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert attempt(Client(), PASSWORD, "203.0.113.7").status_code == 302
