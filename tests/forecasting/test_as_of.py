"""The reports as of a past day, checked against hand-built histories (issue 19)."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from forecasting.asof import cutoff, deals_as_of
from forecasting.periods import Period
from forecasting.reports.budget import budget_export_rows, budget_report
from forecasting.reports.funnel import funnel_report, funnel_rows
from forecasting.reports.pipeline import pipeline_report, pipeline_rows
from forecasting.reports.salespeople import salespeople_report, salespeople_rows
from forecasting.reports.trend import trend_report, trend_rows
from opportunities.models import Opportunity, OpportunityLine, Stage

from ..factories import BusinessAreaFactory, LossReasonFactory, OpportunityFactory, ProductFactory

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PERIOD = Period(date(2025, 4, 1), date(2025, 6, 30))
LABELS = {k: k for k in ("salesperson", "won", "open", "weighted", "total")}


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """A local time in Stockholm (the company's time zone in the tests' settings)."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=STOCKHOLM)


def created(when: datetime, **fields) -> Opportunity:
    """A deal whose creation is recorded at `when` (its history brought over from the past)."""
    deal = OpportunityFactory(**fields)
    deal.history.update(history_date=when)
    return deal


def change(deal: Opportunity, when: datetime, **fields) -> Opportunity:
    """Save `fields` on the deal with its history row dated `when`."""
    for name, value in fields.items():
        setattr(deal, name, value)
    deal._history_date = when
    deal.save()
    return deal


def pipeline(day=None, **filters):
    return list(pipeline_rows(pipeline_report(PERIOD, filters, as_of=day)))


@pytest.fixture
def stages():
    return Stage.objects.get(name="Prospect"), Stage.objects.create(
        name="Negotiation", order=50, default_probability=60
    )


@pytest.fixture
def area():
    return BusinessAreaFactory(name="North")


def test_cutoff_is_midnight_after_the_day_in_the_company_time_zone():
    assert cutoff(date(2025, 3, 29)) == at(date(2025, 3, 30), 0)
    # The night the clocks go forward: midnight is still 23:00 UTC of the day before.
    assert cutoff(date(2025, 3, 29)).astimezone(ZoneInfo("UTC")).hour == 23


def test_deal_created_later_does_not_exist_yet(area):
    created(at(date(2025, 3, 10)), business_area=area, expected_close_date=date(2025, 5, 1))
    assert deals_as_of(date(2025, 3, 9)).count() == 0
    assert deals_as_of(date(2025, 3, 10)).count() == 1


def test_deal_moved_between_stages_counts_in_its_stage_of_the_day(area, stages):
    prospect, negotiation = stages
    deal = created(
        at(date(2025, 3, 1)),
        business_area=area,
        stage=prospect,
        probability=10,
        amount=Decimal("1000.00"),
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 3, 15)), stage=negotiation, probability=60)

    before = pipeline(date(2025, 3, 14))
    after = pipeline(date(2025, 3, 15))

    assert before[0][:5] == ("North", prospect.name, Decimal("1000.00"), Decimal("100.00"), 1)
    assert after[0][:5] == ("North", "Negotiation", Decimal("1000.00"), Decimal("600.00"), 1)


def test_re_amounted_deal_counts_its_amount_of_the_day(area):
    deal = created(
        at(date(2025, 3, 1)),
        business_area=area,
        amount=Decimal("1000.00"),
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 3, 20)), amount=Decimal("2500.50"))

    assert pipeline(date(2025, 3, 19))[-1][2:5] == (Decimal("1000.00"), Decimal("100.00"), 1)
    assert pipeline(date(2025, 3, 20))[-1][2:5] == (Decimal("2500.50"), Decimal("250.05"), 1)


def test_deal_pushed_out_of_the_period_leaves_it_from_that_day(area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 6, 1))
    change(deal, at(date(2025, 4, 2)), expected_close_date=date(2025, 8, 1))

    assert pipeline(date(2025, 4, 1))[-1][4] == 1
    assert pipeline(date(2025, 4, 2))[-1][4] == 0


