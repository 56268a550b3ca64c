"""The sales manager's dashboard: the team's budget status, open pipeline per stage and the deals
that need attention, every figure the sum of its rows and a link to its deals."""

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from forecasting.dashboard import budget_status, open_groups, team_attention, team_pipeline
from forecasting.models import Budget
from forecasting.periods import quarter_of
from forecasting.reports.budget import budget_report
from opportunities import services
from opportunities.models import ForecastCategory, Opportunity, Stage

from ..factories import BusinessAreaFactory, LossReasonFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)  # Q4: October – December


@pytest.fixture
def areas():
    return BusinessAreaFactory(name="Öst", order=1), BusinessAreaFactory(name="Väst", order=2)


@pytest.fixture
def team(areas, salesperson, other_salesperson):
    east, west = areas
    prospect = Stage.objects.get(name="Prospect")
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    deals = [
        # Alice: one due this month, one next month, one overdue, one omitted from the forecast.
        OpportunityFactory(
            owner=salesperson,
            business_area=east,
            amount=Decimal("100000.00"),
            expected_close_date=date(2026, 11, 30),
        ),
        OpportunityFactory(
            owner=salesperson,
            business_area=east,
            amount=Decimal("50000.00"),
            expected_close_date=date(2026, 12, 15),
        ),
        OpportunityFactory(
            owner=salesperson,
            business_area=west,
            amount=Decimal("20000.00"),
            expected_close_date=date(2026, 11, 1),
        ),
        OpportunityFactory(
            owner=other_salesperson,
            business_area=west,
            amount=Decimal("70000.00"),
            expected_close_date=date(2026, 12, 1),
            forecast_category=omitted,
        ),
    ]
    won = OpportunityFactory(owner=other_salesperson, business_area=east, amount=Decimal("9000"))
    services.close_won(
        won, user=other_salesperson, closed_date=date(2026, 11, 5), seen_version=won.version
    )
    for deal in deals:
        assert deal.stage == prospect
    Budget.objects.create(business_area=east, month=date(2026, 11, 1), amount=Decimal("40000"))
    Budget.objects.create(business_area=east, month=date(2026, 12, 1), amount=Decimal("40000"))
    return deals


def test_team_pipeline_per_stage_adds_up_and_names_its_figures(team):
    pipeline = team_pipeline(TODAY, open_groups(TODAY, 30))
    (prospect,) = [row for row in pipeline.rows if row.count]
    assert prospect.count == 4
    assert prospect.pipeline == Decimal("240000.00")  # open pipeline: every open deal
    # weighted open of Q4 from today: 10 % of 100,000 and 50,000; not the overdue deal, not
    # the omitted one
    assert prospect.weighted_open == Decimal("15000.00")
    assert prospect.overdue == Decimal("20000.00")
    total = pipeline.total
    assert total.count == sum(row.count for row in pipeline.rows)
    assert total.pipeline == sum((row.pipeline for row in pipeline.rows), Decimal(0))
    assert total.weighted_open == sum((row.weighted_open for row in pipeline.rows), Decimal(0))
    query = parse_qs(urlsplit(prospect.overdue_url).query)
    assert query["status"] == ["open"] and query["close_to"] == ["2026-11-15"]


def test_budget_status_keeps_areas_without_a_budget_out_of_the_verdict(team):
    month, quarter = budget_status(TODAY)
    assert (month.label, month.pick) == ("month", "2026-11")
    assert (quarter.label, quarter.pick) == ("quarter", "2026-Q4")
    (east,) = month.rows
    assert east.name == "Öst"
    assert east.budget == Decimal("40000.00")
    assert east.won == Decimal("9000.00")
    assert east.weighted == Decimal("10000.00")  # the deal due 30 November
    assert month.total.forecast == east.forecast == Decimal("19000.00")
    assert month.report.verdict(month.total) == "under"
    assert quarter.total.budget == Decimal("80000.00")
    assert quarter.total.forecast == Decimal("24000.00")  # + the December deal's 5,000


def test_team_attention_counts_stale_and_overdue_per_salesperson(
    team, salesperson, other_salesperson
):
    attention = team_attention(TODAY, 30, open_groups(TODAY, 30))
    by_owner = {row.owner: row for row in attention.rows}
    assert (by_owner[salesperson].open, by_owner[salesperson].overdue) == (3, 1)
    assert by_owner[salesperson].stale >= 1
    assert by_owner[other_salesperson].open == 1
    assert attention.total.open == 4
    assert attention.total.stale == sum(row.stale for row in attention.rows)
    assert team[2] in attention.oldest_stale
    query = parse_qs(urlsplit(by_owner[salesperson].urls["stale"]).query)
    assert query == {"status": ["open"], "stale": ["true"], "owner": [str(salesperson.pk)]}


def test_the_manager_sees_the_team_in_the_first_html(client_for, manager, team, settings):
    response = client_for(manager).get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="budget-status"' in html and 'id="team-pipeline"' in html
    assert "No stale deals" not in html
    assert "Alice Andersson" in html and "Charlie Carlsson" in html
    assert "240,000.00" in html  # the team's open pipeline
    assert "My open deals" not in html


