"""Outstanding quotes at /quotes/: own by default, the team's for a manager; filters, sort,
totals equal to the rows, exports equal to the page, a bounded number of queries."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from quotes import services
from quotes.models import Quote
from quotes.tables import rows_by_id

from .conftest import deal_with_lines

pytestmark = pytest.mark.django_db

LIST = reverse("quotes:list")


def _sent(owner, price: str, *, today=date(2026, 4, 1), **deal):
    opportunity = deal_with_lines(owner, ("1", price, "0", "10"), **deal)
    quote = services.create_quote(opportunity, user=owner)
    return services.mark_sent(quote, user=owner, today=today)


def _numbers(response) -> list[str]:
    return [quote.number for quote in response.context["table"].paginated_rows.data]


def test_a_salesperson_sees_her_own_outstanding_quotes(client_for, salesperson, co_responsible):
    mine = _sent(salesperson, "100")
    theirs = _sent(co_responsible, "200")
    draft = services.create_quote(mine.opportunity, user=salesperson)
    response = client_for(salesperson).get(LIST)
    html = response.content.decode()
    assert mine.number in html
    assert theirs.number not in html
    assert draft.get_absolute_url() not in html  # drafts are not outstanding
    assert reverse("quotes:pdf", args=[mine.pk]) in html


def test_a_manager_sees_the_teams(client_for, manager, salesperson, co_responsible):
    first, second = _sent(salesperson, "100"), _sent(co_responsible, "200")
    html = client_for(manager).get(LIST).content.decode()
    assert first.number in html and second.number in html


def test_co_responsible_quotes_count_as_mine(client_for, salesperson, co_responsible):
    quote = _sent(salesperson, "100")
    quote.opportunity.co_responsible.add(co_responsible)
    html = client_for(co_responsible).get(LIST).content.decode()
    assert quote.number in html


def test_totals_equal_the_rows(client_for, manager, salesperson):
    for price in ("100.10", "200.20", "0.05"):
        _sent(salesperson, price)
    response = client_for(manager).get(LIST)
    table = response.context["table"]
    rows = list(table.paginated_rows.data)
    assert table.totals["amount"] == sum((quote.amount for quote in rows), Decimal("0"))
    assert table.totals["margin"] == sum((quote.margin for quote in rows), Decimal("0"))
    assert "300.35" in response.content.decode()


def test_filters_and_sort(client_for, manager, salesperson, co_responsible):
    cheap = _sent(salesperson, "100", name="Cheap deal")
    dear = _sent(co_responsible, "900", name="Dear deal")
    services.expire_quotes(today=date(2026, 12, 31))
    fresh = _sent(salesperson, "500", today=date(2026, 12, 1))
    client = client_for(manager)
    assert _numbers(client.get(LIST)) == [fresh.number]
    expired = client.get(LIST, {"status": "expired", "sort": "-amount"})
    assert _numbers(expired) == [dear.number, cheap.number]
    assert _numbers(client.get(LIST, {"status": "", "q": "cheap"})) == [cheap.number]
    owner = client.get(LIST, {"status": "", "owner": co_responsible.pk})
    assert _numbers(owner) == [dear.number]


def test_bad_filter_values_answer_without_error(client_for, salesperson):
    response = client_for(salesperson).get(
        LIST, {"sent_from": "3000-01-01", "owner": "x", "status": "nope", "sort": "bogus"}
    )
    assert response.status_code == 200


def test_exports_equal_the_page(client_for, manager, salesperson):
    quotes = [_sent(salesperson, price) for price in ("100.00", "250.50")]
    client = client_for(manager)
    page = _numbers(client.get(LIST, {"sort": "amount"}))
    response = client.get(LIST, {"sort": "amount", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Quote", "Version", "Deal"]
    assert [row[0] for row in rows[1:]] == page == [quote.number for quote in quotes]
    assert [row[6] for row in rows[1:]] == ["100.00", "250.50"]
    assert [row[9] for row in rows[1:]] == ["0", "0"]  # age in days: sent today
    response = client.get(LIST, {"sort": "amount", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in values] == page
    assert [row[6] for row in values] == [100.0, 250.5]


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize(
    ("viewer", "sort"), [("manager", ""), ("salesperson", "owner"), ("co_responsible", "-age")]
)
def test_query_count_does_not_grow_with_rows(
    request,
    client_for,
    salesperson,
    co_responsible,
    viewer,
    sort,
    count,
    django_assert_max_num_queries,
):
    """The team's list, the owner's and a co-responsible's ("mine": owned and shared deals)."""
    for n in range(count):
        quote = _sent(salesperson, str(100 + n))
        if n % 2:
            quote.opportunity.co_responsible.add(co_responsible)
    if viewer == "co_responsible":
        for n in range(count - count // 2):
            _sent(co_responsible, str(100 + n))
    client = client_for(request.getfixturevalue(viewer))
    client.get(LIST, {"sort": sort})  # warm the lookup cache, as any earlier request would
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"sort": sort})
    assert len(response.context["table"].paginated_rows) == count