def test_won_deal_leaves_the_pipeline_and_counts_as_won(area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    change(deal, at(date(2025, 5, 3)), status="won", probability=100, closed_date=date(2025, 5, 3))

    before = budget_report(PERIOD, {}, as_of=date(2025, 5, 2))
    after = budget_report(PERIOD, {}, as_of=date(2025, 5, 3))

    assert (before.total.won, before.total.weighted) == (Decimal("0"), Decimal("0"))
    # As of 2 May the deal's close date (1 May) lay behind: overdue, not weighted open.
    assert before.total.overdue == Decimal("100000.00")
    assert (after.total.won, after.total.overdue) == (Decimal("100000.00"), Decimal("0"))
    assert pipeline(date(2025, 5, 3))[-1][4] == 0


def test_lost_then_reopened_deal_is_back_in_the_pipeline(area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    change(
        deal,
        at(date(2025, 3, 10)),
        status="lost",
        probability=0,
        loss_reason=LossReasonFactory(),
        closed_date=date(2025, 3, 10),
    )
    change(deal, at(date(2025, 3, 20)), status="open", probability=10, loss_reason=None)

    assert [pipeline(date(2025, 3, d))[-1][4] for d in (9, 10, 19, 20)] == [1, 0, 0, 1]


def test_deleted_deal_exists_until_it_is_deleted(area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    deal._history_date = at(date(2025, 3, 5))
    deal.delete()

    assert pipeline(date(2025, 3, 4))[-1][4] == 1
    assert pipeline(date(2025, 3, 5))[-1][4] == 0
    assert pipeline()[-1][4] == 0


def test_a_change_just_before_midnight_counts_that_day_and_one_at_midnight_the_next(area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    change(deal, at(date(2025, 3, 10), 23, 59, 59), amount=Decimal("2000.00"))
    change(deal, at(date(2025, 3, 11), 0, 0, 0), amount=Decimal("3000.00"))

    assert pipeline(date(2025, 3, 9))[-1][2] == Decimal("100000.00")
    assert pipeline(date(2025, 3, 10))[-1][2] == Decimal("2000.00")
    assert pipeline(date(2025, 3, 11))[-1][2] == Decimal("3000.00")


def test_two_changes_in_the_same_instant_count_the_later_row(area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    change(deal, at(date(2025, 3, 2)), amount=Decimal("2000.00"))
    change(deal, at(date(2025, 3, 2)), amount=Decimal("3000.00"))

    assert pipeline(date(2025, 3, 2))[-1][2] == Decimal("3000.00")


def test_owner_and_area_filters_read_the_values_of_the_day(area, salesperson, other_salesperson):
    south = BusinessAreaFactory(name="South")
    deal = created(
        at(date(2025, 3, 1)),
        business_area=area,
        owner=salesperson,
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 3, 10)), business_area=south, owner=other_salesperson)

    assert pipeline(date(2025, 3, 9), owner=salesperson)[-1][4] == 1
    assert pipeline(date(2025, 3, 9), business_area=south)[-1][4] == 0
    assert pipeline(date(2025, 3, 10), owner=salesperson)[-1][4] == 0
    assert pipeline(date(2025, 3, 10), business_area=south)[-1][4] == 1


def test_product_filter_reads_the_lines_of_the_day(area):
    product = ProductFactory()
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    line = OpportunityLine(opportunity=deal, product=product, unit_price=Decimal("10.00"))
    line._history_date = at(date(2025, 3, 10))
    line.save()

    assert pipeline(date(2025, 3, 9), product=product)[-1][4] == 0
    assert pipeline(date(2025, 3, 10), product=product)[-1][4] == 1


def test_funnel_trend_and_grid_as_of_a_past_day(area, stages, salesperson):
    prospect, negotiation = stages
    deal = created(
        at(date(2025, 3, 1)),
        business_area=area,
        owner=salesperson,
        stage=prospect,
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 3, 15)), stage=negotiation, expected_close_date=date(2025, 6, 1))
    day = date(2025, 3, 14)

    funnel = {row[0]: row[1] for row in funnel_rows(funnel_report(None, {}, as_of=day))}
    trend = [row[3] for row in trend_rows(trend_report(PERIOD, {}, as_of=day))]
    grid = list(salespeople_rows(salespeople_report(PERIOD, {}, as_of=day), labels=LABELS))

    assert (funnel[prospect.name], funnel["Negotiation"]) == (1, 0)
    assert trend == [0, 1, 0, 1]  # April, May, June, total
    assert grid[1][0] == (salesperson.get_full_name() or salesperson.username)
    assert grid[1][5:9] == [Decimal("0"), Decimal("100000.00"), Decimal("10000.00"), 1]


@pytest.fixture
def busy_pipeline(salesperson, other_salesperson, stages):
    """Deals in every state, changed now: as of today must equal the live report."""
    prospect, negotiation = stages
    north, south = BusinessAreaFactory(name="N"), BusinessAreaFactory(name="S")
    today = timezone.localdate()
    period = Period(today.replace(day=1), today.replace(day=1) + timedelta(days=90))
    for n in range(12):
        deal = OpportunityFactory(
            owner=(salesperson, other_salesperson)[n % 2],
            business_area=(north, south, None)[n % 3],
            stage=(prospect, negotiation)[n % 2],
            amount=Decimal("1234.56") * (n + 1),
            probability=(10, 33, 67)[n % 3],
            expected_close_date=period.start + timedelta(days=7 * n),
        )
        if n % 4 == 1:
            change(deal, timezone.now(), status="won", probability=100, closed_date=today)
        if n % 5 == 2:
            change(deal, timezone.now(), amount=Decimal("99.99"))
    OpportunityFactory(expected_close_date=period.start).delete()
    return period


def test_as_of_today_equals_the_live_reports_to_the_cent(busy_pipeline):
    period, today = busy_pipeline, timezone.localdate()

    def reports(as_of):
        return (
            list(pipeline_rows(pipeline_report(period, {}, as_of=as_of))),
            list(budget_export_rows(budget_report(period, {}, as_of=as_of))),
            list(funnel_rows(funnel_report(period, {}, as_of=as_of))),
            list(trend_rows(trend_report(period, {}, as_of=as_of))),
            list(salespeople_rows(salespeople_report(period, {}, as_of=as_of), labels=LABELS)),
        )

    live = reports(None)
    assert live[0][-1][4] == 12 - 3  # three were won
    assert reports(today) == live


def test_pipeline_page_as_of_a_past_day(client_for, salesperson, area):
    deal = created(at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1))
    change(deal, at(date(2025, 3, 20)), amount=Decimal("2500.00"))
    client = client_for(salesperson)

    response = client.get(
        reverse("forecasting:pipeline"),
        {"start": "2025-04-01", "end": "2025-06-30", "as_of": "2025-03-19"},
    )

    assert response.status_code == 200
    assert response.context["report"].total.total == Decimal("100000.00")
    assert response.context["report"].total.url == ""
    assert "As of" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["pipeline", "budget", "funnel", "salespeople", "trend"], ids=lambda n: n
)
def test_a_day_after_today_is_a_form_error_on_a_200_page(client_for, salesperson, name):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client_for(salesperson).get(
        reverse(f"forecasting:{name}"),
        {"start": "2025-04-01", "end": "2025-06-30", "as_of": tomorrow.isoformat()},
    )

    assert response.status_code == 200
    assert "the future has no history yet" in response.context["form"].errors["as_of"][0]
    assert "report" not in response.context


