"""Issue 15, item 3: malformed request parameters gave 500s. Each is now a 400 with a message,
a form error, or a value the page bounds (a page length), never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from opportunities.models import Stage

from ..factories import AccountFactory, ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

UNICODE_DIGITS = "²"  # `"²".isdigit()` is True, `int("²")` raises


@pytest.fixture
def client(salesperson):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    return client


@pytest.fixture
def deal(salesperson):
    return OpportunityFactory(owner=salesperson)


@pytest.mark.parametrize("offset", ["abc", "-1", "9" * 25, UNICODE_DIGITS, "1\x00"])
def test_a_malformed_board_column_offset_is_a_400_that_says_why(client, deal, offset):
    url = reverse("opportunities:board_column", args=[deal.stage_id])
    response = client.get(url, {"offset": offset})
    assert response.status_code == 400
    assert "offset" in response.text


def test_a_board_column_offset_pages_on(client, deal):
    url = reverse("opportunities:board_column", args=[deal.stage_id])
    assert client.get(url, {"offset": "20", "mine": "true"}).status_code == 200


@pytest.mark.parametrize("name", ["accounts:list", "contacts:list", "opportunities:list"])
def test_a_negative_page_length_shows_one_row(client, name):
    for _ in range(3):
        OpportunityFactory()
    response = client.get(reverse(name), {"per_page": "-1"})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == 1


@pytest.mark.parametrize("name", ["accounts:list", "contacts:list", "opportunities:list"])
def test_a_huge_page_length_is_cut_to_the_longest_page(client, name):
    response = client.get(reverse(name), {"per_page": "9" * 25})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == 200


@pytest.mark.parametrize(
    "name,params",
    [
        ("accounts:options", {"account": UNICODE_DIGITS}),
        ("accounts:options", {"field": "owner", "owner": UNICODE_DIGITS}),
        ("contacts:create", {"account": UNICODE_DIGITS}),
        ("opportunities:create", {"account": UNICODE_DIGITS}),
        ("opportunities:contact_options", {"account": UNICODE_DIGITS, "name": ""}),
        ("activities:create", {"account": UNICODE_DIGITS}),
        ("activities:create", {"contact": UNICODE_DIGITS, "opportunity": UNICODE_DIGITS}),
        ("forecasting:budgets", {"salesperson": UNICODE_DIGITS}),
    ],
)
def test_an_id_of_unicode_digits_is_no_id(client, name, params):
    assert client.get(reverse(name), params).status_code == 200


@pytest.mark.parametrize("name", ["account", "contact", "opportunity"])
@pytest.mark.parametrize("value", [UNICODE_DIGITS, "9" * 25, "-1"])
def test_an_agenda_focused_on_a_malformed_id_is_not_a_500(client, name, value):
    response = client.get(reverse("activities:agenda"), {name: value})
    assert response.status_code == 200


def test_a_panel_of_unicode_digits_is_not_found(client):
    response = client.get(reverse("activities:create"), {"panel": f"account:{UNICODE_DIGITS}"})
    assert response.status_code == 404


@pytest.mark.parametrize("year", [UNICODE_DIGITS, "abc", "9" * 25])
def test_a_malformed_budget_year_shows_this_year(client, year):
    response = client.get(reverse("forecasting:budgets"), {"year": year})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["contacts:create", "opportunities:create", "activities:create"])
@pytest.mark.parametrize("account", [UNICODE_DIGITS, "9" * 25])
def test_a_form_posting_a_malformed_account_gets_a_form_error(client, name, account):
    response = client.post(reverse(name), {"account": account, "name": "x", "subject": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["account"]


@pytest.mark.parametrize("version", [UNICODE_DIGITS, "9" * 25])
def test_a_malformed_version_on_a_move_is_not_a_500(client, deal, version):
    stage = Stage.objects.active().exclude(pk=deal.stage_id).filter(is_won_stage=False).first()
    url = reverse("opportunities:move", args=[deal.pk])
    assert client.post(url, {"stage": stage.pk, "version": version}).status_code in (302, 400)


@pytest.mark.parametrize("stage", [UNICODE_DIGITS, "abc", "\x00", "9" * 25])
def test_a_move_to_a_malformed_stage_is_a_400_or_no_such_stage(client, deal, stage):
    response = client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stage})
    assert response.status_code in (400, 404)


def test_a_malformed_version_on_reset_probability_is_not_a_500(client, deal):
    url = reverse("opportunities:reset_probability", args=[deal.pk])
    assert client.post(url, {"version": UNICODE_DIGITS}).status_code in (302, 400)


@pytest.mark.parametrize("selected", [UNICODE_DIGITS, "9" * 25])
def test_a_bulk_action_on_malformed_ids_says_so(client, deal, selected):
    stage = Stage.objects.active().exclude(pk=deal.stage_id).filter(is_won_stage=False).first()
    data = {"action": "stage", "stage": stage.pk, "selected": [selected]}
    response = client.post(reverse("opportunities:bulk"), data)
    assert response.status_code == 302  # back to the list, with the form's message


@pytest.mark.parametrize(
    "name,param",
    [
        ("accounts:options", "q"),
        ("accounts:list", "q"),
        ("contacts:list", "q"),
        ("opportunities:list", "q"),
        ("opportunities:board", "q"),
        ("activities:agenda", "q"),
    ],
)
def test_a_nul_in_a_search_is_a_400_that_says_why(client, name, param):
    AccountFactory(name="Nordic AB")
    response = client.get(reverse(name), {param: "Nor\x00dic"})
    assert response.status_code == 400
    assert "NUL" in response.text


def test_a_nul_in_the_admin_search_is_a_400(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_account_changelist"), {"q": "\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize("part", ["object", "record"])
@pytest.mark.parametrize("value", [UNICODE_DIGITS, "x", "%00"])
def test_the_admin_history_of_a_malformed_id_is_not_found(admin_user, part, value):
    account = AccountFactory()
    record = account.history.get()
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    ids = {"object": (value, record.pk), "record": (account.pk, value)}[part]
    url = f"/admin/accounts/account/{ids[0]}/history/{ids[1]}/"
    assert client.get(url).status_code in (400, 404)


@pytest.mark.parametrize("name", ["activities:done", "activities:delete"])
@pytest.mark.parametrize("next_url", ["NaN", "²", "-1", "https://evil.example/"])
def test_a_next_that_is_no_path_on_this_site_is_ignored(client, salesperson, name, next_url):
    activity = ActivityFactory(owner=salesperson)
    response = client.post(reverse(name, args=[activity.pk]), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"].startswith("/")


def test_an_activity_panel_with_a_huge_id_is_not_found(client):
    ActivityFactory()
    response = client.get(reverse("activities:create"), {"panel": f"account:{'9' * 25}"})
    assert response.status_code == 404
    assert Account.objects.exists()
