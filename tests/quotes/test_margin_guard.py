"""Price lists and the margin guard: lines under the minimum margin or under cost are marked,
and sending such a quote needs a manager's approval (queue, approve or refuse, history)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from quotes import services
from quotes.models import MinimumMargin, PriceList, PriceListItem, Quote, QuoteLine

from ..factories import AccountFactory, ProductFactory, ProductGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    group = ProductGroupFactory(name="Licences")
    MinimumMargin.objects.create(group=group, percent=Decimal("30"))
    return group


def _line(quote, group, *, price: str, cost: str, discount: str = "0", user=None):
    product = ProductFactory(group=group)
    return services.add_line(
        quote,
        QuoteLine(
            product=product,
            quantity=Decimal("1"),
            unit_price=Decimal(price),
            unit_cost=Decimal(cost),
            discount_percent=Decimal(discount),
        ),
        user=user,
    )


def test_the_account_list_beats_the_default_list_which_beats_the_product():
    product = ProductFactory(list_price=Decimal("100.00"))
    account, other = AccountFactory(), AccountFactory()
    assert services.list_price(product, account.pk) == Decimal("100.00")
    default = PriceList.objects.create(name="Standard", is_default=True)
    PriceListItem.objects.create(price_list=default, product=product, price=Decimal("90.00"))
    own = PriceList.objects.create(name="Key account", account=account)
    PriceListItem.objects.create(price_list=own, product=product, price=Decimal("80.00"))
    assert services.list_price(product, account.pk) == Decimal("80.00")
    assert services.list_price(product, other.pk) == Decimal("90.00")


def test_a_new_line_takes_its_price_from_the_accounts_list(draft, salesperson):
    product = ProductFactory(list_price=Decimal("100.00"))
    own = PriceList.objects.create(name="Eva's", account=draft.opportunity.account)
    PriceListItem.objects.create(price_list=own, product=product, price=Decimal("77.00"))
    line = services.add_line(draft, QuoteLine(product=product), user=salesperson)
    assert line.unit_price == Decimal("77.00")


def test_lines_under_the_minimum_or_under_cost_are_marked(draft, group, salesperson):
    ok = _line(draft, group, price="100", cost="60")  # 40 %
    thin = _line(draft, group, price="100", cost="75")  # 25 % < 30 %
    loss = _line(draft, None, price="100", cost="60", discount="50")  # net 50 < cost 60
    flagged = {line.pk: line for line in services.flag_lines(draft.lines.all())}
    assert not flagged[ok.pk].is_under_minimum
    assert flagged[thin.pk].is_under_minimum and not flagged[thin.pk].is_under_cost
    assert flagged[loss.pk].is_under_cost and flagged[loss.pk].is_under_minimum
    draft.refresh_from_db()
    assert draft.has_margin_warning
    assert services.needs_approval(draft)


def test_the_quote_and_the_deal_page_show_the_marks(client_for, salesperson, draft, group):
    _line(draft, group, price="100", cost="75")
    client = client_for(salesperson)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "under the minimum margin (30.00 %)" in html
    assert "Ask for approval" in html
    deal_page = client.get(draft.opportunity.get_absolute_url()).content.decode()
    assert "under the minimum margin" in deal_page


def test_a_guarded_quote_is_not_sent_without_approval(client_for, salesperson, draft, group):
    _line(draft, group, price="100", cost="75")
    client = client_for(salesperson)
    response = client.post(
        reverse("quotes:send", args=[draft.pk]),
        {"to": "eva@example.com", "subject": "Quote", "message": "Hi"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Quote.Status.DRAFT and mail.outbox == []
    with pytest.raises(services.RuleError):
        from quotes.sending import send_quote

        send_quote(draft, user=salesperson, to="eva@example.com", subject="Q", message="Hi")


def test_approval_flow(client_for, salesperson, manager, draft, group):
    _line(draft, group, price="100", cost="75")
    owner = client_for(salesperson)
    owner.post(reverse("quotes:request_approval", args=[draft.pk]), {"comment": "Key account"})
    draft.refresh_from_db()
    assert draft.status == Quote.Status.AWAITING_APPROVAL
    # frozen while it waits
    with pytest.raises(services.RuleError):
        _line(draft, group, price="1", cost="0")
    assert owner.get(reverse("quotes:approvals")).status_code == 403
    boss = client_for(manager)
    queue = boss.get(reverse("quotes:approvals")).content.decode()
    assert draft.get_absolute_url() in queue and "Key account" in queue
    boss.post(reverse("quotes:refuse", args=[draft.pk]), {"comment": "Not at that price"})
    draft.refresh_from_db()
    assert (draft.status, draft.status_comment) == (Quote.Status.DRAFT, "Not at that price")
    owner.post(reverse("quotes:request_approval", args=[draft.pk]))
    boss.post(reverse("quotes:approve", args=[draft.pk]), {"comment": "OK this once"})
    draft.refresh_from_db()
    assert draft.status == Quote.Status.APPROVED
    response = owner.post(
        reverse("quotes:send", args=[draft.pk]),
        {"to": "eva@example.com", "subject": "Quote", "message": "Hi"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Quote.Status.SENT and len(mail.outbox) == 1
    history = [(r.status, r.history_user_id) for r in draft.history.order_by("history_id")]
    assert ("awaiting_approval", salesperson.pk) in history
    assert ("draft", manager.pk) in history  # the refusal
    assert ("approved", manager.pk) in history
    assert history[-1][0] == "sent"


def test_a_salesperson_may_not_approve(client_for, salesperson, draft, group):
    _line(draft, group, price="100", cost="75")
    services.request_approval(draft, user=salesperson)
    client = client_for(salesperson)
    assert client.post(reverse("quotes:approve", args=[draft.pk])).status_code == 403
    assert client.post(reverse("quotes:refuse", args=[draft.pk])).status_code == 403
    assert Quote.objects.get(pk=draft.pk).status == Quote.Status.AWAITING_APPROVAL