@pytest.mark.parametrize("value", ["1899-12-31", "2025-02-30", "yesterday"])
def test_a_bad_as_of_day_is_refused_next_to_the_field(client_for, salesperson, value):
    response = client_for(salesperson).get(
        reverse("forecasting:pipeline"),
        {"start": "2025-04-01", "end": "2025-06-30", "as_of": value},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]


@pytest.mark.parametrize("deals", [3, 30])
def test_as_of_pages_run_a_fixed_number_of_queries(
    client_for, salesperson, area, deals, django_assert_max_num_queries
):
    for n in range(deals):
        deal = created(
            at(date(2025, 3, 1)), business_area=area, expected_close_date=date(2025, 5, 1 + n % 28)
        )
        change(deal, at(date(2025, 3, 2)), amount=Decimal(n + 1))
    client = client_for(salesperson)
    params = {"start": "2025-04-01", "end": "2025-06-30", "as_of": "2025-03-05"}
    for name in ("pipeline", "budget", "funnel", "salespeople", "trend"):
        with django_assert_max_num_queries(20):
            assert client.get(reverse(f"forecasting:{name}"), params).status_code == 200


def _command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("pipeline_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_pipeline_report_command_as_of_a_past_day(area, stages):
    prospect, negotiation = stages
    deal = created(
        at(date(2025, 3, 1)),
        business_area=area,
        stage=prospect,
        amount=Decimal("1000.00"),
        expected_close_date=date(2025, 5, 1),
    )
    change(deal, at(date(2025, 3, 15)), stage=negotiation, probability=60)
    period = ["--start", "2025-04-01", "--end", "2025-06-30"]

    past, err = _command(*period, "--as-of", "2025-03-14")
    now, _err = _command(*period)

    assert list(csv.reader(io.StringIO(past))) == [
        ["Business area", "Stage", "Total", "Weighted", "Count"],
        ["North", prospect.name, "1000.00", "100.00", "1"],
        ["North", "", "1000.00", "100.00", "1"],
        ["Total", "", "1000.00", "100.00", "1"],
    ]
    assert list(csv.reader(io.StringIO(now)))[1] == [
        "North",
        "Negotiation",
        "1000.00",
        "600.00",
        "1",
    ]
    assert "as of 2025-03-14" in err


def test_pipeline_report_command_as_of_today_prints_the_live_report(busy_pipeline):
    period = ["--start", busy_pipeline.start.isoformat(), "--end", busy_pipeline.end.isoformat()]

    assert _command(*period, "--as-of", timezone.localdate().isoformat())[0] == _command(*period)[0]


@pytest.mark.parametrize("value", ["2199-12-31", "0001-01-01", "soon"])
def test_pipeline_report_command_refuses_a_bad_as_of_day(value):
    with pytest.raises(CommandError):
        _command("--start", "2025-04-01", "--end", "2025-06-30", "--as-of", value)
