"""Accounts and contacts saved in the Django admin: the version they were loaded with is
checked (issue 14, item 1), both ways between the admin and the CRM's own forms, and the
history says the change came from the admin."""

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from pipeline_crm.history import Origin

from ..admin_helpers import change_url, form_data, form_errors, post_change
from ..factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(salesperson):
    return AccountFactory(owner=salesperson, name="Nordic Freight AB")


@pytest.fixture
def contact(account):
    return ContactFactory(account=account, first_name="Greta", last_name="Lind", title="CFO")


def _save_in_the_app(client, url: str, **changes):
    data = form_data(client, url)
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    return response


def test_an_admin_save_of_an_account_bumps_its_version(client_for, admin_user, account):
    before = account.version
    response = post_change(client_for(admin_user), account, {"city": "Malmö"})
    assert response.status_code == 302, form_errors(response)
    account.refresh_from_db()
    assert account.city == "Malmö" and account.version > before


# (record fixture, the CRM's edit page, a field, the CRM's value, the admin's value)
RECORDS = [
    pytest.param("account", "accounts:edit", "city", "Göteborg", "Malmö", id="account"),
    pytest.param("contact", "contacts:edit", "title", "CEO", "Head of finance", id="contact"),
]


@pytest.mark.parametrize(("record", "edit", "field", "in_app", "in_admin"), RECORDS)
def test_a_stale_admin_form_is_refused(
    request, client_for, admin_user, salesperson, record, edit, field, in_app, in_admin
):
    obj = request.getfixturevalue(record)
    admin_client = client_for(admin_user)
    admin_data = form_data(admin_client, change_url(obj))
    _save_in_the_app(client_for(salesperson), reverse(edit, args=[obj.pk]), **{field: in_app})

    admin_data[field] = in_admin
    response = client_for(admin_user).post(change_url(obj), admin_data)
    assert (
        "Alice Andersson changed this record while you edited it."
        in (form_errors(response)["__all__"])
    )
    obj.refresh_from_db()
    assert getattr(obj, field) == in_app


@pytest.mark.parametrize(("record", "edit", "field", "in_app", "in_admin"), RECORDS)
def test_a_salespersons_stale_form_is_refused_after_an_admin_edit(
    request, client_for, admin_user, salesperson, record, edit, field, in_app, in_admin
):
    obj = request.getfixturevalue(record)
    url = reverse(edit, args=[obj.pk])
    seller_data = form_data(client_for(salesperson), url)
    response = post_change(client_for(admin_user), obj, {field: in_admin})
    assert response.status_code == 302, form_errors(response)

    seller_data[field] = in_app
    response = client_for(salesperson).post(url, seller_data)
    assert response.status_code == 200
    assert "changed this record while you edited it" in response.text
    obj.refresh_from_db()
    assert getattr(obj, field) == in_admin


def test_a_stale_contact_row_on_the_account_page_is_refused(
    client_for, admin_user, salesperson, account, contact
):
    admin_client = client_for(admin_user)
    admin_data = form_data(admin_client, change_url(account))
    assert admin_data["contacts-0-title"] == "CFO"
    _save_in_the_app(
        client_for(salesperson), reverse("contacts:edit", args=[contact.pk]), title="CEO"
    )
    admin_data["contacts-0-title"] = "Head of finance"
    response = client_for(admin_user).post(change_url(account), admin_data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "changed this record" in " ".join(formset.forms[0].non_field_errors())
    contact.refresh_from_db()
    assert contact.title == "CEO"


def test_an_untouched_contact_row_does_not_block_the_account_save(
    client_for, admin_user, salesperson, account, contact
):
    admin_client = client_for(admin_user)
    admin_data = form_data(admin_client, change_url(account))
    _save_in_the_app(
        client_for(salesperson), reverse("contacts:edit", args=[contact.pk]), mobile="+46 70 123"
    )
    admin_data["city"] = "Malmö"
    response = client_for(admin_user).post(change_url(account), admin_data)
    assert response.status_code == 302, form_errors(response)
    contact.refresh_from_db()
    account.refresh_from_db()
    assert (account.city, contact.mobile) == ("Malmö", "+46 70 123")


def test_a_contact_row_changed_on_the_account_page_is_saved_with_its_version(
    client_for, admin_user, account, contact
):
    before = contact.version
    response = post_change(client_for(admin_user), account, {"contacts-0-title": "CEO"})
    assert response.status_code == 302, form_errors(response)
    contact.refresh_from_db()
    assert contact.title == "CEO" and contact.version > before
    record = contact.history.latest()
    assert (record.history_change_reason, record.history_user) == (Origin.ADMIN, admin_user)


def test_admin_saves_of_accounts_are_labelled_in_the_history(client_for, admin_user, account):
    post_change(client_for(admin_user), account, {"city": "Malmö"})
    record = account.history.latest()
    assert (record.history_change_reason, record.history_user) == (Origin.ADMIN, admin_user)


def test_an_admin_deletion_is_labelled_in_the_history(client_for, admin_user, contact):
    response = client_for(admin_user).post(
        reverse("admin:accounts_contact_delete", args=[contact.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    record = Contact.history.filter(id=contact.pk).latest()
    assert (record.history_type, record.history_change_reason) == ("-", Origin.ADMIN)
    assert record.history_user == admin_user


def test_an_account_added_in_the_admin_is_labelled(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:accounts_account_add")
    data = form_data(client, url)
    data["name"] = "Added AB"
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    account = Account.objects.get(name="Added AB")
    assert account.history.get().history_change_reason == Origin.ADMIN


def test_deleting_selected_contacts_labels_each_deletion(client_for, admin_user, account):
    contacts = ContactFactory.create_batch(2, account=account)
    response = client_for(admin_user).post(
        reverse("admin:accounts_contact_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [c.pk for c in contacts],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Contact.objects.filter(pk__in=[c.pk for c in contacts]).exists()
    records = Contact.history.filter(history_type="-")
    assert records.count() == 2
    assert {(r.history_change_reason, r.history_user_id) for r in records} == {
        (Origin.ADMIN, admin_user.pk)
    }
