"""The deal list's count read from the kept totals (`DealRows.totals`): each page checks it by
reading one id past its end, and a page that disagrees recounts from the deals, so a wrong kept
count never hides or repeats a deal for whoever pages through the list."""

from decimal import Decimal

import pytest
from django.core import management
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities.models import DealTotals, Opportunity, Stage, page_agrees
from opportunities.views import RECOUNT

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")


@pytest.mark.parametrize(
    ("read", "start", "stop", "count", "agrees"),
    [
        (6, 0, 5, 27, True),  # a full page, and more after it
        (5, 0, 5, 5, True),  # the whole list on one page
        (3, 0, 5, 3, True),
        (2, 25, 30, 27, True),  # the last page
        (3, 25, 30, 27, False),  # more than the count says
        (6, 25, 30, 27, False),
        (1, 25, 30, 27, False),  # fewer
        (5, 0, 5, 6, False),  # the count says more after the page, there is none
        (6, 0, 5, 5, False),  # the count says none after the page, there is one
        (0, 0, 5, 0, True),  # nothing at all
        (0, 5, 10, 6, False),
    ],
)
def test_a_page_agrees_with_its_count_when_it_reads_what_the_count_says(
    read, start, stop, count, agrees
):
    assert page_agrees(read, start, stop, count) is agrees


@pytest.fixture
def deals(salesperson, co_responsible):
    """27 open deals of the salesperson's own or shared with her, 5 of another's."""
    for n in range(32):
        deal = OpportunityFactory(
            owner=salesperson if n % 4 else co_responsible, amount=Decimal(100 + n)
        )
        if n % 8 == 0:
            deal.co_responsible.add(salesperson)
    return list(Opportunity.objects.responsible_for(salesperson).order_by("pk"))


def _every_page(client, query) -> tuple[list[int], int]:
    """The deals of every page of the list, in order, and the count the last page gave."""
    seen, page = [], 1
    while True:
        table = client.get(LIST, {**query, "page": page, "per_page": 5}).context["table"]
        seen += [row.pk for row in table.paginated_rows.data]
        if not table.page.has_next():
            return seen, table.paginator.count
        page += 1


@pytest.mark.parametrize("wrong_by", [-1, 1, -20, 40])
@pytest.mark.parametrize(
    "query", [{}, {"mine": "", "status": ""}, {"sort": "owner"}, {"mine": "", "sort": "-stage"}]
)
def test_a_wrong_kept_count_hides_no_deal(client_for, salesperson, manager, deals, query, wrong_by):
    everyone = "mine" in query
    viewer = manager if everyone else salesperson
    order = {
        "owner": ("owner__first_name", "owner__username", "pk"),
        "-stage": ("-stage__order", "-stage__name", "-pk"),
    }.get(query.get("sort"), ("expected_close_date", "pk"))
    mine = {deal.pk for deal in deals}
    every = Opportunity.objects.order_by(*order).values_list("pk", flat=True)
    expected = [pk for pk in every if everyone or pk in mine]
    row = DealTotals.objects.filter(owner=salesperson.pk).order_by("pk").first()
    DealTotals.objects.filter(pk=row.pk).update(count=F("count") + wrong_by)

    seen, count = _every_page(client_for(viewer), query)

    assert seen == expected
    assert count == len(expected)


def test_a_page_that_disagrees_shows_the_deals_count(client_for, salesperson, deals):
    DealTotals.objects.update(count=0)
    response = client_for(salesperson).get(LIST)
    assert response.context["totals"]["count"] == len(deals)
    assert response.context["table"].paginator.count == len(deals)


def test_the_default_list_counts_no_deal_when_the_kept_count_agrees(client_for, salesperson, deals):
    client = client_for(salesperson)
    client.get(LIST)  # fills the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    assert response.context["totals"]["count"] == len(deals)
    counts = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "opportunities_opportunity"')
    ]
    assert counts == []


def test_once_a_page_disagreed_the_users_lists_count_the_deals(client_for, salesperson, deals):
    DealTotals.objects.update(count=0)
    client = client_for(salesperson)
    first = client.get(LIST).context
    assert not first["table"].data.agrees and client.session[RECOUNT] is True
    assert first["totals"]["count"] == len(deals)
    again = client.get(LIST, {"sort": "-amount"}).context
    assert again["table"].data.kept_count is None
    assert again["totals"]["count"] == len(deals)
    assert client.session[RECOUNT] is True  # the kept counts still disagree


def test_once_the_kept_counts_are_rebuilt_the_lists_read_them_again(client_for, salesperson, deals):
    """The session's mark clears on the first list whose kept counts agree with its count
    again: after `rebuild_deal_totals` the pages are laid out by the kept counts once more."""
    DealTotals.objects.update(count=0)
    client = client_for(salesperson)
    client.get(LIST)
    assert client.session[RECOUNT] is True
    management.call_command("rebuild_deal_totals", stdout=None)
    repaired = client.get(LIST, {"sort": "-amount"}).context
    assert repaired["totals"]["count"] == len(deals)
    assert RECOUNT not in client.session
    after = client.get(LIST).context
    assert after["table"].data.kept_count == len(deals)


@pytest.mark.parametrize("gone", [0, 1, 2])
@pytest.mark.parametrize("sort", ["stage", "-stage"])
def test_a_value_counted_as_none_hides_no_deal(client_for, salesperson, gone, sort):
    """The kept rows of one stage lost: the page where that stage's deals belong (first,
    between two others, last) finds them, and the list is recounted before it goes on."""
    stages = list(Stage.objects.filter(is_active=True, is_won_stage=False).order_by("order")[:3])
    for n in range(21):
        OpportunityFactory(owner=salesperson, stage=stages[n % 3], amount=Decimal(n))
    DealTotals.objects.filter(stage=stages[gone].pk).delete()
    key = ("stage__order", "stage__name", "pk")
    order = [f"-{k}" for k in key] if sort.startswith("-") else key
    expected = list(Opportunity.objects.order_by(*order).values_list("pk", flat=True))

    seen, count = _every_page(client_for(salesperson), {"sort": sort})

    assert seen == expected
    assert count == 21


def test_a_deal_written_between_the_count_and_the_page_only_recounts_the_page(
    client_for, salesperson, deals, monkeypatch, caplog
):
    """The count and the page are two statements: a deal committed between them makes the
    page disagree though nothing drifted. The page is counted again; the kept counts, read
    again, agree with that count, so nothing is logged and the session keeps them."""
    from opportunities.models import OpportunityQuerySet

    checked = OpportunityQuerySet.page_ids_checked

    def written_meanwhile(self, start, stop, *, count, counts=None):
        OpportunityFactory(owner=salesperson, amount=Decimal("1.00"))  # after the count
        monkeypatch.setattr(OpportunityQuerySet, "page_ids_checked", checked)
        return checked(self, start, stop, count=count, counts=counts)

    monkeypatch.setattr(OpportunityQuerySet, "page_ids_checked", written_meanwhile)
    client = client_for(salesperson)
    with caplog.at_level("ERROR", logger="opportunities.views"):
        context = client.get(LIST, {"per_page": 100}).context

    assert not context["table"].data.agrees  # the page saw the new deal
    assert context["totals"]["count"] == len(deals) + 1
    assert RECOUNT not in client.session
    assert not caplog.records
