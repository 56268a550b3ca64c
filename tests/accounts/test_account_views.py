import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Account

from ..factories import AccountFactory, BusinessAreaFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_list_shows_accounts_and_searches_name_org_number_and_city(client_for, salesperson):
    AccountFactory(name="Fjällbygg AB", city="Umeå")
    AccountFactory(name="Havsdata AB", org_number="5561234567", city="Malmö")
    client = client_for(salesperson)

    assert "Fjällbygg AB" in client.get(reverse("accounts:list")).text
    by_city = client.get(reverse("accounts:list"), {"q": "umeå"}).text
    assert "Fjällbygg AB" in by_city and "Havsdata AB" not in by_city
    by_org = client.get(reverse("accounts:list"), {"q": "556123"}).text
    assert "Havsdata AB" in by_org and "Fjällbygg AB" not in by_org


def test_list_filters_by_business_area(client_for, salesperson):
    east = BusinessAreaFactory(name="Öst")
    AccountFactory(name="East One", business_area=east)
    AccountFactory(name="West One")
    text = client_for(salesperson).get(reverse("accounts:list"), {"business_area": east.pk}).text
    assert "East One" in text and "West One" not in text


def test_list_filters_accounts_without_an_owner(client_for, salesperson):
    AccountFactory(name="Orphan AB", owner=None)
    AccountFactory(name="Owned AB", owner=salesperson)
    text = client_for(salesperson).get(reverse("accounts:list"), {"owner": "null"}).text
    assert "Orphan AB" in text and "Owned AB" not in text


def test_htmx_request_gets_the_table_partial_alone(client_for, salesperson):
    AccountFactory(name="Partial AB")
    response = client_for(salesperson).get(reverse("accounts:list"), HTTP_HX_REQUEST="true")
    assert "Partial AB" in response.text
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow_with_rows(
    client_for, salesperson, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        ContactFactory(account=AccountFactory())
    client = client_for(salesperson)
    with django_assert_max_num_queries(13):  # the filter panel not cached yet
        response = client.get(reverse("accounts:list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:list")).status_code == 200


def test_csv_export_has_exactly_the_filtered_rows(client_for, salesperson):
    east = BusinessAreaFactory(name="Öst")
    AccountFactory(name="=HYPERLINK(evil)", business_area=east)
    AccountFactory(name="Kept AB", business_area=east)
    AccountFactory(name="Filtered out AB")
    response = client_for(salesperson).get(
        reverse("accounts:list"), {"business_area": east.pk, "export": "csv"}
    )
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Name"
    names = sorted(row[0] for row in rows[1:])
    assert names == ["'=HYPERLINK(evil)", "Kept AB"]


def test_xlsx_export_has_exactly_the_filtered_rows(client_for, salesperson):
    AccountFactory(name="Alpha AB", city="Oslo")
    AccountFactory(name="Beta AB", city="Bergen")
    response = client_for(salesperson).get(
        reverse("accounts:list"), {"q": "oslo", "export": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values == ["Name", "Alpha AB"]


def test_create_account_sets_me_as_default_owner(client_for, salesperson):
    client = client_for(salesperson)
    form = client.get(reverse("accounts:create"))
    assert form.context["form"].initial["owner"] == salesperson
    response = client.post(
        reverse("accounts:create"), {"name": "Nya Bygg AB", "owner": salesperson.pk}
    )
    account = Account.objects.get(name="Nya Bygg AB")
    assert response.status_code == 302 and response["Location"] == account.get_absolute_url()
    assert account.history.get().history_user == salesperson


def test_bad_input_keeps_what_the_user_typed(client_for, salesperson):
    response = client_for(salesperson).post(
        reverse("accounts:create"), {"name": "", "city": "Visby", "employees": "many"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "employees" in form.errors
    assert 'value="Visby"' in response.text
    assert not Account.objects.exists()


def test_edit_is_recorded_in_history_with_old_and_new_value(client_for, salesperson):
    account = AccountFactory(name="Gamla AB", city="Luleå")
    client = client_for(salesperson)
    data = {"name": "Gamla AB", "city": "Kiruna", "version": account.version, "is_active": "on"}
    assert client.post(reverse("accounts:edit", args=[account.pk]), data).status_code == 302
    page = client.get(account.get_absolute_url())
    entry = page.context["history"][0]
    assert entry.who == salesperson
    assert [(c.label, c.old, c.new) for c in entry.changes if c.label == "city"] == [
        ("city", "Luleå", "Kiruna")
    ]
    assert "Kiruna" in page.text


def test_concurrent_edit_is_refused_and_shows_what_changed(client_for, salesperson, manager):
    account = AccountFactory(name="Delad AB", city="Lund")
    seen = account.version
    manager_client = client_for(manager)
    manager_client.post(
        reverse("accounts:edit", args=[account.pk]),
        {"name": "Delad AB", "city": "Ystad", "version": seen, "is_active": "on"},
    )
    client = client_for(salesperson)
    response = client.post(
        reverse("accounts:edit", args=[account.pk]),
        {"name": "Delad AB", "city": "Malmö", "version": seen, "is_active": "on"},
    )
    assert response.status_code == 200
    assert f"{manager.get_full_name()} changed this record while you edited it" in response.text
    assert "Ystad" in response.text
    assert 'value="Malmö"' in response.text
    account.refresh_from_db()
    assert account.city == "Ystad"


def test_salesperson_may_not_delete_an_account(client_for, salesperson):
    account = AccountFactory()
    client = client_for(salesperson)
    assert client.get(reverse("accounts:delete", args=[account.pk])).status_code == 403
    assert client.post(reverse("accounts:delete", args=[account.pk])).status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()


def test_manager_deletes_an_account_after_confirmation(client_for, manager):
    account = AccountFactory()
    client = client_for(manager)
    assert client.get(reverse("accounts:delete", args=[account.pk])).status_code == 200
    assert client.post(reverse("accounts:delete", args=[account.pk])).status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()


def test_detail_shows_money_in_the_users_locale(client_for, salesperson):
    account = AccountFactory(yearly_revenue=Decimal("1920000.00"))
    client = client_for(salesperson)
    client.cookies["django_language"] = "sv"
    text = client.get(account.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="sv").text
    assert "1\xa0920\xa0000,00" in text


def test_missing_account_is_404(client_for, salesperson):
    assert client_for(salesperson).get(reverse("accounts:detail", args=[999999])).status_code == 404
