from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from ..factories import ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stockholm(settings):
    settings.TIME_ZONE = "Europe/Stockholm"


def test_reschedule_a_meeting_inline_returns_the_row(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    client = client_for(salesperson)
    url = reverse("activities:reschedule", args=[activity.pk])
    form = client.get(url, {"layout": "row"}, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "<form" in form.text
    response = client.post(
        url,
        {"start": "2026-12-02T13:00", "end": "2026-12-02T14:00", "layout": "row"},
        HTTP_HX_REQUEST="true",
    )
    assert response.text.lstrip().startswith(f'<tr id="activity-{activity.pk}"')
    activity.refresh_from_db()
    assert activity.start == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert activity.end == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


def test_reschedule_a_task_moves_its_due_date(client_for, salesperson):
    task = ActivityFactory(owner=salesperson, task=True)
    client_for(salesperson).post(
        reverse("activities:reschedule", args=[task.pk]), {"due_date": "2026-12-24"}
    )
    task.refresh_from_db()
    assert task.due_date == date(2026, 12, 24) and task.local_date == date(2026, 12, 24)


def test_reschedule_refuses_an_end_before_the_start(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    start = activity.start
    response = client_for(salesperson).post(
        reverse("activities:reschedule", args=[activity.pk]),
        {"start": "2026-12-02T13:00", "end": "2026-12-02T12:00"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "errorlist" in response.text
    activity.refresh_from_db()
    assert activity.start == start


def test_outsider_cannot_reschedule(client_for, salesperson, other_salesperson):
    activity = ActivityFactory(owner=salesperson)
    url = reverse("activities:reschedule", args=[activity.pk])
    client = client_for(other_salesperson)
    assert client.get(url).status_code == 403
    assert client.post(url, {"start": "2026-12-02T13:00"}).status_code == 403


def test_the_deals_owner_may_reschedule_a_colleagues_activity_on_it(
    client_for, salesperson, other_salesperson
):
    deal = OpportunityFactory(owner=salesperson)
    activity = ActivityFactory(owner=other_salesperson, account=deal.account, opportunity=deal)
    response = client_for(salesperson).post(
        reverse("activities:reschedule", args=[activity.pk]), {"start": "2026-12-02T13:00"}
    )
    assert response.status_code == 302


def test_cancel_returns_the_row(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    response = client_for(salesperson).get(
        reverse("activities:row", args=[activity.pk]), {"layout": "item"}, HTTP_HX_REQUEST="true"
    )
    assert response.text.lstrip().startswith(f'<li id="activity-{activity.pk}"')
