"""The funnel: open deals per open stage, drawn as centred bars; the dashboard panel."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import escape

from forecasting.periods import parse_pick
from forecasting.reports.funnel import funnel_chart, funnel_report, kept_per_stage
from opportunities import services
from opportunities.models import ForecastCategory, LossReason, Stage

from ..factories import OpportunityFactory

pytestmark = pytest.mark.django_db

OPEN_STAGES = [
    "Prospect",
    "Qualified",
    "Quote sent",
    "Short list",
    "Final negotiation",
]


def _deal(stage: str, amount: str, probability: int | None = None, **extra):
    stage = Stage.objects.get(name=stage)
    return OpportunityFactory(
        stage=stage,
        amount=Decimal(amount),
        probability=stage.default_probability if probability is None else probability,
        is_probability_manual=probability is not None,
        **extra,
    )


@pytest.fixture
def deals(salesperson, other_salesperson):
    """Nine open deals worth 1 920 000,00 (weighted 943 000,00), a won and a lost one."""
    q1, q2 = date(2026, 1, 1), date(2026, 4, 1)
    _deal("Prospect", "450000.00", 20, owner=salesperson, expected_close_date=q1)
    _deal("Prospect", "80000.00", 0, owner=other_salesperson, expected_close_date=q2)
    _deal("Quote sent", "200000.00", owner=salesperson, expected_close_date=date(2026, 3, 31))
    _deal("Quote sent", "175000.00", owner=other_salesperson, expected_close_date=q2)
    _deal("Short list", "120000.00", owner=salesperson, expected_close_date=q2)
    _deal("Short list", "50000.00", 11, owner=salesperson, expected_close_date=q2)
    _deal("Final negotiation", "600000.00", 85, owner=salesperson, expected_close_date=q1)
    _deal("Final negotiation", "150000.00", owner=other_salesperson, expected_close_date=q2)
    _deal("Final negotiation", "95000.00", owner=other_salesperson, expected_close_date=q2)
    won = _deal("Final negotiation", "700000.00", owner=salesperson, expected_close_date=q1)
    services.close_won(won, user=None, closed_date=q1, seen_version=won.version)
    lost = _deal("Short list", "300000.00", owner=salesperson, expected_close_date=q1)
    services.close_lost(
        lost,
        user=None,
        loss_reason=LossReason.objects.get(name="Price"),
        closed_date=q1,
        seen_version=lost.version,
    )


def _rows(report):
    return [
        (r.stage.name, r.figures.count, r.figures.total, r.figures.weighted) for r in report.rows
    ]


def test_figures_per_open_stage_in_order(deals):
    assert _rows(funnel_report(None, {})) == [
        ("Prospect", 2, Decimal("530000.00"), Decimal("90000.00")),
        ("Qualified", 0, Decimal("0.00"), Decimal("0.00")),
        ("Quote sent", 2, Decimal("375000.00"), Decimal("93750.00")),
        ("Short list", 2, Decimal("170000.00"), Decimal("65500.00")),
        ("Final negotiation", 3, Decimal("845000.00"), Decimal("693750.00")),
    ]


def test_total_is_the_sum_of_the_rows(deals):
    report = funnel_report(None, {})
    total = report.total
    assert (total.count, total.total, total.weighted) == (
        9,
        Decimal("1920000.00"),
        Decimal("943000.00"),
    )
    assert total.count == sum(r.figures.count for r in report.rows)
    assert total.total == sum(r.figures.total for r in report.rows)
    assert total.weighted == sum(r.figures.weighted for r in report.rows)


def test_won_and_lost_deals_are_never_counted(deals):
    report = funnel_report(parse_pick("2026-Q1"), {})
    assert "Order" not in [r.stage.name for r in report.rows]
    assert (report.total.count, report.total.total) == (3, Decimal("1250000.00"))


def test_inactive_stage_shows_only_while_it_holds_deals(deals):
    Stage.objects.filter(name__in=["Qualified", "Quote sent"]).update(is_active=False)
    names = [r.stage.name for r in funnel_report(None, {}).rows]
    assert names == ["Prospect", "Quote sent", "Short list", "Final negotiation"]


def test_period_bounds_are_inclusive():
    for day in (date(2026, 1, 1), date(2026, 3, 31), date(2025, 12, 31), date(2026, 4, 1)):
        OpportunityFactory(expected_close_date=day)
    assert funnel_report(parse_pick("2026-Q1"), {}).total.count == 2


def test_page_without_period_shows_every_open_deal(client_for, salesperson, deals):
    response = client_for(salesperson).get(reverse("forecasting:funnel"))
    assert response.status_code == 200
    assert response.context["report"].period is None
    assert response.context["report"].total.count == 9


def test_page_with_period_and_owner_filter(client_for, salesperson, deals):
    response = client_for(salesperson).get(
        reverse("forecasting:funnel"), {"pick": "2026-Q1", "owner": salesperson.pk}
    )
    assert response.context["report"].total.total == Decimal("1250000.00")


def test_half_a_period_is_an_error(client_for, salesperson):
    response = client_for(salesperson).get(reverse("forecasting:funnel"), {"start": "2026-01-01"})
    assert response.status_code == 400


def test_each_stage_links_to_exactly_its_deals(client_for, salesperson, deals):
    client = client_for(salesperson)
    response = client.get(reverse("forecasting:funnel"))
    for row in response.context["report"].rows:
        totals = client.get(row.figures.url).context["totals"]
        assert (totals["count"], totals["amount"], totals["weighted"]) == (
            row.figures.count,
            row.figures.total,
            row.figures.weighted,
        )
        assert response.text.count(f'href="{escape(row.figures.url)}"') == 5  # bar + 4 cells


def test_filtered_links_keep_the_period_and_filters(client_for, salesperson, deals):
    client = client_for(salesperson)
    params = {"start": "2026-01-01", "end": "2026-03-31", "owner": salesperson.pk}
    report = client.get(reverse("forecasting:funnel"), params).context["report"]
    row = report.rows[4]
    assert "stage=" in row.figures.url and "status=open" in row.figures.url
    totals = client.get(row.figures.url).context["totals"]
    assert (totals["count"], totals["amount"]) == (1, Decimal("600000.00"))
    totals = client.get(report.total.url).context["totals"]
    assert (totals["count"], totals["amount"]) == (3, Decimal("1250000.00"))


def test_bar_width_is_proportional_to_the_count(deals):
    chart = funnel_chart(funnel_report(None, {}))
    widths = [bar["width"] for bar in chart["bars"]]
    assert widths == [226, 0, 226, 226, 340]
    centres = {bar["x"] + bar["width"] // 2 for bar in chart["bars"]}
    assert centres == {370}


def test_chart_has_no_inline_style(client_for, salesperson, deals):
    response = client_for(salesperson).get(reverse("forecasting:funnel"))
    svg = response.text[response.text.index("<svg") : response.text.index("</svg>")]
    assert "style=" not in svg and "<script" not in svg
    assert svg.count("<a href=") == len(OPEN_STAGES)


def test_page_renders_swedish_numbers(client_for, salesperson, deals):
    response = client_for(salesperson).get(reverse("forecasting:funnel"), HTTP_ACCEPT_LANGUAGE="sv")
    assert "1\xa0920\xa0000,00" in response.text
    assert "943\xa0000,00" in response.text


def test_exports_equal_the_page(client_for, salesperson, deals):
    client = client_for(salesperson)
    url = reverse("forecasting:funnel")
    report = client.get(url).context["report"]
    response = client.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Stage", "#", "Total", "Weighted"]
    assert rows[1:] == [
        *[[n, str(c), str(t), str(w)] for n, c, t, w in _rows(report)],
        ["Total", "9", "1920000.00", "943000.00"],
    ]
    response = client.get(url, {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last == ("Total", 9, 1920000, 943000)


@pytest.mark.parametrize("count", [5, 50])
def test_query_count_is_fixed(client_for, salesperson, django_assert_max_num_queries, count):
    for _ in range(count):
        OpportunityFactory()
    client = client_for(salesperson)
    with django_assert_max_num_queries(20):
        client.get(reverse("forecasting:funnel"))


def test_dashboard_panel_shows_mine(salesperson, co_responsible, deals):
    shared = _deal("Qualified", "10000.00", owner=co_responsible)
    shared.co_responsible.add(salesperson)
    template = Template("{% load forecasting_panels %}{% funnel_panel user=user %}")
    html = template.render(Context({"user": salesperson}))
    assert "My funnel" in html and "mine=true" in html
    assert "6 open deals, 1,430,000.00" in html
    everyone = Template("{% load forecasting_panels %}{% funnel_panel %}").render(Context())
    assert "10 open deals, 1,930,000.00" in everyone
    assert "css/reports.css" in everyone


def test_panel_link_lists_my_deals(client_for, salesperson, deals):
    report = funnel_report(None, {}, mine=salesperson)
    totals = client_for(salesperson).get(report.total.url).context["totals"]
    assert (totals["count"], totals["amount"]) == (report.total.count, report.total.total)


@pytest.mark.parametrize("filtered", ["", "owner", "business_area"])
def test_kept_totals_equal_the_sums_over_the_deals(settings, salesperson, deals, filtered):
    """Every open deal's funnel, read from the kept deal totals, against the same report summed
    over the deals (`KEPT_DEAL_TOTALS = False`); an Omitted deal is out of the weighted."""
    omitted = ForecastCategory.objects.filter(counts_in_forecast=False).first()
    deal = _deal("Qualified", "40000.00", 50, owner=salesperson, forecast_category=omitted)
    filters = {
        "": {},
        "owner": {"owner": salesperson},
        "business_area": {"business_area": deal.business_area},
    }[filtered]
    assert kept_per_stage(filters) is not None
    kept = _rows(funnel_report(None, filters))
    settings.KEPT_DEAL_TOTALS = False
    assert kept_per_stage(filters) is None
    summed = _rows(funnel_report(None, filters))
    assert kept == summed
    assert ("Qualified", 1, Decimal("40000.00"), Decimal("0.00")) in kept
