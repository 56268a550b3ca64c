from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import ActivityFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_mark_done_with_htmx_returns_the_updated_row(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson, subject="Call Une")
    before = timezone.now()
    response = client_for(salesperson).post(
        reverse("activities:done", args=[activity.pk]), {"layout": "row"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="activity-{activity.pk}"')
    assert "is-done" in response.text and "Call Une" in response.text
    activity.refresh_from_db()
    assert activity.is_done and before <= activity.completed_at <= timezone.now()
    assert activity.history.first().history_user == salesperson


def test_mark_done_from_a_panel_returns_the_list_item(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    response = client_for(salesperson).post(
        reverse("activities:done", args=[activity.pk]), {"layout": "item"}, HTTP_HX_REQUEST="true"
    )
    assert response.text.lstrip().startswith(f'<li id="activity-{activity.pk}"')


def test_mark_done_twice_keeps_the_first_completed_time(client_for, salesperson):
    first = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    activity = ActivityFactory(owner=salesperson, is_done=True, completed_at=first)
    client_for(salesperson).post(reverse("activities:done", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.completed_at == first


def test_mark_done_without_htmx_redirects(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    response = client_for(salesperson).post(
        reverse("activities:done", args=[activity.pk]), {"next": "/activities/"}
    )
    assert response.status_code == 302 and response["Location"] == "/activities/"


def test_outsider_cannot_mark_done(client_for, salesperson, other_salesperson):
    activity = ActivityFactory(owner=salesperson)
    response = client_for(other_salesperson).post(
        reverse("activities:done", args=[activity.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    activity.refresh_from_db()
    assert not activity.is_done


def test_mark_done_is_post_only(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    assert (
        client_for(salesperson).get(reverse("activities:done", args=[activity.pk])).status_code
        == 405
    )


def test_a_deal_panel_item_stays_without_the_deal_link_once_done(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, name="Pilot 30 users")
    activity = ActivityFactory(owner=salesperson, account=deal.account, opportunity=deal)
    url = reverse("activities:done", args=[activity.pk])
    client = client_for(salesperson)
    in_panel = client.post(
        url, {"layout": "item", "panel_kind": "opportunity"}, HTTP_HX_REQUEST="1"
    )
    assert "Pilot 30 users" not in in_panel.text
    elsewhere = client.post(url, {"layout": "item"}, HTTP_HX_REQUEST="true")
    assert "Pilot 30 users" in elsewhere.text and deal.account.name in elsewhere.text
