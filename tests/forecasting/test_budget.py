import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from forecasting.models import Budget
from forecasting.periods import Period, parse_pick
from forecasting.reports.budget import budget_for_period, budget_report
from opportunities import services
from opportunities.models import ForecastCategory
from pipeline_crm.models import CompanySettings

from ..factories import BusinessAreaFactory, LossReasonFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 2, 10)
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
def east():
    return BusinessAreaFactory(name="Öst", order=1)


def _budget(area, month, amount, salesperson=None):
    return Budget.objects.create(
        business_area=area, month=month, amount=Decimal(amount), salesperson=salesperson
    )


def test_area_budget_is_the_sum_of_salesperson_budgets_where_a_month_has_them(
    east, salesperson, other_salesperson
):
    _budget(east, date(2026, 1, 1), "100000.00")
    _budget(east, date(2026, 2, 1), "999999.00")  # replaced by the per-person rows below
    _budget(east, date(2026, 2, 1), "60000.00", salesperson)
    _budget(east, date(2026, 2, 1), "40000.00", other_salesperson)
    _budget(east, date(2026, 3, 1), "100000.00")
    assert budget_for_period(Q1) == {east.pk: Decimal("300000.00")}
    assert budget_for_period(Q1, owner=salesperson) == {east.pk: Decimal("60000.00")}


def test_part_of_a_month_takes_its_budget_pro_rata_by_days(east):
    _budget(east, date(2026, 2, 1), "28000.00")  # 28 days
    _budget(east, date(2026, 3, 1), "31000.00")  # 31 days
    period = Period(date(2026, 2, 15), date(2026, 3, 10))
    # February: 14 of 28 days → 14 000; March: 10 of 31 days → 10 000
    assert budget_for_period(period) == {east.pk: Decimal("24000.00")}


def test_won_weighted_forecast_and_overdue(east, salesperson):
    commit = ForecastCategory.objects.get(kind="commit")
    best = ForecastCategory.objects.get(kind="best_case")
    _budget(east, date(2026, 1, 1), "100000.00")
    _budget(east, date(2026, 2, 1), "100000.00")
    _budget(east, date(2026, 3, 1), "100000.00")
    won = OpportunityFactory(business_area=east, amount=Decimal("150000.00"))
    services.close_won(
        won, user=salesperson, closed_date=date(2026, 1, 20), seen_version=won.version
    )
    lost = OpportunityFactory(business_area=east, amount=Decimal("70000.00"))
    services.close_lost(
        lost,
        user=salesperson,
        loss_reason=LossReasonFactory(),
        closed_date=date(2026, 1, 5),
        seen_version=lost.version,
    )
    OpportunityFactory(
        business_area=east,
        amount=Decimal("200000.00"),
        probability=50,
        is_probability_manual=True,
        expected_close_date=date(2026, 3, 31),
        forecast_category=commit,
    )
    OpportunityFactory(
        business_area=east,
        amount=Decimal("40000.00"),
        probability=25,
        is_probability_manual=True,
        expected_close_date=date(2026, 2, 10),
        forecast_category=best,
    )
    OpportunityFactory(
        business_area=east, amount=Decimal("80000.00"), expected_close_date=date(2026, 2, 9)
    )  # overdue on TODAY
    OpportunityFactory(
        business_area=east, amount=Decimal("1.00"), expected_close_date=date(2026, 4, 1)
    )
    report = budget_report(Q1, {}, today=TODAY)
    row = report.rows[0]
    assert row.budget == Decimal("300000.00")
    assert row.won == Decimal("150000.00")
    assert row.weighted == Decimal("110000.00")
    assert row.forecast == Decimal("260000.00")
    assert row.overdue == Decimal("80000.00")
    assert row.commit == Decimal("350000.00")  # won + commit category
    assert row.best_case == Decimal("390000.00")  # commit + best case
    assert row.variance == Decimal("-40000.00")
    assert row.percent == Decimal("86.7")
    assert report.verdict(row) == "under"
    assert report.total.forecast == row.forecast


@pytest.mark.parametrize(
    "forecast,verdict",
    [("94999.00", "under"), ("95000.00", "on"), ("105000.00", "on"), ("105100.00", "over")],
)
def test_verdict_thresholds(east, salesperson, forecast, verdict):
    _budget(east, date(2026, 1, 1), "100000.00")
    deal = OpportunityFactory(business_area=east, amount=Decimal(forecast))
    services.close_won(
        deal, user=salesperson, closed_date=date(2026, 1, 15), seen_version=deal.version
    )
    report = budget_report(Period(date(2026, 1, 1), date(2026, 1, 31)), {}, today=TODAY)
    assert report.verdict(report.rows[0]) == verdict


