"""A quote nearing its valid-until date reminds its owner: on the dashboard and in the daily
e-mail (collected through activities' reminder registry)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from opportunities.models import Opportunity
from quotes import services
from quotes.models import Quote
from quotes.reminders import quotes_expiring_soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring(draft, salesperson):
    today = timezone.localdate()
    # valid 30 days from 28 days ago: two days left
    return services.mark_sent(draft, user=salesperson, today=today - timedelta(days=28))


def test_the_dashboard_reminds_the_owner(client_for, salesperson, other_salesperson, expiring):
    html = client_for(salesperson).get(reverse("dashboard")).content.decode()
    assert "Quote valid until" in html and expiring.number in html
    other = client_for(other_salesperson).get(reverse("dashboard")).content.decode()
    assert expiring.number not in other


def test_a_deal_handed_over_moves_its_quotes_reminder_to_the_new_owner(
    client_for, salesperson, other_salesperson, expiring
):
    Opportunity.objects.filter(pk=expiring.opportunity_id).update(owner=other_salesperson)
    html = client_for(other_salesperson).get(reverse("dashboard")).content.decode()
    assert "Quote valid until" in html and expiring.number in html
    assert expiring.number not in client_for(salesperson).get(reverse("dashboard")).content.decode()


def test_the_reminder_reads_the_quotes_own_owner(salesperson, other_salesperson, expiring):
    """The quote's kept owner (`Quote.owner`) decides, not a join with its deal: a row whose
    owner was written past the rules still reminds the owner it names."""
    Quote.objects.filter(pk=expiring.pk).update(owner=other_salesperson)
    today = timezone.localdate()
    found = quotes_expiring_soon([salesperson.pk, other_salesperson.pk], today)
    assert [item.url for item in found[other_salesperson.pk]] == [
        reverse("quotes:detail", args=[expiring.pk])
    ]
    assert salesperson.pk not in found
    assert list(quotes_expiring_soon([salesperson.pk], today, limit=25)) == []


def test_a_quote_far_from_expiry_reminds_no_one(client_for, salesperson, draft):
    services.mark_sent(draft, user=salesperson)
    html = client_for(salesperson).get(reverse("dashboard")).content.decode()
    assert "Quote valid until" not in html


def test_the_daily_email_reminds_the_owner(salesperson, expiring):
    call_command("send_reminders", stdout=StringIO())
    [message] = [m for m in mail.outbox if salesperson.email in m.to]
    assert expiring.number in message.body
    assert reverse("quotes:detail", args=[expiring.pk]) in message.body


def test_the_dashboard_panel_counts_the_outstanding_quotes(
    client_for, salesperson, manager, other_salesperson, expiring
):
    html = client_for(salesperson).get(reverse("dashboard")).content.decode()
    assert "My outstanding quotes" in html and expiring.number in html
    team = client_for(manager).get(reverse("dashboard")).content.decode()
    assert "s outstanding quotes" in team and "My outstanding" not in team
    assert expiring.number in team
    other = client_for(other_salesperson).get(reverse("dashboard")).content.decode()
    assert "No quotes waiting for an answer." in other
