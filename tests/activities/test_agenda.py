from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from activities.agenda import (
    Bucket,
    bucket_counts,
    bucket_of,
    company_today,
    due_counts,
    week_end,
)
from activities.models import Activity

from ..factories import AccountFactory, ActivityFactory

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026 in Stockholm (CET, UTC+1): the day runs 09 Mar 23:00 – 10 Mar 23:00 UTC.
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def stockholm(settings):
    settings.TIME_ZONE = "Europe/Stockholm"


def _bucket(start: datetime, *, done: bool = False) -> Bucket:
    activity = ActivityFactory.build(start=start, end=None, is_done=done)
    return bucket_of(activity.local_date, is_done=done, today=TODAY)


@pytest.mark.parametrize(
    ("start", "bucket"),
    [
        (datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC), Bucket.OVERDUE),  # 23:59:59 yesterday
        (datetime(2026, 3, 9, 23, 0, 0, tzinfo=UTC), Bucket.TODAY),  # 00:00 today
        (datetime(2026, 3, 10, 22, 59, 59, tzinfo=UTC), Bucket.TODAY),  # 23:59:59 today
        (datetime(2026, 3, 10, 23, 0, 0, tzinfo=UTC), Bucket.THIS_WEEK),  # 00:00 tomorrow
        (datetime(2026, 3, 15, 22, 59, 59, tzinfo=UTC), Bucket.THIS_WEEK),  # Sunday 23:59:59
        (datetime(2026, 3, 15, 23, 0, 0, tzinfo=UTC), Bucket.LATER),  # Monday 00:00
    ],
)
def test_bucket_boundaries_are_local_midnights(start, bucket):
    assert _bucket(start) == bucket


def test_a_done_activity_before_today_is_not_overdue():
    assert _bucket(datetime(2026, 3, 8, 9, 0, tzinfo=UTC), done=True) == Bucket.EARLIER


def test_the_utc_date_does_not_decide_the_bucket():
    # 00:30 local on the 10th is still the 9th in UTC.
    assert _bucket(datetime(2026, 3, 9, 23, 30, tzinfo=UTC)) == Bucket.TODAY


def test_week_ends_on_sunday():
    assert week_end(TODAY) == date(2026, 3, 15)
    assert week_end(date(2026, 3, 15)) == date(2026, 3, 15)


def test_company_today_uses_the_company_zone():
    assert company_today(datetime(2026, 3, 9, 23, 30, tzinfo=UTC)) == TODAY


def test_database_counts_agree_with_the_buckets_at_the_boundaries():
    starts = [
        datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 9, 23, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 10, 23, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 15, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 15, 23, 0, 0, tzinfo=UTC),
    ]
    for start in starts:
        ActivityFactory(start=start, end=None)
    ActivityFactory(start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), is_done=True)
    task = ActivityFactory(task=True, due_date=TODAY)
    counts = bucket_counts(Activity.objects.all(), today=TODAY)
    assert counts == {
        Bucket.OVERDUE: 1,
        Bucket.EARLIER: 1,
        Bucket.TODAY: 3,
        Bucket.THIS_WEEK: 2,
        Bucket.LATER: 1,
    }
    assert bucket_of(task.local_date, is_done=False, today=TODAY) == Bucket.TODAY


def test_due_counts_equal_the_buckets_of_what_is_due(salesperson, other_salesperson):
    """The reminders' counts (`due_counts`) are `bucket_counts`' overdue and today's of the
    due activities, at every boundary of the day, a task due today, done and other people's
    activities among them."""
    starts = [
        datetime(2026, 2, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 9, 23, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 22, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 10, 23, 0, 0, tzinfo=UTC),
    ]
    for start in starts:
        ActivityFactory(owner=salesperson, start=start, end=None)
        ActivityFactory(owner=other_salesperson, start=start, end=None)
    ActivityFactory(owner=salesperson, start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), is_done=True)
    ActivityFactory(owner=salesperson, task=True, due_date=TODAY)
    due = Activity.objects.due_by(TODAY).owned_by(salesperson)
    plain = bucket_counts(due, today=TODAY)
    counts = due_counts(due, today=TODAY)
    assert counts == {Bucket.OVERDUE: plain[Bucket.OVERDUE], Bucket.TODAY: plain[Bucket.TODAY]}
    assert counts == {Bucket.OVERDUE: 2, Bucket.TODAY: 3}


