"""Issue 15.1: an activity dated outside 1900-01-01..2199-12-31 broke other people's pages.

A task due 0001-01-01 starts at midnight Stockholm time, 1 BC in UTC: PostgreSQL stores it and
psycopg cannot read it back, so every page and job that listed the row failed, for everyone.
"""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from activities.agenda import day_start
from activities.models import Activity, ActivityType, CalendarToken

from ..factories import AccountFactory, ActivityFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="psycopg's read failure is PostgreSQL's"
)


@pytest.fixture(autouse=True)
def stockholm(settings):
    settings.TIME_ZONE = "Europe/Stockholm"


def _task(account, owner, due: str) -> dict:
    return {
        "type": ActivityType.objects.get(name="Task").pk,
        "subject": "Call back",
        "due_date": due,
        "account": account.pk,
        "owner": owner.pk,
    }


def _meeting(account, owner, start: str) -> dict:
    return {
        "type": ActivityType.objects.get(name="Meeting").pk,
        "subject": "Kick-off",
        "start": start,
        "account": account.pk,
        "owner": owner.pk,
    }


def _colleague_pages(account, colleague) -> list[str]:
    token = CalendarToken.objects.get_or_create(user=colleague)[0]
    return [
        reverse("dashboard"),
        reverse("activities:agenda"),
        reverse("activities:agenda") + "?owner=&done=",
        reverse("activities:ical", args=[token.token]),
        account.get_absolute_url(),
    ]


@pytest.mark.parametrize(
    "data",
    [
        lambda a, u: _task(a, u, "0001-01-01"),
        lambda a, u: _task(a, u, "9999-12-31"),
        lambda a, u: _meeting(a, u, "0001-01-01T00:30"),
        lambda a, u: _meeting(a, u, "9999-12-31T23:30"),
    ],
    ids=["task-year-1", "task-9999", "meeting-year-1", "meeting-9999"],
)
def test_a_date_out_of_bounds_is_refused_and_breaks_no_page(
    data, client_for, salesperson, other_salesperson
):
    account = AccountFactory()
    client = client_for(salesperson)
    response = client.post(reverse("activities:create"), data(account, other_salesperson))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "between" in str(errors.get("due_date", errors.get("start")))
    assert not Activity.objects.exists()

    client = client_for(other_salesperson)
    for url in _colleague_pages(account, other_salesperson):
        assert client.get(url).status_code == 200, url
    call_command("send_reminders", "--dry-run", stdout=StringIO())


def test_the_form_offers_the_bounds_to_the_date_picker(client_for, salesperson):
    response = client_for(salesperson).get(reverse("activities:create"))
    assert 'min="1900-01-01"' in response.text and 'max="2199-12-31"' in response.text


def test_a_reschedule_out_of_bounds_is_refused(client_for, salesperson):
    task = ActivityFactory(owner=salesperson, task=True)
    response = client_for(salesperson).post(
        reverse("activities:reschedule", args=[task.pk]), {"due_date": "0001-01-01"}
    )
    assert response.status_code == 200
    assert "due_date" in response.context["form"].errors
    task.refresh_from_db()
    assert task.due_date.year > 2000


def test_the_bounds_themselves_are_accepted(client_for, salesperson):
    account = AccountFactory()
    client = client_for(salesperson)
    for data in (
        _task(account, salesperson, "1900-01-01"),
        _task(account, salesperson, "2199-12-31"),
        _meeting(account, salesperson, "2199-12-31T23:59"),
    ):
        assert client.post(reverse("activities:create"), data).status_code == 302
    token = CalendarToken.objects.get_or_create(user=salesperson)[0]
    assert client.get(reverse("activities:ical", args=[token.token])).status_code == 200


@pytest.mark.parametrize(
    "start",
    [datetime(2300, 1, 1, 9), datetime(1800, 1, 1, 9)],
    ids=["after", "before"],
)
def test_the_database_refuses_a_time_out_of_bounds(start, salesperson):
    activity = ActivityFactory.build(owner=salesperson, account=AccountFactory())
    activity.set_times(day_start(start.date()) + timedelta(hours=9))
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_the_database_refuses_a_due_date_out_of_bounds(salesperson):
    activity = ActivityFactory.build(owner=salesperson, account=AccountFactory())
    activity.set_due_date(date(2300, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


@on_postgresql
def test_the_database_refuses_a_year_one_task(salesperson):
    activity = ActivityFactory.build(owner=salesperson, account=AccountFactory())
    activity.set_due_date(date(1, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_full_clean_refuses_a_date_out_of_bounds(salesperson):
    from django.core.exceptions import ValidationError

    activity = ActivityFactory.build(owner=salesperson, account=AccountFactory())
    activity.set_due_date(date(1, 1, 1))
    with pytest.raises(ValidationError) as error:
        activity.full_clean()
    assert "due_date" in error.value.message_dict and "start" in error.value.message_dict


def _without_the_bounds(model, constraint: str) -> None:
    """Drop the constraint in the test's transaction (PostgreSQL's DDL is transactional), so
    a row as an older version saved it can be made."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {model._meta.db_table} DROP CONSTRAINT {constraint}")


@on_postgresql
def test_the_migration_mends_a_row_psycopg_cannot_read(client_for, salesperson):
    from django.apps import apps
    from django.db import DataError

    repair = __import__(
        "activities.migrations.0005_repair_dates_out_of_bounds", fromlist=["move_into_bounds"]
    )
    _without_the_bounds(Activity, "activity_dates_in_bounds")
    task = ActivityFactory(owner=salesperson, task=True)
    meeting = ActivityFactory(owner=salesperson)
    task.set_due_date(date(1, 1, 1))
    task.save()
    meeting.set_times(day_start(date(9999, 12, 31)), day_start(date(9999, 12, 31)))
    meeting.save()
    with pytest.raises(DataError), transaction.atomic():
        list(Activity.objects.all())
    with pytest.raises(DataError), transaction.atomic():
        list(task.history.all())

    repair.move_into_bounds(apps, None)

    task.refresh_from_db()
    meeting.refresh_from_db()
    assert (task.due_date, task.start) == (date(1900, 1, 1), day_start(date(1900, 1, 1)))
    assert meeting.local_date == date(2199, 12, 31) and meeting.end == meeting.start
    assert task.history.first().due_date == date(1900, 1, 1)  # its history reads again
    client = client_for(salesperson)
    assert client.get(reverse("activities:agenda")).status_code == 200
    assert client.get(task.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_from=2200-01-01&owner="]
)
def test_an_agenda_date_out_of_bounds_is_an_error_next_to_the_field(query, client_for, salesperson):
    ActivityFactory(owner=salesperson)
    response = client_for(salesperson).get(f"{reverse('activities:agenda')}?{query}")
    assert response.status_code == 200
    assert response.context["filter"].form.errors
    assert "Enter a date between" in response.text
