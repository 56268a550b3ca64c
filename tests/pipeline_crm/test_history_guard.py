"""A lookup row or a user any history record names is deactivated, never deleted: on the admin's
delete page, by its "delete selected" action, and by any code (issue 19, Rules)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from accounts.models import BusinessArea
from opportunities.models import ForecastCategory, Stage
from pipeline_crm.history import Origin
from pipeline_crm.history_guard import HistoryProtectedError, history_references

from ..factories import (
    AccountFactory,
    BusinessAreaFactory,
    OpportunityFactory,
    StageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def _delete_page(client, row):
    opts = row._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])


def _delete_selected(client, rows):
    opts = rows[0]._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk for row in rows], "post": "yes"},
        follow=True,
    )


@pytest.fixture
def stage_in_history():
    """A stage a deal passed through and left: no live deal carries it."""
    stage = StageFactory(name="Temporary")
    deal = OpportunityFactory(stage=stage)
    deal.stage = Stage.objects.get(name="Prospect")
    deal.save()
    return stage


@pytest.fixture
def area_in_history():
    """An area an account and its deal had and left."""
    area, other = BusinessAreaFactory(name="Gone north"), BusinessAreaFactory(name="South")
    account = AccountFactory(business_area=area)
    deal = OpportunityFactory(account=account)
    account.business_area = deal.business_area = other
    account.save()
    deal.save()
    return area


@pytest.fixture
def owner_in_history(salesperson):
    """A salesperson who owned a deal and an account, both handed over since."""
    former = UserFactory(username="former", first_name="Fredrik", last_name="Former")
    account = AccountFactory(owner=former)
    deal = OpportunityFactory(account=account, owner=former)
    account.owner = deal.owner = salesperson
    account.save()
    deal.save()
    return former


@pytest.fixture(params=["stage", "area", "owner"])
def named_row(request):
    return request.getfixturevalue(f"{request.param}_in_history")


def test_history_references_count_the_records_per_history_table(stage_in_history):
    references = history_references(Stage, [stage_in_history.pk, 0])
    assert list(references) == [stage_in_history.pk]
    [reference] = references[stage_in_history.pk]
    assert reference.count == 1
    assert str(reference) == "1 record in the history of opportunities"


def test_the_delete_page_says_why_and_offers_deactivating(client_for, admin_user, named_row):
    response = client_for(admin_user).get(_delete_page(None, named_row))

    html = response.content.decode()
    assert response.status_code == 200
    assert "is named in the history and cannot be deleted" in html
    assert "Deactivate selected" in html
    assert "in the history of" in html
    assert "Yes, I’m sure" not in html


def test_posting_the_delete_page_deletes_nothing(client_for, admin_user, named_row):
    response = client_for(admin_user).post(_delete_page(None, named_row), {"post": "yes"})

    assert response.status_code == 200
    assert type(named_row).objects.filter(pk=named_row.pk).exists()
    assert "cannot be deleted" in response.content.decode()


def test_delete_selected_deletes_nothing_and_says_why(client_for, admin_user, named_row):
    response = _delete_selected(client_for(admin_user), [named_row])

    html = response.content.decode()
    assert response.status_code == 200
    assert type(named_row).objects.filter(pk=named_row.pk).exists()
    assert "is named in the history and cannot be deleted" in html
    assert f"“{named_row}”" in html


def test_delete_selected_deletes_none_when_one_is_named(client_for, admin_user, stage_in_history):
    unused = StageFactory(name="Never used")

    _delete_selected(client_for(admin_user), [stage_in_history, unused])

    assert Stage.objects.filter(pk__in=[stage_in_history.pk, unused.pk]).count() == 2


@pytest.mark.parametrize(
    "make", [lambda: StageFactory(name="Never used"), lambda: BusinessAreaFactory(name="Unused")]
)
def test_a_lookup_never_used_is_deleted_on_both_paths(client_for, admin_user, make):
    client = client_for(admin_user)
    one, two = make(), type(make())._default_manager.create(name="Also unused", order=99)

    response = client.post(_delete_page(client, one), {"post": "yes"})
    assert response.status_code == 302
    _delete_selected(client, [two])

    assert not type(one)._default_manager.filter(pk__in=[one.pk, two.pk]).exists()


def test_a_user_never_named_is_deleted_on_both_paths(client_for, admin_user):
    client = client_for(admin_user)
    one, two = UserFactory(username="one"), UserFactory(username="two")

    assert client.post(_delete_page(client, one), {"post": "yes"}).status_code == 302
    _delete_selected(client, [two])

    assert not User.objects.filter(username__in=["one", "two"]).exists()


def test_a_user_who_only_changed_something_is_kept(client_for, admin_user):
    editor = UserFactory(username="editor", is_staff=True)
    area = BusinessAreaFactory(name="Edited")
    area._history_user = editor
    area.save()

    _delete_selected(client_for(admin_user), [editor])

    assert User.objects.filter(pk=editor.pk).exists()


def test_code_cannot_delete_what_the_history_names(named_row):
    with pytest.raises(HistoryProtectedError, match="Deactivate it instead"), transaction.atomic():
        named_row.delete()
    with pytest.raises(HistoryProtectedError), transaction.atomic():
        type(named_row).objects.filter(pk=named_row.pk).delete()
    assert type(named_row).objects.filter(pk=named_row.pk).exists()


def test_a_category_the_history_names_is_kept():
    category = ForecastCategory.objects.create(name="Upside", order=50)
    deal = OpportunityFactory(forecast_category=category)
    deal.forecast_category = None
    deal.save()

    with pytest.raises(HistoryProtectedError), transaction.atomic():
        category.delete()


def test_deactivate_selected_retires_each_row_in_the_history(client_for, admin_user, named_row):
    client = client_for(admin_user)
    opts = named_row._meta
    response = client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        {"action": "deactivate_selected", "_selected_action": [named_row.pk]},
        follow=True,
    )

    named_row.refresh_from_db()
    assert response.status_code == 200
    assert not named_row.is_active
    assert "1 row deactivated." in response.content.decode()
    if isinstance(named_row, BusinessArea | Stage):
        record = named_row.history.latest()
        assert (record.history_change_reason, record.history_user) == (Origin.ADMIN, admin_user)


def test_deactivate_selected_leaves_the_administrator_active(client_for, admin_user):
    _ = client_for(admin_user).post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate_selected", "_selected_action": [admin_user.pk]},
    )

    admin_user.refresh_from_db()
    assert admin_user.is_active
