from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Account
from activities.agenda import day_start
from activities.models import Activity, Document
from activities.services import check_links, set_done

from ..factories import (
    AccountFactory,
    ActivityFactory,
    ActivityTypeFactory,
    ContactFactory,
    DocumentFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db


def test_the_six_activity_types_are_seeded():
    from activities.models import ActivityType

    kinds = dict(ActivityType.objects.values_list("name", "kind"))
    assert kinds == {
        "Meeting": "meeting",
        "Phone call": "call",
        "E-mail": "email",
        "Seminar": "seminar",
        "Task": "task",
        "Note": "note",
    }


def test_a_new_lookup_type_keeps_history():
    kind = ActivityTypeFactory(name="Trade fair", kind="seminar")
    assert kind.history.count() == 1


def test_end_before_start_is_refused_by_the_database():
    activity = ActivityFactory()
    activity.end = activity.start - timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_done_without_completed_time_is_refused_by_the_database():
    activity = ActivityFactory()
    activity.is_done = True
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_set_done_stamps_completed_at_once():
    activity = ActivityFactory()
    first = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    set_done(activity, True, now=first)
    set_done(activity, True, now=first + timedelta(hours=1))
    assert activity.is_done and activity.completed_at == first
    set_done(activity, False)
    assert not activity.is_done and activity.completed_at is None


def test_a_task_is_ordered_at_the_start_of_its_due_day_in_the_company_zone(settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    task = ActivityFactory(task=True, due_date=date(2026, 3, 10))
    assert task.start == datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    assert task.local_date == date(2026, 3, 10)
    assert task.duration is None


def test_local_date_follows_the_company_time_zone(settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    late = ActivityFactory(start=datetime(2026, 7, 1, 22, 30, tzinfo=UTC), end=None)
    assert late.local_date == date(2026, 7, 2)


def test_contact_and_deal_must_belong_to_the_activitys_account():
    account = AccountFactory()
    other = AccountFactory()
    activity = Activity(
        account=account,
        contact=ContactFactory(account=other),
        opportunity=OpportunityFactory(account=other),
    )
    assert set(check_links(activity)) == {"contact", "opportunity"}


def test_panel_order_is_planned_soonest_first_then_done_newest_first():
    account = AccountFactory()
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    done_old = ActivityFactory(account=account, start=now - timedelta(days=5), is_done=True)
    done_new = ActivityFactory(account=account, start=now - timedelta(days=1), is_done=True)
    later = ActivityFactory(account=account, start=now + timedelta(days=3))
    soon = ActivityFactory(account=account, start=now + timedelta(days=1))
    overdue = ActivityFactory(account=account, start=now - timedelta(days=2))
    ordered = list(Activity.objects.on(account).in_panel_order())
    assert ordered == [overdue, soon, later, done_new, done_old]


def test_a_document_belongs_to_exactly_one_of_account_and_deal():
    deal = OpportunityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory(account=deal.account, opportunity=deal)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory(account=None, opportunity=None)


def test_deleting_a_deal_keeps_its_activities_on_the_account():
    deal = OpportunityFactory()
    activity = ActivityFactory(account=deal.account, opportunity=deal)
    deal.delete()
    activity.refresh_from_db()
    assert activity.opportunity is None and activity.account == deal.account


def test_an_account_with_documents_is_protected():
    from django.db.models import ProtectedError

    document = DocumentFactory()
    with pytest.raises(ProtectedError):
        Account.objects.filter(pk=document.account_id).delete()
    assert Document.objects.filter(pk=document.pk).exists()


def test_day_start_is_local_midnight_across_daylight_saving(settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    assert day_start(date(2026, 3, 29)) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert day_start(date(2026, 3, 30)) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
