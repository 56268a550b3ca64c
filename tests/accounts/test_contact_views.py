import pytest
from django.urls import reverse

from accounts.models import Contact

from ..factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_add_contact_from_account_preselects_the_account(client_for, salesperson):
    account = AccountFactory()
    response = client_for(salesperson).get(reverse("contacts:create"), {"account": account.pk})
    assert response.context["form"].initial["account"] == account


def test_new_contact_returns_to_its_account(client_for, salesperson):
    account = AccountFactory()
    response = client_for(salesperson).post(
        reverse("contacts:create"),
        {"account": account.pk, "first_name": "Karin", "last_name": "Holm", "is_active": "on"},
    )
    assert response["Location"] == account.get_absolute_url()
    contact = Contact.objects.get(first_name="Karin")
    assert contact.account == account
    assert contact.history.get().history_user == salesperson


def test_contact_list_searches_account_name(client_for, salesperson):
    ContactFactory(first_name="Per", account=AccountFactory(name="Skogsdata AB"))
    ContactFactory(first_name="Ola", account=AccountFactory(name="Havsbygg AB"))
    text = client_for(salesperson).get(reverse("contacts:list"), {"q": "skogs"}).text
    assert "Per" in text and "Ola" not in text


@pytest.mark.parametrize("rows", [5, 50])
def test_contact_list_query_count_does_not_grow(
    client_for, salesperson, django_assert_max_num_queries, rows
):
    ContactFactory.create_batch(rows)
    client = client_for(salesperson)
    with django_assert_max_num_queries(11):  # the filter panel not cached yet
        assert client.get(reverse("contacts:list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("contacts:list")).status_code == 200


def test_salesperson_may_edit_any_contact_but_not_delete(client_for, other_salesperson):
    contact = ContactFactory(first_name="Eva")
    client = client_for(other_salesperson)
    response = client.post(
        reverse("contacts:edit", args=[contact.pk]),
        {
            "account": contact.account_id,
            "first_name": "Eva",
            "last_name": "Lund",
            "version": contact.version,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert client.post(reverse("contacts:delete", args=[contact.pk])).status_code == 403


def test_manager_deletes_a_contact(client_for, manager):
    contact = ContactFactory()
    response = client_for(manager).post(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_links_carry_ids_without_thousands_separators(client_for, salesperson):
    account = AccountFactory(pk=1713)
    text = client_for(salesperson).get(account.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").text
    assert "?account=1713" in text