def test_a_salesperson_keeps_a_personal_dashboard(client_for, salesperson, team):
    html = client_for(salesperson).get(reverse("dashboard")).content.decode()
    assert "My open deals" in html
    assert 'id="team-pipeline"' not in html


def test_the_manager_dashboard_has_a_fixed_number_of_queries(
    client_for, manager, team, areas, django_assert_max_num_queries, other_salesperson
):
    def selects(captured) -> int:
        return sum(query["sql"].startswith("SELECT") for query in captured.captured_queries)

    client = client_for(manager)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("dashboard"))
    for n in range(30):
        OpportunityFactory(
            owner=other_salesperson,
            business_area=areas[n % 2],
            expected_close_date=TODAY - timedelta(days=n),
        )
    client.get(reverse("dashboard"))  # the caches the new rows retired, filled again
    with django_assert_max_num_queries(25) as many:
        client.get(reverse("dashboard"))
    assert selects(many) == selects(few)


def test_an_empty_team_gets_guidance_not_zeros(client_for, manager):
    html = client_for(manager).get(reverse("dashboard")).content.decode()
    assert "The team has no open deals." in html
    assert "No budget for this period." in html
    assert not Opportunity.objects.exists()


def test_the_manager_dashboard_shows_the_teams_outstanding_quotes(client_for, manager):
    html = client_for(manager).get(reverse("dashboard")).content.decode()
    assert 'id="outstanding-quotes"' in html
    assert "The team&#x27;s outstanding quotes" in html or "The team's outstanding quotes" in html


def _varied_team(owners, areas) -> None:
    """Open deals of each owner over every open stage: overdue or not, long in their stage or
    not, closing in the quarter or later, some omitted from the forecast; and closed ones."""
    stages = list(Stage.objects.filter(is_active=True, is_won_stage=False).order_by("order"))
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    for i in range(36):
        deal = OpportunityFactory(
            owner=owners[i % len(owners)],
            business_area=areas[i % 2] if i % 5 else None,
            stage=stages[i % len(stages)],
            amount=Decimal(1000 + 137 * i) + Decimal("0.55"),
            expected_close_date=TODAY + timedelta(days=(i * 11) % 120 - 40),
            forecast_category=omitted if i % 7 == 0 else None,
        )
        Opportunity.objects.filter(pk=deal.pk).update(stage_date=TODAY - timedelta(days=i * 3))
    lost = OpportunityFactory(owner=owners[0], amount=Decimal("555.00"))
    services.close_lost(
        lost,
        user=owners[0],
        loss_reason=LossReasonFactory(),
        seen_version=lost.version,
    )


def test_the_kept_figures_equal_the_scan_of_every_open_deal(
    settings, areas, salesperson, other_salesperson, co_responsible
):
    """`open_groups` from the kept totals and the deals near today equals one scan of every
    open deal (`KEPT_DEAL_TOTALS = False`) and a recount in Python."""
    owners = [salesperson, other_salesperson, co_responsible]
    _varied_team(owners, areas)
    kept = open_groups(TODAY, 30)
    settings.KEPT_DEAL_TOTALS = False
    scanned = open_groups(TODAY, 30)
    assert kept.per_stage == scanned.per_stage
    assert kept.per_owner == scanned.per_owner

    deals = list(Opportunity.objects.filter(status="open"))
    cutoff = TODAY - timedelta(days=30)
    for owner in owners:
        mine = [d for d in deals if d.owner_id == owner.pk]
        stale = [d for d in mine if d.expected_close_date < TODAY or d.stage_date < cutoff]
        overdue = [d for d in mine if d.expected_close_date < TODAY]
        assert kept.per_owner[owner.pk] == {
            "count": len(mine),
            "overdue_count": len(overdue),
            "stale_count": len(stale),
        }
    pipeline = team_pipeline(TODAY, kept)
    assert pipeline.total.count == len(deals)
    assert pipeline.total.pipeline == sum(d.amount for d in deals)
    assert pipeline.total.overdue == sum(d.amount for d in deals if d.expected_close_date < TODAY)
    counted = [
        d
        for d in deals
        if TODAY <= d.expected_close_date <= date(2026, 12, 31)
        and (d.forecast_category is None or d.forecast_category.counts_in_forecast)
    ]
    assert pipeline.total.weighted_open == sum(d.weighted_amount for d in counted)
    assert pipeline.total.weighted_open > 0 and pipeline.total.overdue > 0


def test_the_dashboards_budget_status_reads_no_overdue_deal_and_keeps_its_figures(team):
    """The dashboard's budget report leaves the overdue deals unread (it shows no overdue):
    every other figure equals the full report's."""
    full = budget_report(quarter_of(TODAY), {}, today=TODAY)
    narrow = budget_report(quarter_of(TODAY), {}, today=TODAY, overdue=False)
    assert full.total.overdue == Decimal("20000.00") and narrow.total.overdue == 0
    for name in ("budget", "won", "weighted", "commit", "best_case", "forecast"):
        assert getattr(narrow.total, name) == getattr(full.total, name)
    assert {row.name: row.forecast for row in narrow.rows if row.budget} == {
        row.name: row.forecast for row in full.rows if row.budget
    }
