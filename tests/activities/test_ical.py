from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from activities.models import CalendarToken

from ..factories import ActivityFactory, ContactFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _feed(client, user):
    token = CalendarToken.objects.get_or_create(user=user)[0]
    return client.get(reverse("activities:ical", args=[token.token]))


def _events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_feed_is_public_and_valid_icalendar(client, salesperson):
    deal = OpportunityFactory(owner=salesperson, name="Pilot 30 users")
    contact = ContactFactory(account=deal.account, first_name="Une", last_name="Amundsen")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    meeting = ActivityFactory(
        owner=salesperson,
        subject="Board presentation",
        account=deal.account,
        contact=contact,
        opportunity=deal,
        start=start,
        end=start + timedelta(hours=2),
        notes="Bring the pilot figures",
    )
    response = _feed(client, salesperson)  # not logged in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    event = _events(response)["Meeting: Board presentation"]
    assert str(event["UID"]).startswith(f"activity-{meeting.pk}@")
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert event.decoded("DTSTART") == start and event.decoded("DTSTART").utcoffset() == timedelta(
        0
    )
    assert event.decoded("DTEND") == start + timedelta(hours=2)
    assert event["DTSTART"].to_ical().endswith(b"Z")
    description = str(event["DESCRIPTION"])
    assert "Pilot 30 users" in description and "Une Amundsen" in description
    assert "Bring the pilot figures" in description
    assert str(event["URL"]) == f"http://testserver{meeting.get_absolute_url()}"


def test_a_task_is_an_all_day_event_on_its_due_date(client, salesperson):
    due = date.today() + timedelta(days=3)
    ActivityFactory(owner=salesperson, subject="Send the contract", task=True, due_date=due)
    event = _events(_feed(client, salesperson))["Task: Send the contract"]
    assert event.decoded("DTSTART") == due
    assert event.decoded("DTEND") == due + timedelta(days=1)


def test_an_activity_without_end_gets_a_default_length(client, salesperson):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    ActivityFactory(owner=salesperson, subject="Quick call", start=start, end=None)
    event = _events(_feed(client, salesperson))["Meeting: Quick call"]
    assert event.decoded("DTEND") > event.decoded("DTSTART")


def test_done_activities_are_marked(client, salesperson):
    ActivityFactory(
        owner=salesperson,
        subject="Held",
        start=datetime.now(UTC) - timedelta(days=1),
        is_done=True,
    )
    assert "✓ Meeting: Held" in _events(_feed(client, salesperson))


def test_feed_holds_only_the_users_own_activities(client, salesperson, other_salesperson):
    ActivityFactory(owner=salesperson, subject="Mine")
    ActivityFactory(owner=other_salesperson, subject="Theirs")
    assert set(_events(_feed(client, salesperson))) == {"Meeting: Mine"}


def test_unknown_token_is_404(client):
    assert client.get(reverse("activities:ical", args=["x" * 43])).status_code == 404


def test_inactive_users_feed_is_404(client):
    user = UserFactory(is_active=False)
    assert _feed(client, user).status_code == 404


def test_calendar_page_creates_the_token_on_first_need(client_for, groupless_user):
    response = client_for(groupless_user).get(reverse("activities:calendar"))
    token = CalendarToken.objects.get(user=groupless_user)
    assert response.status_code == 200
    assert f"http://testserver/activities/ical/{token.token}.ics" in response.text
    assert len(token.token) >= 43


def test_regenerating_the_token_retires_the_old_url(client_for, client, salesperson):
    logged_in = client_for(salesperson)
    logged_in.get(reverse("activities:calendar"))
    old = CalendarToken.objects.get(user=salesperson).token
    old_url = reverse("activities:ical", args=[old])
    response = logged_in.post(reverse("activities:calendar_regenerate"))
    assert response.status_code == 302
    new = CalendarToken.objects.get(user=salesperson).token
    assert new != old
    logged_in.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("activities:ical", args=[new])).status_code == 200


def test_regenerate_is_post_only(client_for, salesperson):
    response = client_for(salesperson).get(reverse("activities:calendar_regenerate"))
    assert response.status_code == 405


def test_calendar_page_needs_login(client):
    response = client.get(reverse("activities:calendar"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_unchanged_feed_answers_not_modified(client, salesperson):
    ActivityFactory(owner=salesperson, subject="Mine")
    first = _feed(client, salesperson)
    token = CalendarToken.objects.get(user=salesperson).token
    url = reverse("activities:ical", args=[token])
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_changed_activity_changes_the_feed(client, salesperson):
    activity = ActivityFactory(owner=salesperson, subject="Before")
    first = _feed(client, salesperson)
    activity.subject = "After"
    activity.save()
    second = _feed(client, salesperson)
    assert second["ETag"] != first["ETag"]
    assert "Meeting: After" in _events(second)


def test_an_event_that_cannot_be_written_is_left_out_of_the_feed(caplog):
    from activities.ical import _Labels, feed_events
    from activities.models import Activity, ActivityType

    labels = _Labels.make(lambda path: f"https://crm.example{path}")
    task_type = ActivityType.objects.get(name="Task")
    now = datetime.now(UTC)
    good = Activity(pk=1, type=task_type, subject="Fine", updated_at=now)
    good.set_due_date(date(2199, 12, 31))
    last_day = Activity(pk=2, type=task_type, subject="Last day", updated_at=now)
    last_day.due_date = date.max  # its all-day end, the day after, does not exist
    last_day.start = now
    for activity in (good, last_day):
        activity.account = OpportunityFactory.build().account
    events = list(feed_events([last_day, good], labels=labels, host="crm.example", stamp=now))
    assert [str(e["SUMMARY"]) for e in events] == ["Task: Fine"]
    assert "Activity 2 left out" in caplog.text
