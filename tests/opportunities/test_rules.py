"""The deal rules of DESIGN.md, through the services every path calls."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities import services
from opportunities.models import Opportunity, OpportunityLine, Stage
from pipeline_crm.concurrency import EditConflict
from pipeline_crm.history import Origin
from pipeline_crm.money import round_money, weighted

from ..factories import (
    ContactFactory,
    LossReasonFactory,
    OpportunityFactory,
    ProductFactory,
    StageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return {
        "prospect": Stage.objects.get(name="Prospect"),
        "quote": Stage.objects.get(name="Quote sent"),
        "shortlist": Stage.objects.get(name="Short list"),
        "order": Stage.objects.get(name="Order"),
    }


def test_weighted_rounds_half_up_per_deal():
    assert weighted(Decimal("0.50"), 1) == Decimal("0.01")  # 0.005 → 0.01
    assert weighted(Decimal("0.49"), 1) == Decimal("0.00")
    assert weighted(Decimal("95000.00"), 75) == Decimal("71250.00")
    assert round_money(Decimal("2.675")) == Decimal("2.68")


def test_saved_deal_stores_its_rounded_weighted_value(salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("333.33"), probability=25)
    deal.refresh_from_db()
    assert deal.weighted_amount == Decimal("83.33")


def test_new_deal_takes_the_stage_default_probability(salesperson, stages):
    deal = services.new_opportunity(user=salesperson, account=ContactFactory().account)
    deal.stage = stages["quote"]
    services.save_opportunity(
        deal, user=salesperson, offered_probability=deal.probability, seen_version=deal.version
    )
    assert deal.probability == 25 and not deal.is_probability_manual


def test_stage_change_in_the_form_follows_the_stage(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    previous = deal.stage
    deal.stage = stages["shortlist"]
    services.save_opportunity(
        deal,
        user=salesperson,
        offered_probability=10,
        previous_stage=previous,
        seen_version=deal.version,
    )
    assert deal.probability == 50
    assert deal.stage_date == timezone.localdate()


def test_typed_probability_is_kept_through_a_stage_change(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    previous = deal.stage
    deal.stage = stages["shortlist"]
    deal.probability = 35  # typed by the user; the form had offered 10
    services.save_opportunity(
        deal,
        user=salesperson,
        offered_probability=10,
        previous_stage=previous,
        seen_version=deal.version,
    )
    assert deal.probability == 35 and deal.is_probability_manual
    services.change_stage(
        deal, stages["quote"], user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    assert deal.probability == 35


def test_reset_returns_to_the_stage_default(salesperson, stages):
    deal = OpportunityFactory(
        owner=salesperson, stage=stages["quote"], probability=60, is_probability_manual=True
    )
    services.reset_probability(deal, user=salesperson, seen_version=deal.version)
    assert deal.probability == 25 and not deal.is_probability_manual


def test_board_and_bulk_paths_apply_the_same_rule(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    services.change_stage(
        deal, stages["quote"], user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    assert deal.probability == 25
    moved, refused = services.bulk_change_stage(
        [deal], stages["shortlist"], user=salesperson, seen_versions={deal.pk: deal.version}
    )
    deal.refresh_from_db()
    assert (moved, refused, deal.probability) == (1, [], 50)
    assert deal.history.first().history_change_reason == "bulk"


def test_won_stage_closes_the_deal_as_won(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    services.change_stage(
        deal, stages["order"], user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    assert deal.status == Opportunity.Status.WON
    assert deal.probability == 100
    assert deal.closed_date == timezone.localdate() and deal.closed_by == salesperson


def test_close_won_forces_100_and_keeps_the_report(salesperson):
    deal = OpportunityFactory(owner=salesperson, probability=40, is_probability_manual=True)
    services.close_won(
        deal,
        user=salesperson,
        closed_date=date(2026, 3, 1),
        report="Best fit",
        seen_version=deal.version,
    )
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.closed_date) == ("won", 100, date(2026, 3, 1))
    assert deal.weighted_amount == deal.amount
    assert deal.win_loss_report == "Best fit"


def test_lost_deal_requires_loss_reason(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    with pytest.raises(services.RuleError):
        services.close_lost(deal, user=salesperson, loss_reason=None, seen_version=deal.version)
    deal.refresh_from_db()
    assert deal.status == "open"


def _lost_on_price(deal, user):
    """`deal` closed as lost, with the report "Price"."""
    return services.close_lost(
        deal, user=user, loss_reason=LossReasonFactory(), report="Price", seen_version=deal.version
    )


def test_close_lost_forces_0(salesperson):
    deal = _lost_on_price(OpportunityFactory(owner=salesperson), salesperson)
    assert (deal.status, deal.probability, deal.weighted_amount) == ("lost", 0, Decimal("0.00"))


def test_reopen_applies_the_rule_again_and_is_recorded(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson, stage=stages["quote"], probability=25)
    services.close_lost(
        deal, user=salesperson, loss_reason=LossReasonFactory(), seen_version=deal.version
    )
    services.reopen(deal, user=salesperson, seen_version=deal.version)
    assert (deal.status, deal.probability, deal.loss_reason, deal.closed_date) == (
        "open",
        25,
        None,
        None,
    )
    assert deal.history.count() == 3


def test_reopening_clears_the_report_of_the_closing_undone(salesperson):
    deal = _lost_on_price(OpportunityFactory(owner=salesperson), salesperson)
    services.reopen(deal, user=salesperson, seen_version=deal.version)
    services.close_won(deal, user=salesperson, seen_version=deal.version)
    deal.refresh_from_db()
    assert deal.win_loss_report == ""
    assert deal.history.filter(win_loss_report="Price").exists()


def test_a_closed_deals_lines_stay_as_they_were_closed(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    line = services.add_line(
        deal,
        OpportunityLine(product=ProductFactory(), quantity=Decimal("1"), unit_price=Decimal("9")),
        user=salesperson,
    )
    deal.refresh_from_db()
    services.close_won(deal, user=salesperson, seen_version=deal.version)
    with pytest.raises(services.RuleError, match="reopen it to change its lines"):
        services.add_line(deal, OpportunityLine(product=ProductFactory()), user=salesperson)
    with pytest.raises(services.RuleError):
        services.remove_line(line, user=salesperson)
    deal.refresh_from_db()
    assert deal.amount == Decimal("9.00") and deal.lines.count() == 1


def test_reopening_a_deal_won_by_stage_returns_it_to_an_open_stage(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    services.change_stage(
        deal, stages["order"], user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    services.reopen(deal, user=salesperson, seen_version=deal.version)
    assert deal.is_open and not deal.stage.is_won_stage
    assert deal.probability == deal.stage.default_probability


def test_closed_deal_cannot_change_stage(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    services.close_won(deal, user=salesperson, seen_version=deal.version)
    with pytest.raises(services.RuleError):
        services.change_stage(
            deal, stages["quote"], user=salesperson, origin=Origin.BOARD, seen_version=deal.version
        )


def test_stage_gate_names_what_is_missing(salesperson):
    gated = StageFactory(name="Gated", requires_contact=True, requires_next_action=True)
    deal = OpportunityFactory(owner=salesperson)
    with pytest.raises(services.RuleError) as error:
        services.change_stage(
            deal, gated, user=salesperson, origin=Origin.BOARD, seen_version=deal.version
        )
    assert error.value.missing == ["a contact", "a next action date"]
    assert "needs a contact and a next action date first" in str(error.value)
    deal.refresh_from_db()
    assert deal.stage.name == "Prospect"


def test_stage_gate_passes_when_fields_are_there(salesperson):
    gated = StageFactory(name="Gated", requires_contact=True, requires_amount=True)
    deal = OpportunityFactory(owner=salesperson)
    deal.contacts.add(ContactFactory(account=deal.account))
    services.change_stage(
        deal, gated, user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    assert deal.stage == gated


def test_lines_make_amount_and_margin_in_decimal(salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("5.00"))  # stage default 10 %
    product = ProductFactory(list_price=Decimal("1000.00"), unit_cost=Decimal("600.00"))
    services.add_line(
        deal,
        OpportunityLine(
            product=product,
            quantity=Decimal("3"),
            unit_price=None,
            discount_percent=Decimal("10"),
            unit_cost=None,
        ),
        user=salesperson,
    )
    services.add_line(
        deal,
        OpportunityLine(
            product=product,
            quantity=Decimal("1.5"),
            unit_price=Decimal("333.33"),
            discount_percent=Decimal("0"),
            unit_cost=Decimal("100.00"),
        ),
        user=salesperson,
    )
    deal.refresh_from_db()
    # 3 × 1000 × 0.9 = 2700.00; 1.5 × 333.33 = 499.995 → 500.00
    assert deal.amount == Decimal("3200.00")
    # 3 × (900 − 600) = 900.00; 1.5 × (333.33 − 100) = 349.995 → 350.00
    assert deal.margin == Decimal("1250.00")
    assert deal.weighted_amount == Decimal("320.00")
    assert deal.has_lines


def test_removing_the_last_line_keeps_the_amount_typed_in(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    line = services.add_line(
        deal,
        OpportunityLine(
            product=ProductFactory(),
            quantity=Decimal("2"),
            unit_price=None,
            discount_percent=Decimal("0"),
            unit_cost=None,
        ),
        user=salesperson,
    )
    deal = services.remove_line(line, user=salesperson)
    assert deal.amount == Decimal("2000.00") and deal.margin is None and not deal.has_lines


def test_stale_means_past_close_date_or_long_in_stage(salesperson):
    today = timezone.localdate()
    fresh = OpportunityFactory(owner=salesperson)
    overdue = OpportunityFactory(owner=salesperson, expected_close_date=today - timedelta(days=1))
    stuck = OpportunityFactory(owner=salesperson, stage_date=today - timedelta(days=31))
    stale = set(Opportunity.objects.stale(today, 30))
    assert stale == {overdue, stuck} and fresh not in stale


def test_version_conflict_refuses_a_stale_write(salesperson, stages):
    deal = OpportunityFactory(owner=salesperson)
    seen = deal.version
    services.change_stage(
        deal, stages["quote"], user=salesperson, origin=Origin.BOARD, seen_version=deal.version
    )
    stale_copy = Opportunity.objects.get(pk=deal.pk)
    with pytest.raises(EditConflict) as conflict:
        services.change_stage(
            stale_copy,
            stages["shortlist"],
            user=salesperson,
            origin=Origin.BOARD,
            seen_version=seen,
        )
    assert any(c.label == "stage" for c in conflict.value.changes)


def test_default_close_date_is_six_weeks_out():
    assert services.default_close_date(date(2026, 1, 1)) == date(2026, 2, 12)
