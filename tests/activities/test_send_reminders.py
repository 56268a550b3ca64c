from datetime import UTC, date, datetime, timedelta
from io import StringIO
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command

from activities.models import ReminderDelivery

from ..factories import ActivityFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def stockholm(settings):
    settings.TIME_ZONE = "Europe/Stockholm"


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", "--date", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_each_user_gets_their_day(salesperson, other_salesperson):
    ActivityFactory(
        owner=salesperson,
        subject="Overdue call",
        start=datetime(2026, 3, 9, 22, 59, tzinfo=UTC),  # 23:59 yesterday, local time
        end=None,
    )
    ActivityFactory(
        owner=salesperson,
        subject="Late meeting",
        start=datetime(2026, 3, 10, 22, 0, tzinfo=UTC),  # 23:00 today, local time
        end=None,
    )
    ActivityFactory(
        owner=salesperson,
        subject="Tomorrow",
        start=datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
        end=None,
    )
    ActivityFactory(owner=salesperson, subject="Prepare quote", task=True, due_date=TODAY)
    OpportunityFactory(owner=salesperson, name="Pilot 30 users", next_action_date=TODAY)
    OpportunityFactory(owner=salesperson, name="Later deal", next_action_date=TODAY + timedelta(1))
    ActivityFactory(
        owner=other_salesperson, subject="Charlie's", start=datetime(2026, 3, 10, 9, tzinfo=UTC)
    )

    output = run()

    assert len(mail.outbox) == 2
    alice = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "Overdue call" in alice.body and "Late meeting" in alice.body
    assert "Prepare quote" in alice.body and "Pilot 30 users" in alice.body
    assert "Tomorrow" not in alice.body and "Later deal" not in alice.body
    assert "Charlie's" not in alice.body
    html, mimetype = alice.alternatives[0]
    assert mimetype == "text/html" and "<a href=" in html and "Pilot 30 users" in html
    assert "http://127.0.0.1:8000/activities/" in alice.body
    assert "alice@example.com: 1 overdue, 2 today, 1 deals" in output
    assert "Sent 2 reminder e-mails" in output


def test_users_with_nothing_due_get_nothing(salesperson, other_salesperson):
    ActivityFactory(owner=salesperson, start=datetime(2026, 3, 10, 9, tzinfo=UTC))
    output = run()
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "2 users had nothing due" in output  # Charlie and the account owner


def test_done_activities_are_not_reminded(salesperson):
    ActivityFactory(owner=salesperson, start=datetime(2026, 3, 9, 9, tzinfo=UTC), is_done=True)
    run()
    assert mail.outbox == []


def test_users_without_address_or_inactive_are_skipped():
    for user in (UserFactory(email=""), UserFactory(is_active=False)):
        ActivityFactory(owner=user, start=datetime(2026, 3, 9, 9, tzinfo=UTC))
    run()
    assert mail.outbox == []


def test_co_responsible_users_are_reminded_of_the_deal(salesperson, co_responsible):
    deal = OpportunityFactory(owner=salesperson, name="Shared", next_action_date=TODAY)
    deal.co_responsible.add(co_responsible)
    run()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]


def test_closed_deals_are_not_reminded(salesperson):
    OpportunityFactory(
        owner=salesperson, next_action_date=TODAY, status="won", closed_date=TODAY, probability=100
    )
    run()
    assert mail.outbox == []


def test_dry_run_prints_without_sending(salesperson):
    ActivityFactory(owner=salesperson, start=datetime(2026, 3, 9, 9, tzinfo=UTC))
    output = run("--dry-run")
    assert mail.outbox == []
    assert "Would send to alice@example.com: 1 overdue, 0 today, 0 deals" in output


def test_the_mail_is_in_the_site_language(settings, salesperson):
    settings.LANGUAGE_CODE = "sv"
    ActivityFactory(owner=salesperson, start=datetime(2026, 3, 9, 9, tzinfo=UTC))
    run()
    assert mail.outbox[0].subject.endswith("2026-03-10")


def test_a_bad_date_is_an_error():
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "10/03/2026", stdout=StringIO())


class RefusingBackend(locmem.EmailBackend):
    """The test outbox, with a mail server that refuses Alice's address."""

    def send_messages(self, messages):
        for message in messages:
            if "alice@example.com" in message.to:
                raise SMTPRecipientsRefused({"alice@example.com": (550, b"No such user")})
        return super().send_messages(messages)


def test_one_failing_user_does_not_stop_the_others(settings, salesperson, other_salesperson):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    for user in (salesperson, other_salesperson):
        ActivityFactory(owner=user, start=datetime(2026, 3, 9, 9, tzinfo=UTC))
    err = StringIO()
    with pytest.raises(CommandError, match="1 reminder e-mails failed"):
        call_command("send_reminders", "--date", TODAY.isoformat(), stdout=StringIO(), stderr=err)
    assert [m.to for m in mail.outbox] == [["charlie@example.com"]]
    assert "Failed for alice@example.com" in err.getvalue()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_out_of_bounds_is_an_error(day):
    with pytest.raises(CommandError, match="between"):
        call_command("send_reminders", "--date", day, stdout=StringIO())


def test_a_day_is_sent_once_even_when_the_run_starts_again(salesperson, other_salesperson):
    ActivityFactory(owner=salesperson, subject="Prepare quote", task=True, due_date=TODAY)
    ActivityFactory(owner=other_salesperson, subject="Call back", task=True, due_date=TODAY)

    run()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [salesperson.email, other_salesperson.email]
    )
    assert ReminderDelivery.objects.filter(day=TODAY).count() == 2

    mail.outbox.clear()
    output = run()  # a worker restarted, a second cron: nobody gets the day twice
    assert mail.outbox == []
    assert "2 already had it" in output

    mail.outbox.clear()
    run("--again")
    assert len(mail.outbox) == 2
    assert ReminderDelivery.objects.filter(day=TODAY).count() == 2


def test_a_run_cut_short_sends_the_rest_when_started_again(salesperson, other_salesperson):
    ActivityFactory(owner=salesperson, subject="Prepare quote", task=True, due_date=TODAY)
    ActivityFactory(owner=other_salesperson, subject="Call back", task=True, due_date=TODAY)
    # The first run reached only the salesperson before the worker stopped.
    ReminderDelivery.objects.create(user=salesperson, day=TODAY)

    run()

    assert [m.to for m in mail.outbox] == [[other_salesperson.email]]


def test_a_dry_run_records_nothing(salesperson):
    ActivityFactory(owner=salesperson, subject="Prepare quote", task=True, due_date=TODAY)
    run("--dry-run")
    assert not ReminderDelivery.objects.exists()
    run()
    assert len(mail.outbox) == 1
