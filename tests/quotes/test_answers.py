"""Accepting a quote sets the deal's lines and amount and offers close-won; declining may
close the deal lost, with a loss reason."""

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Opportunity
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


def test_accept_sets_the_deals_lines_and_amount_and_offers_close_won(client_for, salesperson, sent):
    response = client_for(salesperson).post(reverse("quotes:accept", args=[sent.pk]))
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
    client.post(reverse("quotes:accept", args=[sent.pk]))
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
    client_for(salesperson).post(reverse("quotes:accept", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Quote.Status.DRAFT


def test_another_salesperson_may_not_answer(client_for, other_salesperson, sent):
    client = client_for(other_salesperson)
    assert client.post(reverse("quotes:accept", args=[sent.pk])).status_code == 403
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
