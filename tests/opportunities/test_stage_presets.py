"""Loading a stage preset: the deals of the stages it retires stay visible everywhere, and the
administrator maps each retired stage to a new one (preview, then the moves through the
services, with history)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from forecasting.periods import Period
from forecasting.reports.funnel import funnel_report
from forecasting.reports.pipeline import pipeline_report
from opportunities import services
from opportunities.models import Opportunity, Stage
from opportunities.stage_presets import load_stage_preset, retired_by

from ..factories import BusinessAreaFactory, LossReasonFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

PRESET_URL = reverse("admin:opportunities_stage_load_preset")
BOARD = reverse("opportunities:board")
LIST = reverse("opportunities:list")


@pytest.fixture
def short_pipeline(salesperson):
    """Open deals in the out-of-the-box stages, and one closed in one."""
    stages = {s.name: s for s in Stage.objects.all()}
    deals = {
        "prospect": OpportunityFactory(
            owner=salesperson, stage=stages["Prospect"], amount=Decimal("1000.00")
        ),
        "prospect2": OpportunityFactory(
            owner=salesperson, stage=stages["Prospect"], amount=Decimal("500.00")
        ),
        "quote": OpportunityFactory(
            owner=salesperson, stage=stages["Quote sent"], amount=Decimal("2000.00")
        ),
        "negotiation": OpportunityFactory(
            owner=salesperson, stage=stages["Final negotiation"], amount=Decimal("4000.00")
        ),
        "lost": OpportunityFactory(
            owner=salesperson, stage=stages["Quote sent"], amount=Decimal("300.00")
        ),
    }
    services.close_lost(
        deals["lost"],
        loss_reason=LossReasonFactory(),
        user=salesperson,
        seen_version=deals["lost"].version,
    )
    return deals


def _open_deals() -> int:
    return Opportunity.objects.open().count()


# --- deals in retired stages and areas stay visible ----------------------------------------------


def test_after_loading_a_preset_the_board_shows_every_open_deal(
    client_for, manager, short_pipeline
):
    load_stage_preset("seed001")

    response = client_for(manager).get(BOARD, {"mine": ""})

    columns = response.context["columns"]
    retired = [c for c in columns if c["retired"]]
    assert {c["stage"].name for c in retired} == {
        "Prospect",
        "Quote sent",
        "Final negotiation",
    }
    assert response.context["grand"]["count"] == _open_deals() == 4
    assert response.context["grand"]["amount"] == Decimal("7500.00")
    cards = sum(len(c["cards"]) for c in columns)
    assert cards == 4
    html = response.content.decode()
    assert "retired" in html
    # Nothing can be dropped on a retired column, and its cards' select asks for a new stage.
    for column in retired:
        assert f'data-drop-stage="{column["stage"].pk}"' not in html
    assert "Prospect (retired)</option>" in html


def test_the_list_marks_deals_in_a_retired_stage_and_offers_it_as_a_filter(
    client_for, salesperson, short_pipeline
):
    load_stage_preset("seed001")
    prospect = Stage.objects.get(name="Prospect")

    response = client_for(salesperson).get(LIST, {"stage": prospect.pk})

    assert response.context["table"].paginator.count == 2
    html = response.content.decode()
    assert "Prospect (retired)" in html  # the filter's choice
    assert 'class="badge warning retired"' in html  # the rows


def test_the_deal_page_marks_a_retired_stage_and_area(client_for, salesperson):
    area = BusinessAreaFactory(name="Väst")
    deal = OpportunityFactory(owner=salesperson, business_area=area)
    area.is_active = False
    area.save()
    load_stage_preset("seed001")

    html = client_for(salesperson).get(deal.get_absolute_url()).content.decode()

    # The subtitle, the stage, the area and the stage in the timeline.
    assert html.count('class="badge warning retired"') == 4


def test_the_pipeline_report_and_funnel_keep_and_mark_retired_stages(salesperson, short_pipeline):
    load_stage_preset("seed001")
    dates = Opportunity.objects.order_by("expected_close_date").values_list(
        "expected_close_date", flat=True
    )
    period = Period(dates.first(), dates.last())

    report = pipeline_report(period, {})
    funnel = funnel_report(None, {})

    assert report.total.count == 4
    assert funnel.total.count == 4
    rows = [row.stage for row in funnel.rows]
    retired = [stage for stage in rows if not stage.is_active]
    assert [stage.name for stage in retired] == [
        "Prospect",
        "Quote sent",
        "Final negotiation",
    ]


def test_the_funnel_page_marks_retired_stages(client_for, salesperson, short_pipeline):
    load_stage_preset("seed001")

    html = client_for(salesperson).get(reverse("forecasting:funnel")).content.decode()

    assert "Prospect (retired)" in html  # the chart's label
    assert 'class="badge warning retired"' in html  # the table


# --- the mapping: preview, then apply --------------------------------------------------------


def test_retired_by_counts_open_and_closed_deals_per_stage(short_pipeline):
    rows = {row.stage.name: row for row in retired_by("seed001")}

    assert rows["Prospect"].open_count == 2
    assert rows["Prospect"].open_amount == Decimal("1500.00")
    assert rows["Quote sent"].closed_count == 1
    assert rows["Prospect"].target == "Project development"  # the same 10 %, to start from
    assert "Qualified" not in rows  # no deals in it


def test_the_preview_shows_deals_and_amounts_per_old_and_new_stage(
    client_for, admin_user, short_pipeline
):
    client = client_for(admin_user)
    prospect, quote, negotiation = (
        Stage.objects.get(name=n) for n in ("Prospect", "Quote sent", "Final negotiation")
    )
    response = client.post(
        PRESET_URL,
        {
            "preset": "seed001",
            "step": "preview",
            f"stage_{prospect.pk}": "New prospect",
            f"stage_{quote.pk}": "New prospect",
            f"stage_{negotiation.pk}": "",
        },
    )

    preview = response.context["preview"]
    assert [(row.stage.name, target) for row, target in preview.rows] == [
        ("Prospect", "New prospect"),
        ("Quote sent", "New prospect"),
        ("Final negotiation", None),
    ]
    assert [(t.name, t.count, t.amount) for t in preview.targets] == [
        ("New prospect", 3, Decimal("3500.00"))
    ]
    assert (preview.kept.count, preview.kept.amount) == (1, Decimal("4000.00"))
    assert preview.closed == 1
    assert Stage.objects.get(name="Prospect").is_active  # nothing changed yet


def test_apply_moves_open_deals_through_the_services_with_history(
    client_for, admin_user, short_pipeline
):
    prospect, quote = (Stage.objects.get(name=n) for n in ("Prospect", "Quote sent"))
    response = client_for(admin_user).post(
        PRESET_URL,
        {
            "preset": "seed001",
            "step": "apply",
            f"stage_{prospect.pk}": "First meeting",
            f"stage_{quote.pk}": "Negotiation",
        },
    )

    assert response.status_code == 302
    deal = Opportunity.objects.get(pk=short_pipeline["prospect"].pk)
    assert deal.stage.name == "First meeting" and deal.probability == 3  # the new stage's default
    latest = deal.history.first()
    assert latest.history_change_reason == "bulk" and latest.history_user == admin_user
    assert Opportunity.objects.get(pk=short_pipeline["quote"].pk).stage.name == "Negotiation"
    # Unmapped: stays, retired and shown; closed: keeps the stage it was closed in.
    assert Opportunity.objects.get(pk=short_pipeline["negotiation"].pk).stage.name == (
        "Final negotiation"
    )
    assert Opportunity.objects.get(pk=short_pipeline["lost"].pk).stage == quote
    assert not Stage.objects.get(pk=prospect.pk).is_active


def test_a_deal_the_new_stage_gate_refuses_stays_and_is_named(salesperson, short_pipeline):
    load_stage_preset("seed001")  # the new stages exist; give one a gate
    Stage.objects.filter(name="First meeting").update(requires_next_action=True)
    Opportunity.objects.filter(pk=short_pipeline["prospect"].pk).update(next_action_date=None)
    Opportunity.objects.filter(pk=short_pipeline["prospect2"].pk).update(
        next_action_date=date(2030, 1, 1)
    )
    prospect = Stage.objects.get(name="Prospect")

    result = load_stage_preset("seed001", mapping={prospect.pk: "First meeting"})

    assert result.moved == 1
    assert len(result.refused) == 1 and short_pipeline["prospect"].name in result.refused[0]
    assert Opportunity.objects.get(pk=short_pipeline["prospect"].pk).stage == prospect


def test_only_a_user_who_may_change_stages_loads_a_preset(client_for, manager):
    manager.is_staff = True
    manager.save()

    assert client_for(manager).get(PRESET_URL).status_code == 403


def test_the_won_stage_is_not_offered_as_a_target(client_for, admin_user, short_pipeline):
    response = client_for(admin_user).post(PRESET_URL, {"preset": "seed001"})

    html = response.content.decode()
    assert "New prospect</option>" in html
    assert "Paid in full</option>" not in html


def test_retired_columns_come_first_on_the_board(client_for, manager, short_pipeline):
    load_stage_preset("seed001")

    columns = client_for(manager).get(BOARD, {"mine": ""}).context["columns"]

    assert [c["retired"] for c in columns[:4]] == [True, True, True, False]


# --- the command, for more deals than a request should move -----------------------------------


def test_the_command_moves_as_mapped_and_the_rest_as_suggested(admin_user, short_pipeline):
    out = io.StringIO()
    call_command(
        "load_stage_preset",
        "seed001",
        "--map",
        "Quote sent=Negocjacje",
        "--suggested",
        "--user",
        admin_user.username,
        stdout=out,
    )

    assert "4 deals moved, 0 refused" in out.getvalue()
    quote = Opportunity.objects.get(pk=short_pipeline["quote"].pk)
    assert quote.stage.name == "Negotiation" and quote.history.first().history_user == admin_user
    prospect = Opportunity.objects.get(pk=short_pipeline["prospect"].pk)
    assert prospect.stage.name == "Project development"


def test_the_command_dry_run_changes_nothing(short_pipeline):
    out = io.StringIO()
    call_command("load_stage_preset", "seed001", "--suggested", "--dry-run", stdout=out)

    assert "Prospect → Project development: 2 open deals, 1500.00" in out.getvalue()
    assert Stage.objects.get(name="Prospect").is_active


def test_the_command_refuses_an_unknown_stage(short_pipeline):
    with pytest.raises(CommandError, match="Nowhere"):
        call_command("load_stage_preset", "seed001", "--map", "Prospect=Nowhere")


def test_the_preview_points_to_the_command_when_many_deals_move(
    client_for, admin_user, short_pipeline, monkeypatch
):
    monkeypatch.setattr("opportunities.preset_admin.MOVES_PER_REQUEST", 1)
    prospect = Stage.objects.get(name="Prospect")
    data = {"preset": "seed001", "step": "preview", f"stage_{prospect.pk}": "Company"}

    response = client_for(admin_user).post(PRESET_URL, data)

    assert "manage.py load_stage_preset seed001" in response.content.decode()
