from pathlib import Path

import pytest
from django.urls import reverse

from activities.models import Document

from ..factories import ActivityFactory, DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["activitytype", "activity", "document"])
def test_admin_lists_render(client_for, admin_user, model):
    ActivityFactory()
    DocumentFactory()
    response = client_for(admin_user).get(reverse(f"admin:activities_{model}_changelist"))
    assert response.status_code == 200


def test_documents_are_not_added_in_the_admin(client_for, admin_user):
    response = client_for(admin_user).get(reverse("admin:activities_document_add"))
    assert response.status_code == 403


def test_admin_document_page_and_delete(client_for, admin_user, django_capture_on_commit_callbacks):
    document = DocumentFactory()
    client = client_for(admin_user)
    change = client.get(reverse("admin:activities_document_change", args=[document.pk]))
    assert change.status_code == 200
    path = document.file.path
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:activities_document_delete", args=[document.pk]), {"post": "yes"}
        )
    assert not Document.objects.exists()
    assert Document.history.get(history_type="-").history_user == admin_user
    assert not Path(path).exists()


def test_the_admin_refuses_an_activity_out_of_the_date_bounds(client_for, admin_user):
    activity = ActivityFactory(task=True)
    response = client_for(admin_user).post(
        reverse("admin:activities_activity_change", args=[activity.pk]),
        {
            "type": activity.type_id,
            "subject": activity.subject,
            "start_0": "0001-01-01",
            "start_1": "00:00:00",
            "due_date": "0001-01-01",
            "owner": activity.owner_id,
            "account": activity.account_id,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "start" in errors and "due_date" in errors
    activity.refresh_from_db()
    assert activity.due_date.year > 2000
