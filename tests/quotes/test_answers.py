"""Accepting a quote sets the deal's lines and amount and offers close-won; declining may
close the deal lost, with a loss reason."""

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services as deal_services
from opportunities.models import Opportunity, OpportunityLine
from quotes import services
from quotes.models import Quote, QuoteLine

from ..factories import LossReasonFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(draft, salesperson):
    line = draft.lines.order_by("position").first()
    line.discount_percent = Decimal("20")
    services.update_line(line, user=salesperson)
    services.add_line(
        draft,
        QuoteLine(product=ProductFactory(), quantity=Decimal("1"), unit_price=Decimal("0.05")),
        user=salesperson,
    )
    return services.mark_sent(draft, user=salesperson)


def _accept(client, quote, **data):
    """Press "Accepted" on the quote's page: the form carries the deal's version it showed."""
    data.setdefault("deal_version", Opportunity.objects.get(pk=quote.opportunity_id).version)
    return client.post(reverse("quotes:accept", args=[quote.pk]), data)


def test_accept_sets_the_deals_lines_and_amount_and_offers_close_won(client_for, salesperson, sent):
    response = _accept(client_for(salesperson), sent)
    assert response.url == reverse("opportunities:close_won", args=[sent.opportunity_id])
    sent.refresh_from_db()
    deal = Opportunity.objects.get(pk=sent.opportunity_id)
    assert sent.status == Quote.Status.ACCEPTED and sent.answered_at
    assert deal.amount == sent.amount == Decimal("2700.02")  # 2,400.00 + 299.97 + 0.05
    assert deal.margin == sent.margin
    assert sorted(
        (line.product_id, line.quantity, line.unit_price, line.discount_percent)
        for line in deal.lines.all()
    ) == sorted(
        (line.product_id, line.quantity, line.unit_price, line.discount_percent)
        for line in sent.lines.all()
    )
    assert deal.status == "open"  # closing is the user's next step, through the close rules


def test_accept_then_close_won(client_for, salesperson, sent):
    client = client_for(salesperson)
    _accept(client, sent)
    deal = Opportunity.objects.get(pk=sent.opportunity_id)
    page = client.get(reverse("opportunities:close_won", args=[deal.pk]))
    assert "accepted" in page.content.decode()
    response = client.post(
        reverse("opportunities:close_won", args=[deal.pk]),
        {"closed_date": "2026-05-04", "version": deal.version, "win_loss_report": ""},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "won" and deal.amount == Decimal("2700.02")


def test_only_a_sent_quote_is_accepted(client_for, salesperson, draft):
    response = _accept(client_for(salesperson), draft)
    draft.refresh_from_db()
    assert draft.status == Quote.Status.DRAFT
    message = list(response.wsgi_request._messages)[0].message
    assert message == (f"{draft} is a draft. Only a sent quote can be accepted or declined.")


def test_the_deal_page_version_is_in_the_accept_form(client_for, salesperson, sent):
    deal = Opportunity.objects.get(pk=sent.opportunity_id)
    page = client_for(salesperson).get(sent.get_absolute_url()).content.decode()
    assert f'name="deal_version" value="{deal.version}"' in page


def test_accept_is_refused_when_the_deal_changed_since_the_page_was_loaded(
    client_for, salesperson, sent
):
    deal = Opportunity.objects.get(pk=sent.opportunity_id)
    shown = deal.version
    amount = deal.amount
    deal_services.add_line(deal, OpportunityLine(product=ProductFactory()), user=salesperson)
    changed = Opportunity.objects.get(pk=deal.pk)
    response = _accept(client_for(salesperson), sent, deal_version=shown)
    assert response.url == sent.get_absolute_url()
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT
    after = Opportunity.objects.get(pk=deal.pk)
    assert (after.version, after.amount, after.lines.count()) == (
        changed.version,
        changed.amount,
        3,
    )
    assert after.amount != amount


def test_accept_without_the_deals_version_is_refused(client_for, salesperson, sent):
    response = client_for(salesperson).post(reverse("quotes:accept", args=[sent.pk]))
    assert response.url == sent.get_absolute_url()
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT


def test_accept_writes_the_deal_once(client_for, salesperson, sent):
    deal = Opportunity.objects.get(pk=sent.opportunity_id)
    before = deal.history.count()
    _accept(client_for(salesperson), sent)
    deal.refresh_from_db()
    assert deal.history.count() == before + 1
    assert deal.version == Opportunity.history.filter(id=deal.pk).latest().version


def test_another_salesperson_may_not_answer(client_for, other_salesperson, sent):
    client = client_for(other_salesperson)
    assert _accept(client, sent).status_code == 403
    assert client.get(reverse("quotes:decline", args=[sent.pk])).status_code == 403
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT


def test_decline_keeps_the_deal_open(client_for, salesperson, sent):
    response = client_for(salesperson).post(
        reverse("quotes:decline", args=[sent.pk]), {"comment": "Too expensive"}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == Quote.Status.DECLINED and sent.status_comment == "Too expensive"
    assert Opportunity.objects.get(pk=sent.opportunity_id).status == "open"


def test_closing_lost_on_decline_needs_a_loss_reason(client_for, salesperson, sent):
    client = client_for(salesperson)
    response = client.post(
        reverse("quotes:decline", args=[sent.pk]), {"close_deal": "on", "comment": "No"}
    )
    assert response.status_code == 200
    assert "needs a loss reason" in response.content.decode()
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.SENT
    reason = LossReasonFactory(name="Price")
    client.post(
        reverse("quotes:decline", args=[sent.pk]),
        {"close_deal": "on", "loss_reason": reason.pk, "comment": "No"},
    )
    deal = Opportunity.objects.get(pk=sent.opportunity_id)
    assert (deal.status, deal.loss_reason, deal.win_loss_report) == ("lost", reason, "No")
    assert Quote.objects.get(pk=sent.pk).status == Quote.Status.DECLINED