def test_thresholds_are_configurable(east, salesperson):
    company = CompanySettings.load()
    company.budget_on_lower = Decimal("90.0")
    company.save()
    _budget(east, date(2026, 1, 1), "100000.00")
    deal = OpportunityFactory(business_area=east, amount=Decimal("91000.00"))
    services.close_won(
        deal, user=salesperson, closed_date=date(2026, 1, 15), seen_version=deal.version
    )
    report = budget_report(parse_pick("2026-01"), {}, today=TODAY)
    assert report.verdict(report.rows[0]) == "on"


def test_budget_page_renders_chart_and_exports(client_for, manager, east):
    _budget(east, date(2026, 1, 1), "1920000.00")
    client = client_for(manager)
    response = client.get(
        reverse("forecasting:budget"), {"pick": "2026-01"}, HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert "1\xa0920\xa0000,00" in response.text
    assert "<svg" in response.text
    export = client.get(reverse("forecasting:budget"), {"pick": "2026-01", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:2] == ["Öst", "1920000.00"]
    assert rows[-1][0] == "Total"


@pytest.mark.parametrize("deals", [5, 50])
def test_budget_report_query_count_is_fixed(
    client_for, manager, east, django_assert_max_num_queries, deals
):
    for _ in range(deals):
        OpportunityFactory(business_area=east, expected_close_date=date(2026, 1, 20))
    client = client_for(manager)
    with django_assert_max_num_queries(24):
        client.get(reverse("forecasting:budget"), {"pick": "2026-Q1"})


def test_manager_edits_the_budget_grid_with_history(client_for, manager, east):
    client = client_for(manager)
    name = f"b-{east.pk}-3"
    response = client.post(
        reverse("forecasting:budgets"),
        {"year": "2026", name: "125 000,50"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 302
    budget = Budget.objects.get(business_area=east, month=date(2026, 3, 1))
    assert budget.amount == Decimal("125000.50")
    assert budget.history.get().history_user == manager


def test_invalid_cell_saves_nothing_and_keeps_the_input(client_for, manager, east):
    client = client_for(manager)
    response = client.post(
        reverse("forecasting:budgets"),
        {"year": "2026", f"b-{east.pk}-1": "1000", f"b-{east.pk}-2": "lots"},
    )
    assert response.status_code == 200
    assert 'value="lots"' in response.text
    assert not Budget.objects.exists()


def test_salesperson_reads_but_cannot_edit_budgets(client_for, salesperson, east):
    client = client_for(salesperson)
    assert client.get(reverse("forecasting:budgets")).status_code == 200
    response = client.post(reverse("forecasting:budgets"), {"year": "2026", f"b-{east.pk}-1": "5"})
    assert response.status_code == 403
    assert not Budget.objects.exists()


def test_per_salesperson_grid(client_for, manager, salesperson, east):
    client = client_for(manager)
    client.post(
        reverse("forecasting:budgets"),
        {"year": "2026", "salesperson": salesperson.pk, f"b-{east.pk}-1": "5000"},
    )
    assert Budget.objects.get().salesperson == salesperson


@pytest.fixture
def unbudgeted_win(east, salesperson):
    """Öst under its budget; Norr, with no budget, wins far more than Öst's budget."""
    north = BusinessAreaFactory(name="Norr", order=2)
    _budget(east, date(2026, 1, 1), "100000.00")
    for area, amount in [(east, "50000.00"), (north, "400000.00")]:
        deal = OpportunityFactory(business_area=area, amount=Decimal(amount))
        services.close_won(
            deal, user=salesperson, closed_date=date(2026, 1, 15), seen_version=deal.version
        )
    return north


def test_areas_without_a_budget_stay_out_of_the_total_verdict(unbudgeted_win):
    report = budget_report(parse_pick("2026-01"), {}, today=TODAY)
    assert [row.name for row in report.budgeted_rows] == ["Öst"]
    assert [row.name for row in report.unbudgeted_rows] == ["Norr"]
    assert report.budgeted_total.won == Decimal("50000.00")
    assert report.verdict(report.budgeted_total) == "under"
    assert report.unbudgeted_total.won == Decimal("400000.00")
    assert report.total.won == report.budgeted_total.won + report.unbudgeted_total.won


def test_budget_page_lists_areas_without_a_budget_apart(client_for, manager, unbudgeted_win):
    client = client_for(manager)
    response = client.get(reverse("forecasting:budget"), {"pick": "2026-01"})
    lines = [(line.label, line.has_verdict) for line in response.context["lines"]]
    assert lines == [
        ("Öst", True),
        ("Total of areas with a budget", True),
        ("Norr", False),
        ("Areas without a budget", False),
        ("All areas", False),
    ]
    assert "Over budget" not in response.text
    assert "not in the total above or its verdict" in response.text
    export = client.get(reverse("forecasting:budget"), {"pick": "2026-01", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    body = rows[rows.index(next(r for r in rows if r and r[0] == "Business area")) + 1 :]
    assert [row[0] for row in body] == [label for label, _ in lines]
    assert body[1][9] == "Under budget" and body[4][9] == ""
    assert body[4][2] == "450000.00"  # all areas: every won deal
