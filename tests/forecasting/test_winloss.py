"""Win/loss: won vs lost count, value and win rate by segment, loss reason, competitor and deal
type, for the deals closed in the period."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from forecasting.periods import parse_pick
from forecasting.reports.winloss import winloss_report
from opportunities import services
from opportunities.models import Competitor, DealType, LossReason, Opportunity

from ..factories import AccountFactory, OpportunityFactory, SegmentFactory

pytestmark = pytest.mark.django_db

Q1 = parse_pick("2026-Q1")
D = Decimal


def _closed(status, amount, closed, *, segment, competitor=None, deal_type=None, reason=None):
    deal = OpportunityFactory(
        account=AccountFactory(segment=segment),
        amount=D(amount),
        competitor=competitor,
        deal_type=DealType.objects.get(name=deal_type) if deal_type else None,
        expected_close_date=closed,
    )
    if status == "won":
        return services.close_won(deal, user=None, closed_date=closed, seen_version=deal.version)
    reason = LossReason.objects.get(name=reason)
    return services.close_lost(
        deal, user=None, loss_reason=reason, closed_date=closed, seen_version=deal.version
    )


@pytest.fixture
def deals(db):
    enterprise = SegmentFactory(name="Enterprise")  # order 10, from the data migration
    smb = SegmentFactory(name="Small business")  # order 30
    acme = Competitor.objects.create(name="Acme")
    _closed(
        "won",
        "100000.00",
        date(2026, 1, 1),
        segment=enterprise,
        competitor=acme,
        deal_type="New business",
    )
    _closed("won", "200000.00", date(2026, 3, 31), segment=smb, deal_type="Renewal")
    _closed(
        "lost",
        "50000.00",
        date(2026, 2, 1),
        segment=enterprise,
        competitor=acme,
        deal_type="New business",
        reason="Price",
    )
    _closed("lost", "30000.00", date(2026, 2, 15), segment=None, competitor=acme, reason="Timing")
    # Outside: closed before or after the period, or still open.
    _closed("won", "999.00", date(2026, 4, 1), segment=smb, deal_type="Renewal")
    _closed("lost", "999.00", date(2025, 12, 31), segment=smb, reason="Price")
    OpportunityFactory(account=AccountFactory(segment=smb), expected_close_date=date(2026, 2, 1))


def _table(report, key):
    table = next(t for t in report.tables if t.key == key)
    rows = [
        (r.name, r.won_count, r.won_value, r.lost_count, r.lost_value, r.win_rate)
        for r in table.rows
    ]
    t = table.total
    return rows, (t.won_count, t.won_value, t.lost_count, t.lost_value, t.win_rate)


def test_by_segment(deals):
    rows, total = _table(winloss_report(Q1, {}), "segment")
    assert rows == [
        ("Enterprise", 1, D("100000.00"), 1, D("50000.00"), D("50.0")),
        ("Small business", 1, D("200000.00"), 0, D("0.00"), D("100.0")),
        ("", 0, D("0.00"), 1, D("30000.00"), D("0.0")),
    ]
    assert total == (2, D("300000.00"), 2, D("80000.00"), D("50.0"))


def test_by_loss_reason_counts_lost_deals_only(deals):
    rows, total = _table(winloss_report(Q1, {}), "loss_reason")
    assert rows == [
        ("Price", 0, D("0.00"), 1, D("50000.00"), D("0.0")),
        ("Timing", 0, D("0.00"), 1, D("30000.00"), D("0.0")),
    ]
    assert total[:4] == (0, D("0.00"), 2, D("80000.00"))


def test_by_competitor_rounds_the_win_rate_to_one_decimal(deals):
    rows, total = _table(winloss_report(Q1, {}), "competitor")
    assert rows == [
        ("Acme", 1, D("100000.00"), 2, D("80000.00"), D("33.3")),
        ("", 1, D("200000.00"), 0, D("0.00"), D("100.0")),
    ]
    assert total == (2, D("300000.00"), 2, D("80000.00"), D("50.0"))


def test_by_deal_type(deals):
    rows, total = _table(winloss_report(Q1, {}), "deal_type")
    assert rows == [
        ("New business", 1, D("100000.00"), 1, D("50000.00"), D("50.0")),
        ("Renewal", 1, D("200000.00"), 0, D("0.00"), D("100.0")),
        ("", 0, D("0.00"), 1, D("30000.00"), D("0.0")),
    ]


def test_every_total_is_the_sum_of_its_rows(deals):
    for table in winloss_report(Q1, {}).tables:
        for name in ("won_count", "won_value", "lost_count", "lost_value"):
            assert getattr(table.total, name) == sum(getattr(r, name) for r in table.rows)


def test_no_closed_deals_has_no_win_rate(db):
    report = winloss_report(Q1, {})
    assert all(t.rows == [] and t.total.win_rate is None for t in report.tables)


def test_links_land_on_exactly_the_deals(client_for, salesperson, deals):
    client = client_for(salesperson)
    report = client.get(reverse("forecasting:winloss"), {"pick": "2026-Q1"}).context["report"]
    tables = {t.key: t for t in report.tables}
    for table in report.tables:
        assert all(not r.won_url and not r.lost_url for r in table.rows) or table.key == "deal_type"
        totals = client.get(table.total.lost_url).context["totals"]
        assert (totals["count"], totals["amount"]) == (2, D("80000.00"))
    totals = client.get(tables["segment"].total.won_url).context["totals"]
    assert (totals["count"], totals["amount"]) == (2, D("300000.00"))
    new_business, renewal, none = tables["deal_type"].rows
    for row in (new_business, renewal):
        won = client.get(row.won_url).context["totals"]
        lost = client.get(row.lost_url).context["totals"]
        assert (won["count"], won["amount"], lost["count"], lost["amount"]) == (
            row.won_count,
            row.won_value,
            row.lost_count,
            row.lost_value,
        )
    assert none.won_url == none.lost_url == ""
    assert tables["loss_reason"].total.won_url == ""


def test_deal_type_filter_narrows_every_table_and_link(client_for, salesperson, deals):
    client = client_for(salesperson)
    renewal = DealType.objects.get(name="Renewal")
    params = {"pick": "2026-Q1", "deal_type": renewal.pk}
    report = client.get(reverse("forecasting:winloss"), params).context["report"]
    rows, total = _table(report, "deal_type")
    assert rows == [("Renewal", 1, D("200000.00"), 0, D("0.00"), D("100.0"))]
    assert _table(report, "segment")[1] == (1, D("200000.00"), 0, D("0.00"), D("100.0"))
    row = next(t for t in report.tables if t.key == "deal_type").rows[0]
    assert client.get(row.won_url).context["totals"]["amount"] == D("200000.00")


def test_page_renders_swedish_numbers(client_for, salesperson, deals):
    response = client_for(salesperson).get(
        reverse("forecasting:winloss"), {"pick": "2026-Q1"}, HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert "300\xa0000,00" in response.text
    assert "33,3 %" in response.text


def test_exports_equal_the_page(client_for, salesperson, deals):
    client = client_for(salesperson)
    url = reverse("forecasting:winloss")
    response = client.get(url, {"pick": "2026-Q1", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Table", "Group", "Won", "Won value", "Lost", "Lost value", "Win rate %"]
    assert rows[1:5] == [
        ["Segment", "Enterprise", "1", "100000.00", "1", "50000.00", "50.0"],
        ["Segment", "Small business", "1", "200000.00", "0", "0.00", "100.0"],
        ["Segment", "(no segment)", "0", "0.00", "1", "30000.00", "0.0"],
        ["Segment", "Total", "2", "300000.00", "2", "80000.00", "50.0"],
    ]
    assert rows[5:8] == [
        ["Loss reason", "Price", "", "", "1", "50000.00", ""],
        ["Loss reason", "Timing", "", "", "1", "30000.00", ""],
        ["Loss reason", "Total", "", "", "2", "80000.00", ""],
    ]
    assert rows[10] == ["Competitor", "Total", "2", "300000.00", "2", "80000.00", "50.0"]
    assert rows[-1] == ["Deal type", "Total", "2", "300000.00", "2", "80000.00", "50.0"]
    response = client.get(url, {"pick": "2026-Q1", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    # The title row and an empty row, then the rows of the CSV.
    assert list(sheet.iter_rows(values_only=True))[10] == (
        "Competitor",
        "Acme",
        1,
        100000,
        2,
        80000,
        33.3,
    )


@pytest.mark.parametrize("count", [5, 50])
def test_query_count_is_fixed(client_for, salesperson, django_assert_max_num_queries, count):
    reason = LossReason.objects.first()
    for index in range(count):
        deal = OpportunityFactory(
            competitor=Competitor.objects.get_or_create(name=f"C{index % 4}")[0]
        )
        if index % 2:
            services.close_won(
                deal, user=None, closed_date=date(2026, 2, 1), seen_version=deal.version
            )
        else:
            services.close_lost(
                deal,
                user=None,
                loss_reason=reason,
                closed_date=date(2026, 2, 1),
                seen_version=deal.version,
            )
    client = client_for(salesperson)
    with django_assert_max_num_queries(20):
        client.get(reverse("forecasting:winloss"), {"pick": "2026-Q1"})


def test_every_table_equals_a_recount_deal_by_deal(db):
    """The one grouped pass (`winloss_report`) against a plain recount of every closed deal."""
    segments = [SegmentFactory(name="Enterprise"), SegmentFactory(name="Small business"), None]
    competitors = [Competitor.objects.create(name="Acme"), None]
    types = [*DealType.objects.all()[:2], None]
    reasons = list(LossReason.objects.all()[:3])
    for index in range(36):
        deal = OpportunityFactory(
            account=AccountFactory(segment=segments[index % 3]),
            amount=D(f"{1000 + 7 * index}.{index % 100:02d}"),
            competitor=competitors[index % 2],
            deal_type=types[(index // 2) % 3],
            expected_close_date=date(2026, 1, 10),
        )
        closed = date(2026, 1 + index % 4, 10)  # a quarter of them closed in April: outside
        if index % 5 in (0, 2):
            services.close_won(deal, user=None, closed_date=closed, seen_version=deal.version)
        elif index % 5 != 4:  # the fifth stays open
            services.close_lost(
                deal,
                user=None,
                loss_reason=reasons[index % 3],
                closed_date=closed,
                seen_version=deal.version,
            )
    report = winloss_report(Q1, {})

    closed_deals = [
        deal
        for deal in Opportunity.objects.select_related("account__segment")
        if deal.status in ("won", "lost") and Q1.start <= deal.closed_date <= Q1.end
    ]
    group_of = {
        "segment": lambda d: d.account.segment,
        "loss_reason": lambda d: d.loss_reason,
        "competitor": lambda d: d.competitor,
        "deal_type": lambda d: d.deal_type,
    }
    for table in report.tables:
        expected = {}
        for deal in closed_deals:
            if table.lost_only and deal.status == "won":
                continue
            lookup = group_of[table.key](deal)
            row = expected.setdefault(lookup.name if lookup else "", [0, D(0), 0, D(0)])
            offset = 0 if deal.status == "won" else 2
            row[offset] += 1
            row[offset + 1] += deal.amount
        shown = {r.name: [r.won_count, r.won_value, r.lost_count, r.lost_value] for r in table.rows}
        assert shown == expected, table.key
        assert table.total.lost_count == sum(r[2] for r in expected.values())
