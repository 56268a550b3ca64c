"""seed_demo makes quotes in every status, through the services; a rerun adds none."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from quotes import kept_owner
from quotes.models import Quote, QuoteNumberCounter
from quotes.services import quote_totals

pytestmark = pytest.mark.django_db


def _seed():
    call_command("seed_demo", deals=150, activities=20, stdout=io.StringIO(), stderr=io.StringIO())


def _assert_each_quote_sums_its_lines():
    """Every quote's totals are its lines' (`quote_totals`), and only a sent one has a number."""
    for quote in Quote.objects.prefetch_related("lines"):
        totals = quote_totals(quote.lines.all(), quote.vat_percent)
        assert (quote.amount, quote.margin, quote.vat_amount) == (
            totals["amount"],
            totals["margin"],
            totals["vat_amount"],
        )
        assert bool(quote.number) == quote.is_sent


def test_seed_demo_makes_quotes_in_every_status_and_a_rerun_none(client):
    _seed()
    statuses = set(Quote.objects.values_list("status", flat=True))
    assert statuses == set(Quote.Status.values)
    _assert_each_quote_sums_its_lines()
    assert kept_owner.different() == []  # every quote has its deal's owner
    count = Quote.objects.count()
    _seed()
    assert Quote.objects.count() == count
    # The outstanding quotes link each one's PDF.
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="magnus"))
    html = client.get(reverse("quotes:list")).content.decode()
    for quote in Quote.objects.outstanding():
        assert reverse("quotes:pdf", args=[quote.pk]) in html
    # … and from its deal's page.
    for quote in Quote.objects.select_related("opportunity")[:10]:
        page = client.get(quote.opportunity.get_absolute_url()).content.decode()
        assert reverse("quotes:pdf", args=[quote.pk]) in page


def test_seed_quotes_volume_tops_up_with_the_services_values():
    _seed()
    before = Quote.objects.count()
    call_command("seed_quotes", quotes=before + 300, stdout=io.StringIO(), stderr=io.StringIO())
    assert Quote.objects.count() == before + 300
    _assert_each_quote_sums_its_lines()
    assert kept_owner.different() == []
    assert not Quote.objects.filter(lines=None).exists()
    assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.Status.values)
    # Gap-free per year, in the order sent; the counter goes on after the last.
    for counter in QuoteNumberCounter.objects.all():
        sequences = list(
            Quote.objects.filter(number_year=counter.year)
            .order_by("number_sequence")
            .values_list("number_sequence", flat=True)
        )
        assert sequences == list(range(1, counter.last + 1))
    versions = Quote.objects.values_list("opportunity", "version")
    assert len(set(versions)) == len(versions)
    assert not Quote.objects.expiring(timezone.localdate()).exists()
    quote = Quote.objects.filter(status="sent").order_by("-pk").first()
    assert quote.history.count() == 1 and quote.lines.first().history.count() == 1
    call_command("seed_quotes", quotes=before, stdout=io.StringIO(), stderr=io.StringIO())
    assert Quote.objects.count() == before + 300
