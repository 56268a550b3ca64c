"""seed_demo makes quotes in every status, through the services; a rerun adds none."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from quotes.models import Quote
from quotes.services import quote_totals

pytestmark = pytest.mark.django_db


def _seed():
    call_command("seed_demo", deals=150, activities=20, stdout=io.StringIO(), stderr=io.StringIO())


def test_seed_demo_makes_quotes_in_every_status_and_a_rerun_none(client):
    _seed()
    statuses = set(Quote.objects.values_list("status", flat=True))
    assert statuses == set(Quote.Status.values)
    for quote in Quote.objects.prefetch_related("lines"):
        totals = quote_totals(quote.lines.all(), quote.vat_percent)
        assert (quote.amount, quote.margin, quote.vat_amount) == (
            totals["amount"],
            totals["margin"],
            totals["vat_amount"],
        )
        assert bool(quote.number) == quote.is_sent
    count = Quote.objects.count()
    _seed()
    assert Quote.objects.count() == count
    # The outstanding quotes link each one's PDF.
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="magnus"))
    html = client.get(reverse("quotes:list")).content.decode()
    for quote in Quote.objects.outstanding():
        assert reverse("quotes:pdf", args=[quote.pk]) in html