def _agenda(client, **params):
    return client.get(reverse("activities:agenda"), params)


def _shown(response) -> set[str]:
    return {a.subject for _bucket, _count, rows in response.context["groups"] for a in rows}


def test_agenda_shows_my_planned_activities_by_default(client_for, salesperson, other_salesperson):
    ActivityFactory(owner=salesperson, subject="Mine")
    ActivityFactory(owner=salesperson, subject="Mine, done", is_done=True)
    ActivityFactory(owner=other_salesperson, subject="Charlie's")
    response = _agenda(client_for(salesperson))
    assert response.status_code == 200
    assert _shown(response) == {"Mine"}


def test_agenda_filters_everyone_done_and_account(client_for, salesperson, other_salesperson):
    account = AccountFactory()
    ActivityFactory(owner=salesperson, subject="Mine")
    ActivityFactory(owner=other_salesperson, account=account, subject="Charlie's")
    ActivityFactory(owner=other_salesperson, account=account, subject="Done", is_done=True)
    client = client_for(salesperson)
    assert _shown(_agenda(client, owner="")) == {"Mine", "Charlie's"}
    assert _shown(_agenda(client, owner="", done="yes")) == {"Done"}
    assert _shown(_agenda(client, owner="", done="", account=account.pk)) == {"Charlie's", "Done"}
    assert response_focus(_agenda(client, owner="", account=account.pk)) == account


def response_focus(response):
    return response.context["focus"]


def test_agenda_filters_by_type_and_local_date_range(client_for, salesperson):
    from activities.models import ActivityType

    call = ActivityType.objects.get(name="Phone call")
    tomorrow = company_today() + timedelta(days=1)
    ActivityFactory(owner=salesperson, subject="Call", type=call)
    ActivityFactory(owner=salesperson, subject="Far", start=datetime.now(UTC) + timedelta(days=40))
    client = client_for(salesperson)
    assert _shown(_agenda(client, type=call.pk)) == {"Call"}
    day = tomorrow.isoformat()
    assert _shown(_agenda(client, date_from=day, date_to=day)) == {"Call"}


def test_agenda_groups_rows_under_their_buckets(client_for, salesperson):
    now = datetime.now(UTC)
    ActivityFactory(owner=salesperson, subject="Late", start=now - timedelta(days=3), end=None)
    ActivityFactory(owner=salesperson, subject="Far", start=now + timedelta(days=30), end=None)
    response = _agenda(client_for(salesperson))
    buckets = [bucket for bucket, _count, _rows in response.context["groups"]]
    assert buckets[0] == Bucket.OVERDUE and buckets[-1] == Bucket.LATER
    assert "overdue" in response.text


def test_agenda_htmx_returns_the_region_alone(client_for, salesperson):
    ActivityFactory(owner=salesperson, subject="Mine")
    response = client_for(salesperson).get(reverse("activities:agenda"), HTTP_HX_REQUEST="true")
    assert response.text.lstrip().startswith('<div id="table-region"')
    assert "HX-Request" in response["Vary"]


def test_the_navigation_shows_activities(client_for, salesperson):
    response = client_for(salesperson).get(reverse("dashboard"))
    assert f'href="{reverse("activities:agenda")}"' in response.text


@pytest.mark.parametrize("rows", [5, 50])
def test_agenda_queries_do_not_grow_with_rows(
    client_for, salesperson, django_assert_max_num_queries, rows
):
    now = datetime.now(UTC)
    for i in range(rows):
        ActivityFactory(owner=salesperson, start=now + timedelta(hours=i - rows // 2))
    client = client_for(salesperson)
    with django_assert_max_num_queries(12):
        response = _agenda(client)
    assert sum(len(r) for _b, _c, r in response.context["groups"]) == rows
