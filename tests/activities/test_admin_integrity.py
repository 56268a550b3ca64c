"""Activities saved in the Django admin follow the done rule (issue 14, item 1): ticking
"done" records when, unticking clears it, never a 500 on the completed-at constraint."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.agenda import day_start
from pipeline_crm.history import Origin

from ..admin_helpers import change_url, form_data, form_errors, post_change
from ..factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_ticking_done_in_the_admin_records_when(client_for, admin_user):
    activity = ActivityFactory()
    before = timezone.now()
    response = post_change(client_for(admin_user), activity, {"is_done": "on"})
    assert response.status_code == 302, form_errors(response)
    activity.refresh_from_db()
    assert activity.is_done and activity.completed_at >= before.replace(microsecond=0)
    record = activity.history.latest()
    assert (record.history_change_reason, record.history_user) == (Origin.ADMIN, admin_user)


def test_unticking_done_in_the_admin_clears_the_completed_time(client_for, admin_user):
    activity = ActivityFactory(is_done=True)
    client = client_for(admin_user)
    data = form_data(client, change_url(activity))
    data.pop("is_done")
    response = client.post(change_url(activity), data)
    assert response.status_code == 302, form_errors(response)
    activity.refresh_from_db()
    assert (activity.is_done, activity.completed_at) == (False, None)


def test_a_done_activity_saved_again_keeps_its_completed_time(client_for, admin_user):
    activity = ActivityFactory(is_done=True)
    completed = activity.completed_at
    response = post_change(client_for(admin_user), activity, {"subject": "Renamed"})
    assert response.status_code == 302, form_errors(response)
    activity.refresh_from_db()
    assert (activity.subject, activity.completed_at) == ("Renamed", completed)


def test_an_activity_added_done_in_the_admin_has_a_completed_time(client_for, admin_user):
    account = AccountFactory()
    client = client_for(admin_user)
    url = reverse("admin:activities_activity_add")
    data = form_data(client, url)
    activity = ActivityFactory.build()
    data.update(
        type=activity.type_id,
        subject="Done already",
        start_0="2026-12-01",
        start_1="10:00:00",
        owner=admin_user.pk,
        account=account.pk,
        is_done="on",
    )
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    created = account.activities.get()
    assert created.is_done and created.completed_at is not None


def test_the_admin_refuses_a_contact_of_another_account(client_for, admin_user):
    activity = ActivityFactory()
    stranger = ContactFactory()
    response = post_change(client_for(admin_user), activity, {"contact": stranger.pk})
    assert "contact" in form_errors(response)
    activity.refresh_from_db()
    assert activity.contact is None


def test_a_task_saved_in_the_admin_starts_on_its_due_date(client_for, admin_user):
    activity = ActivityFactory(task=True)
    due = datetime.date(2027, 3, 15)
    response = post_change(client_for(admin_user), activity, {"due_date": due.isoformat()})
    assert response.status_code == 302, form_errors(response)
    activity.refresh_from_db()
    assert (activity.due_date, activity.start, activity.end) == (due, day_start(due), None)
