"""The salesperson's dashboard reads "mine" part by part (owned, shared): its figures and lists
equal a recount of every deal through `Opportunity.is_responsible`, and its query count does not
grow with the deals, activities or quotes behind it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.agenda import company_today
from opportunities.models import ForecastCategory, Opportunity
from pipeline_crm.models import CompanySettings
from quotes.models import Quote

from ..factories import ActivityFactory, OpportunityFactory, QuoteFactory

pytestmark = pytest.mark.django_db

_quote_numbers = iter(range(1, 10_000))


def _deals(owner, n: int, *, shared_with=None, omitted=None) -> list:
    """`n` open deals of `owner` spread over past and future close dates, old and new stages,
    due and later next actions; every third one out of the forecast when `omitted` is given."""
    today = timezone.localdate()
    deals = []
    for i in range(n):
        deal = OpportunityFactory(
            owner=owner,
            amount=Decimal(1000 + 37 * i),
            expected_close_date=today + timedelta(days=(i * 7) % 40 - 15),
            stage_date=today - timedelta(days=(i * 11) % 60),
            next_action_date=today + timedelta(days=(i * 5) % 12 - 6),
            forecast_category=omitted if omitted and i % 3 == 0 else None,
        )
        if shared_with is not None:
            deal.co_responsible.add(shared_with)
        if i % 4 == 0:
            sent = datetime.now(UTC) - timedelta(days=i % 9, hours=i)
            QuoteFactory(
                opportunity=deal,
                status=Quote.Status.SENT,
                number=f"T-{next(_quote_numbers)}",
                sent_at=sent,
                amount=Decimal(500 + i),
                valid_until=today + timedelta(days=i % 20),
            )
        deals.append(deal)
    return deals


def _rows(owner, n: int) -> None:
    """Deals of Alice's, deals shared with her, a stranger's deals, her activities."""
    omitted = ForecastCategory.objects.filter(counts_in_forecast=False).first()
    _deals(owner["alice"], n, omitted=omitted)
    _deals(owner["bob"], n // 2, shared_with=owner["alice"], omitted=omitted)
    _deals(owner["charlie"], n // 2)
    # Alice shares one of her own deals with herself too: counted once.
    Opportunity.objects.filter(owner=owner["alice"]).first().co_responsible.add(owner["alice"])
    now = datetime.now(UTC)
    for i in range(n):
        ActivityFactory(owner=owner["alice"], start=now + timedelta(hours=6 * i - 3 * n), end=None)


@pytest.fixture
def people(salesperson, co_responsible, other_salesperson):
    return {"alice": salesperson, "bob": co_responsible, "charlie": other_salesperson}


def _mine(user) -> list[Opportunity]:
    return [
        deal
        for deal in Opportunity.objects.filter(status="open").prefetch_related("co_responsible")
        if deal.is_responsible(user)
    ]


@pytest.mark.parametrize(
    ("kept", "kept_sums"),
    [(True, True), (True, False), (False, False)],
    ids=["kept-totals-and-sums", "kept-totals", "deals-summed"],
)
def test_the_figures_and_lists_equal_a_recount_of_every_deal(
    client_for, people, settings, kept, kept_sums
):
    """The owned deals' figures come from the kept deal totals and three counts
    (`forecasting.dashboard._owned_figures`: the overdue and the due from their kept sums on
    PostgreSQL, else from the deals' indexes), or with the kept totals off from the deals:
    each equals a recount."""
    settings.KEPT_DEAL_TOTALS = kept
    settings.KEPT_SUMS = kept_sums
    _rows(people, 24)
    alice = people["alice"]
    response = client_for(alice).get(reverse("dashboard"))
    assert response.status_code == 200
    context = response.context
    today = timezone.localdate()
    stale_before = today - timedelta(days=CompanySettings.load().stale_days)
    mine = _mine(alice)
    stale = [d for d in mine if d.expected_close_date < today or d.stage_date < stale_before]
    category = lambda d: d.forecast_category  # noqa: E731
    counted = [d for d in mine if category(d) is None or category(d).counts_in_forecast]
    assert context["my_pipeline"] == {
        "count": len(mine),
        "amount": sum(d.amount for d in mine),
        "weighted": sum(d.weighted_amount for d in counted),
        "stale": len(stale),
    }
    assert context["my_stale_count"] == len(stale)
    funnel = context["report"].total  # the funnel panel, from the same sums per stage
    assert (funnel.count, funnel.total) == (len(mine), sum(d.amount for d in mine))
    assert funnel.weighted == context["my_pipeline"]["weighted"]

    def first(deals, limit, key):
        return [d.pk for d in sorted(deals, key=lambda d: (key(d), d.pk))[:limit]]

    close = lambda d: d.expected_close_date  # noqa: E731
    assert [d.pk for d in context["my_stale"]] == first(stale, 8, close)
    ahead = [d for d in mine if d.expected_close_date >= today]
    assert [d.pk for d in context["my_closing"]] == first(ahead, 8, close)

    reminders = response.context["reminders"]
    due = [d for d in mine if d.next_action_date and d.next_action_date <= company_today()]
    assert reminders.deal_count == len(due)
    assert [d.pk for d in reminders.deals] == first(due, 25, lambda d: d.next_action_date)

    quotes = [q for q in Quote.objects.outstanding() if q.opportunity.is_responsible(alice)]
    assert response.context["quote_totals"] == {
        "count": len(quotes),
        "amount": sum(q.amount for q in quotes),
        "margin": sum((q.margin for q in quotes), Decimal(0)),
    }
    oldest = sorted(quotes, key=lambda q: (q.sent_at, q.pk))[:3]
    assert [q.pk for q in response.context["oldest_quotes"]] == [q.pk for q in oldest]


def test_the_query_count_does_not_grow_with_the_rows(
    client_for, people, django_assert_max_num_queries
):
    def selects(captured) -> int:
        return sum(query["sql"].startswith("SELECT") for query in captured.captured_queries)

    client = client_for(people["alice"])
    _rows(people, 2)
    client.get(reverse("dashboard"))
    # 25: the owned deals' sums read the kept totals (two queries) and count the stale and due
    # deals (one), where one query summed every owned deal.
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("dashboard"))
    _rows(people, 40)
    client.get(reverse("dashboard"))  # the caches the new rows retired, filled again
    with django_assert_max_num_queries(25) as many:
        response = client.get(reverse("dashboard"))
    assert response.context["my_pipeline"]["count"] == 2 + 1 + 40 + 20
    assert selects(many) == selects(few)
