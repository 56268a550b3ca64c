"""The daily expiry: a management command (also queued as a background job)."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jobs.models import Job
from quotes import services
from quotes.models import Quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(draft, salesperson):
    return services.mark_sent(draft, user=salesperson, today=date(2026, 1, 10))


def test_expires_quotes_past_valid_until(sent):
    out = StringIO()
    call_command("expire_quotes", "--date", "2026-02-10", stdout=out)
    assert "Expired 1 quotes" in out.getvalue()
    sent.refresh_from_db()
    assert sent.status == Quote.Status.EXPIRED
    assert sent.history.order_by("-history_id").first().history_change_reason == "system"


def test_valid_until_is_the_last_valid_day(sent):
    call_command("expire_quotes", "--date", sent.valid_until.isoformat(), stdout=StringIO())
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT
    day_after = (sent.valid_until + timedelta(days=1)).isoformat()
    call_command("expire_quotes", "--date", day_after, stdout=StringIO())
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.EXPIRED


def test_dry_run_changes_nothing(sent):
    out = StringIO()
    call_command("expire_quotes", "--date", "2026-02-10", "--dry-run", stdout=out)
    assert "Would expire 1" in out.getvalue()
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT


def test_background_runs_as_a_job(sent):
    call_command("expire_quotes", "--date", "2026-02-10", "--background", stdout=StringIO())
    job = Job.objects.get()
    assert "Expired 1 quotes" in job.result["output"]
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.EXPIRED


@pytest.mark.parametrize("value", ["tomorrow", "3000-01-01"])
def test_bad_dates_are_refused(value):
    with pytest.raises(CommandError):
        call_command("expire_quotes", "--date", value, stdout=StringIO())