@pytest.mark.parametrize("sort", ["", "-amount", "account", "age", "owner"])
def test_each_page_is_its_slice_of_the_sorted_quotes(client_for, manager, salesperson, sort):
    """Pages are read ids first (`QuoteRows`): each page shows exactly its part of the sorted
    list, and the paginator counts every filtered quote from the footer's one aggregate."""
    for n in range(7):
        _sent(salesperson, str(100 + n * 7 % 5), name=f"Deal {n}")
    client = client_for(manager)
    shown = []
    for page in (1, 2, 3):
        response = client.get(LIST, {"sort": sort, "per_page": 3, "page": page})
        table = response.context["table"]
        assert table.paginator.count == 7 == table.totals["count"]
        shown += _numbers(response)
    everything = client.get(LIST, {"sort": sort, "per_page": 50})
    assert shown == _numbers(everything)
    assert len(set(shown)) == 7


def test_search_finds_the_number_the_deal_and_the_account(client_for, manager, salesperson):
    quote = _sent(salesperson, "100", name="Harbour crane")
    other = _sent(salesperson, "200", name="Other")
    client = client_for(manager)
    account = quote.opportunity.account.name
    assert _numbers(client.get(LIST, {"q": "harbour"})) == [quote.number]
    assert _numbers(client.get(LIST, {"q": quote.number.lower()})) == [quote.number]
    assert quote.number in _numbers(client.get(LIST, {"q": account}))
    assert other.number not in _numbers(client.get(LIST, {"q": "harbour"}))


def _cells(html: str) -> list[list[str]]:
    """The text of each cell of each body row of the page's table."""
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_the_page_shows_what_the_export_writes(client_for, manager, salesperson, co_responsible):
    """Cell by cell, the rows (a Jinja2 template) and the export (Python) say the same."""
    _sent(salesperson, "100.00", name="=cmd|' /C calc'!A0")
    _sent(co_responsible, "1234.50", today=date(2026, 3, 1))
    services.create_quote(_sent(salesperson, "7.00").opportunity, user=salesperson)
    client = client_for(manager)
    query = {"status": "", "sort": "-amount"}
    page = _cells(client.get(LIST, query).content.decode())
    response = client.get(LIST, {**query, "export": "csv"})
    exported = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert len(page) == len(exported) - 1 == 4
    for shown, written in zip(page, exported[1:], strict=True):
        number = written[0] or "Draft"
        assert shown[0] == f"{number} PDF"
        assert shown[1] == f"v{written[1]}"
        assert [shown[2], shown[3], shown[4], shown[5]] == [
            written[2].removeprefix("'"),
            *written[3:6],
        ]
        assert shown[6].replace(",", "") == written[6]
        assert shown[7].replace(",", "") == written[7]
        assert shown[9] == (written[9] or "—")
    assert exported[2][2] == "'=cmd|' /C calc'!A0"  # a formula stays text in the CSV


def test_no_matching_quote_says_so(client_for, manager, salesperson):
    _sent(salesperson, "100")
    html = client_for(manager).get(LIST, {"q": "nothing like this"}).content.decode()
    assert "No quotes match these filters." in html


def test_search_by_number_alone_keeps_the_other_filters(client_for, salesperson, co_responsible):
    """The number is matched through its own subquery (`QuoteQuerySet.matching`): the scope
    and the status still apply to what it finds."""
    mine = _sent(salesperson, "100")
    theirs = _sent(co_responsible, "200")
    client = client_for(salesperson)
    assert _numbers(client.get(LIST, {"q": mine.number})) == [mine.number]
    assert _numbers(client.get(LIST, {"q": theirs.number})) == []
    assert _numbers(client.get(LIST, {"q": mine.number, "status": "accepted"})) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the list's indexes are PostgreSQL's")
def test_the_sorted_list_indexes_hold_the_owner():
    """ "Mine" tests each quote's owner on its way to a page: the sorted indexes hold it, so a
    deep page is an index-only scan (migration 0006)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'quotes_quote' "
            "AND indexname IN ('quote_status_list', 'quote_sent_list')"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"quote_status_list", "quote_sent_list"}
    assert all("owner_id" in definition.split("INCLUDE")[1] for definition in indexes.values())


def test_rows_read_as_values_equal_the_quotes(salesperson, co_responsible):
    """The list reads its rows as plain values (`QuoteRow`); each says what its quote says."""
    sent = [_sent(salesperson, "100.10"), _sent(co_responsible, "7.00", today=date(2026, 3, 1))]
    ids = [quote.pk for quote in reversed(sent)]
    today = date(2026, 4, 15)
    for row, pk in zip(rows_by_id(ids), ids, strict=True):
        quote = Quote.objects.select_related("opportunity__account", "opportunity__owner").get(
            pk=pk
        )
        fields = ("pk", "number", "version", "status", "amount", "margin", "sent_at")
        assert [getattr(row, name) for name in fields] == [getattr(quote, f) for f in fields]
        assert row.valid_until == quote.valid_until
        assert (row.deal_name, row.account_name) == (
            quote.opportunity.name,
            quote.opportunity.account.name,
        )
        assert (row.opportunity_id, row.account_id) == (
            quote.opportunity_id,
            quote.opportunity.account_id,
        )
        assert row.owner == quote.opportunity.owner
        assert (row.sent_on, row.age_days(today)) == (quote.sent_on, quote.age_days(today))
