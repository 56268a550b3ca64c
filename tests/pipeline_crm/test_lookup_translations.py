"""Lookup names per language (issue 17, item 6): a Swedish user reads the Swedish names on every
page and export, the admin edits each language and the history keeps it, an import finds a
lookup by its name in any language, and stages are ordered by their order field."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from accounts.models import BusinessArea
from activities.models import ActivityType
from opportunities.import_reader import HEADERS
from opportunities.import_service import import_opportunities
from opportunities.models import ForecastCategory, LossReason, Opportunity, Stage
from opportunities.stage_presets import load_stage_preset
from pipeline_crm.lookups import LookupNames, canonical_name, lookup_names

from ..factories import AccountFactory, BusinessAreaFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _sv(client, url, data=None):
    response = client.get(url, data or {}, follow=True, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    return response


@pytest.fixture
def deal(salesperson):
    area = BusinessAreaFactory(name="North", name_sv="Norr")
    return OpportunityFactory(
        owner=salesperson,
        stage=Stage.objects.get(name="Short list"),
        business_area=area,
        amount=Decimal("1000.00"),
        expected_close_date=date.today() + timedelta(days=1),
        forecast_category=ForecastCategory.objects.get(name="Best case"),
    )


# --- what ships ---------------------------------------------------------------------------------


def test_shipped_lookups_come_in_five_languages():
    stage = Stage.objects.get(name="Quote sent")
    assert (stage.name_sv, stage.name_nb, stage.name_pl, stage.name_de) == (
        "Offert skickad",
        "Tilbud sendt",
        "Oferta wysłana",
        "Angebot versendet",
    )
    with translation.override("sv"):
        assert str(ActivityType.objects.get(kind="call")) == "Telefonsamtal"
        assert str(LossReason.objects.get(name_en="Lost to a competitor")) == (
            "Förlorad till konkurrent"
        )
    with translation.override("en-gb"):  # English (UK) reads the English names
        assert str(ForecastCategory.objects.get(kind="best_case")) == "Best case"


def test_stage_names_carry_no_number_and_stages_come_in_their_order():
    names = list(Stage.objects.order_by("order").values_list("name_en", flat=True))
    assert names == [
        "Prospect",
        "Qualified",
        "Quote sent",
        "Short list",
        "Final negotiation",
        "Order",
    ]


def test_a_name_missing_in_a_language_falls_back_to_english():
    area = BusinessArea.objects.create(name="Nordics", order=5)
    with translation.override("de"):
        assert area.name == "Nordics"


def test_the_name_column_stays_english_whoever_saves():
    stage = Stage.objects.get(name="Qualified")
    with translation.override("sv"):
        stage.name = "Kvalificerat"  # a Swedish user's rename sets the Swedish name
        stage.save()
    stage.refresh_from_db()
    assert (stage.name_sv, stage.name_en, canonical_name(stage)) == (
        "Kvalificerat",
        "Qualified",
        "Qualified",
    )
    assert Opportunity.objects.filter(stage__name="Qualified").count() == 0  # a query still works


def test_a_lookup_named_in_one_language_only_gets_that_name_in_its_column():
    with translation.override("sv"):
        area = BusinessArea.objects.create(name="Mitt", order=5)
    assert (area.name_en, area.name_sv, canonical_name(area)) == (None, "Mitt", "Mitt")
    assert BusinessArea.objects.filter(pk=area.pk).values_list("name", flat=True).get() == "Mitt"


# --- a Swedish user's pages and exports -------------------------------------------------------


def test_board_and_deal_page_show_swedish_names(client_for, salesperson, deal):
    client = client_for(salesperson)
    board = _sv(client, reverse("opportunities:board")).content.decode()
    assert "Kortlista" in board and "Slutförhandling" in board and "Short list" not in board
    # The columns come in the stages' order.
    assert board.index("Prospekt") < board.index("Kortlista") < board.index("Slutförhandling")
    page = _sv(client, deal.get_absolute_url()).content.decode()
    assert "Kortlista" in page and "Norr" in page and "Bästa fall" in page


def test_list_filter_and_export_show_swedish_names(client_for, salesperson, deal):
    client = client_for(salesperson)
    html = _sv(client, reverse("opportunities:list"), {"mine": ""}).content.decode()
    assert '">Kortlista</option>' in html
    export = _sv(client, reverse("opportunities:list"), {"mine": "", "export": "csv"})
    text = b"".join(export.streaming_content if export.streaming else [export.content]).decode()
    assert "Kortlista" in text and "Norr" in text and "Short list" not in text


def test_reports_show_swedish_names(client_for, manager, deal):
    client = client_for(manager)
    pipeline = _sv(client, reverse("forecasting:pipeline")).content.decode()
    assert "Kortlista" in pipeline and "Norr" in pipeline
    funnel = _sv(client, reverse("forecasting:funnel")).content.decode()
    assert "Kortlista" in funnel


def test_winloss_report_groups_under_swedish_names(client_for, manager, salesperson):
    lost = OpportunityFactory(owner=salesperson, amount=Decimal("500.00"))
    reason = LossReason.objects.get(name="Price")
    Opportunity.objects.filter(pk=lost.pk).update(
        status=Opportunity.Status.LOST, loss_reason=reason, closed_date=date.today()
    )
    html = _sv(client_for(manager), reverse("forecasting:winloss")).content.decode()
    assert "Pris" in html


def test_the_cli_report_prints_the_english_names(deal):
    out = io.StringIO()
    today = date.today()
    call_command(
        "pipeline_report",
        "--start",
        (today - timedelta(days=1)).isoformat(),
        "--end",
        (today + timedelta(days=30)).isoformat(),
        stdout=out,
    )
    assert "North,Short list," in out.getvalue()


# --- the admin and the history ------------------------------------------------------------------


def test_admin_edits_the_swedish_name_and_the_history_shows_it(client_for, admin_user):
    stage = Stage.objects.get(name="Order")
    stage.save()  # a first history record (the migration's rows have none)
    url = reverse("admin:opportunities_stage_change", args=[stage.pk])
    client = client_for(admin_user)
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(name_sv="Vunnen order", order=stage.order, default_probability=100)
    data = {key: value for key, value in data.items() if key not in ("id", "version")}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    stage.refresh_from_db()
    assert (stage.name_sv, stage.name_en) == ("Vunnen order", "Order")
    latest, before = stage.history.all()[:2]
    assert (latest.name_sv, before.name_sv, latest.name) == ("Vunnen order", "Order", "Order")
    assert [change.field for change in latest.diff_against(before).changes] == ["name_sv"]
    history = client.get(reverse("admin:opportunities_stage_history", args=[stage.pk]))
    assert history.status_code == 200


def test_admin_refuses_a_lookup_without_any_name(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("admin:accounts_businessarea_add"), {"order": 5, "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Give the name in at least one language." in response.content.decode()


def test_admin_search_finds_a_lookup_by_its_swedish_name(client_for, admin_user):
    response = client_for(admin_user).get(
        reverse("admin:opportunities_lossreason_changelist"), {"q": "konkurrent"}
    )
    assert list(response.context["cl"].result_list) == [
        LossReason.objects.get(name="Lost to a competitor")
    ]


# --- imports find a lookup by its name in any language ----------------------------------------


def test_a_lookup_is_found_by_its_name_in_any_language_ignoring_case():
    negotiation = Stage.objects.get(name="Final negotiation")
    names = LookupNames(Stage.objects.all())
    assert names.find("Slutförhandling") == [negotiation]
    assert names.find("schlussverhandlung") == [negotiation]
    assert names.find("NEGOCJACJE KOŃCOWE") == [negotiation]
    assert names.find("Final negotiation") == [negotiation]
    assert names.find("Förhandling") == []
    assert "Sluttforhandling" in lookup_names(negotiation)


def test_deal_import_takes_a_swedish_stage_and_loss_reason(salesperson):
    AccountFactory(name="Nordic Steel AB")
    row = {
        "Name": "Server refresh",
        "Account": "Nordic Steel AB",
        "Business area": "",
        "Stage": "offert skickad",
        "Status": "lost",
        "Owner": salesperson.username,
        "Expected close date": "2026-06-30",
        "Amount": "1000.00",
        "Probability": "",
        "Loss reason": "Pris",
        "Closed date": "2026-06-01",
    }
    text = ",".join(HEADERS) + "\r\n" + ",".join(row.get(h, "") for h in HEADERS) + "\r\n"

    result = import_opportunities(
        text.encode(), filename="deals.csv", dry_run=False, create_lookups=False, user=None
    )

    assert not result.errors, [(e.row, e.column, e.message) for e in result.errors]
    deal = Opportunity.objects.get(name="Server refresh")
    assert (deal.stage.name, deal.loss_reason.name) == ("Quote sent", "Price")


def test_account_import_takes_a_german_segment(salesperson):
    from accounts.import_service import import_accounts

    text = "Name,Segment,Owner\r\nNordic Steel AB,Mittelstand," + salesperson.username + "\r\n"
    result = import_accounts(text.encode(), filename="accounts.csv", dry_run=False, user=None)

    assert not result.errors, [(e.row, e.column, e.message) for e in result.errors]
    from accounts.models import Account

    assert Account.objects.get(name="Nordic Steel AB").segment.name == "Mid-market"


# --- presets and the data migration ----------------------------------------------------------


def test_a_preset_loaded_by_a_swedish_admin_matches_its_stages_and_translates_new_ones():
    with translation.override("sv"):
        result = load_stage_preset("short")
        assert (result.created, result.updated) == (0, 6)
        result = load_stage_preset("seed001")
    meeting = Stage.objects.get(name="First meeting")
    assert (meeting.name_pl, meeting.name_sv, meeting.is_active) == (
        "Spotkanie",
        "Första möte",
        True,
    )
    assert not Stage.objects.get(name="Prospect").is_active
    assert result.created == 17


def test_the_migration_drops_stage_numbers_and_translates_shipped_rows():
    from importlib import import_module

    migration = import_module("opportunities.migrations.0016_translate_shipped_lookups")
    state = MigrationExecutor(connection).loader.project_state(
        ("opportunities", "0016_translate_shipped_lookups")
    )
    Stage.objects.all().rewrite(False).filter(name="Prospect").update(name="1. Prospect")
    Stage.objects.filter(pk=Stage.objects.get(name_en="Prospect").pk).update(
        name_en="1. Prospect", name_sv=None
    )
    custom = Stage.objects.create(name="7. Contract review", order=70)
    polish = Stage.objects.create(name="Negocjacje", order=80)

    migration.forwards(state.apps, None)

    prospect = Stage.objects.get(pk=Stage.objects.get(name_en="Prospect").pk)
    assert (canonical_name(prospect), prospect.name_sv) == ("Prospect", "Prospekt")
    custom.refresh_from_db()
    assert (canonical_name(custom), custom.name_en) == ("Contract review", "Contract review")
    polish.refresh_from_db()
    assert (polish.name_en, polish.name_pl, polish.name_de) == (
        "Negotiation",
        "Negocjacje",
        "Verhandlung",
    )
    assert Stage.objects.all().rewrite(False).filter(name="Negotiation").exists()
