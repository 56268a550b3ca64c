"""The kept deal totals survive a table rebuild, a dump and a load; `manage.py check` says when
their triggers are missing or the totals wrong; `rebuild_deal_totals` repairs them; and no
page's rows depend on them."""

import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import checks, serializers
from django.core.management import CommandError, call_command
from django.core.management.sql import emit_pre_migrate_signal
from django.db import connection, migrations, models
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from opportunities import kept_totals
from opportunities.models import DealTotals, Opportunity

from ..factories import OpportunityFactory, StageFactory, UserFactory
from .test_deal_totals import _kept_equals_deals

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
BOARD = reverse("opportunities:board")

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite rebuilds a table to alter it"
)


def _errors(*, databases=None) -> list[str]:
    return [
        message.id
        for message in checks.run_checks(databases=databases)
        if message.id and message.id.startswith("opportunities.")
    ]


def _drop_trigger(name: str) -> None:
    on = " ON opportunities_opportunity" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}{on}")


@pytest.fixture
def owner(db):
    """A user in no group (a salesperson's rights), made here rather than from the role groups:
    the transactional tests below may follow one that emptied every table."""
    return UserFactory(username="kept-owner")


def _deals(owner, n=3) -> list[Opportunity]:
    """`n` open deals of `owner`, one per stage, in stages of their own (for the same reason)."""
    stages = [StageFactory(name=f"Kept {i}", order=900 + i) for i in range(n)]
    return [
        OpportunityFactory(owner=owner, stage=stage, amount=Decimal("100.10") * (i + 1))
        for i, stage in enumerate(stages)
    ]


# --- a migration that rebuilds the deal table (SQLite) -------------------------------------------


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_table_rebuild_drops_the_triggers_and_migrate_puts_them_back(owner, client):
    stage = _deals(owner)[0].stage
    # What a migration adding a field with a default does on SQLite (the `integrity` branch's
    # kind of change): it makes a new table, copies the rows and drops the old one, triggers
    # and all; then the field goes again, leaving the table as it was.
    probe = models.BooleanField(default=False)
    probe.set_attributes_from_name("rebuild_probe")
    with connection.schema_editor() as editor:
        editor.add_field(Opportunity, probe)
        editor.remove_field(Opportunity, probe)

    assert "opportunities.E001" in _errors()
    OpportunityFactory(owner=owner, stage=stage, amount=Decimal("5.00"))  # not counted: no trigger
    client.force_login(owner)
    response = client.get(LIST)
    assert response.context["table"].paginator.count == 4  # the rows never came from the totals
    assert len(response.context["table"].page.object_list) == 4

    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate reinstalls and recounts

    assert _errors(databases=["default"]) == []
    OpportunityFactory(owner=owner, stage=stage, amount=Decimal("7.00"))
    _kept_equals_deals()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_migration_rebuilding_the_totals_table_runs_and_leaves_them_kept(owner):
    """The totals table itself rebuilt: SQLite refuses while triggers name it, so `migrate`
    takes them off first (pre_migrate), and puts them back with the key after."""
    plan = [(migrations.Migration("0099_rebuild_totals", "opportunities"), False)]
    emit_pre_migrate_signal(0, False, "default", plan=plan, apps=apps)
    with connection.schema_editor() as editor:
        old = DealTotals._meta.get_field("status")
        new = models.CharField(max_length=12)
        new.set_attributes_from_name("status")
        editor.alter_field(DealTotals, old, new)
        editor.alter_field(DealTotals, new, old)
    assert {"deal_totals_key", "deal_totals_insert"} <= {o.name for o in kept_totals.out_of_place()}

    call_command("migrate", verbosity=0)

    _deals(owner)
    _kept_equals_deals()


# --- the check -------------------------------------------------------------------------------


def test_check_reports_a_missing_trigger():
    assert _errors() == []
    _drop_trigger("deal_totals_update")

    assert _errors() == ["opportunities.E001"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL disables triggers")
def test_check_reports_a_disabled_trigger():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE opportunities_opportunity DISABLE TRIGGER deal_totals_insert")

    assert _errors() == ["opportunities.E001"]


def test_check_is_silent_where_the_migrations_have_not_made_the_triggers_yet():
    """A fresh database: `migrate` runs the checks before it creates anything."""
    app, name = kept_totals.LAST_MIGRATION
    MigrationRecorder.Migration.objects.filter(app=app, name=name).delete()
    _drop_trigger("deal_totals_insert")

    assert _errors(databases=["default"]) == []


def test_check_with_the_database_reports_totals_that_disagree_with_the_deals(owner):
    _deals(owner)
    assert _errors(databases=["default"]) == []
    DealTotals.objects.filter(pk=DealTotals.objects.order_by("pk").first().pk).update(
        amount=models.F("amount") + 1
    )

    assert _errors() == []  # a plain `check` does not scan the deals
    assert _errors(databases=["default"]) == ["opportunities.E002"]


# --- the command -----------------------------------------------------------------------------


def test_rebuild_reinstalls_the_triggers_and_recounts(owner, capsys):
    _deals(owner)
    _drop_trigger("deal_totals_delete")
    DealTotals.objects.update(count=models.F("count") * 2)

    call_command("rebuild_deal_totals")

    assert "verified" in capsys.readouterr().out
    assert _errors(databases=["default"]) == []
    Opportunity.objects.order_by("pk").first().delete()  # counted out by the trigger again
    _kept_equals_deals()


def test_rebuild_check_fails_on_wrong_totals_and_changes_nothing(owner):
    _deals(owner)
    DealTotals.objects.update(count=0)

    with pytest.raises(CommandError, match="disagree"):
        call_command("rebuild_deal_totals", "--check")
    assert DealTotals.objects.aggregate(n=models.Sum("count"))["n"] == 0


def test_rebuild_check_names_a_missing_trigger():
    _drop_trigger("deal_totals_insert")

    with pytest.raises(CommandError, match="deal_totals_insert"):
        call_command("rebuild_deal_totals", "--check")


# --- dumps -----------------------------------------------------------------------------------


def _dump(path):
    call_command("dumpdata", output=str(path), verbosity=0)
    return json.loads(path.read_text())


def _load_into_an_empty_database(path) -> None:
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    call_command("loaddata", str(path), verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_dump_then_load_into_an_empty_database_counts_each_deal_once(owner, tmp_path):
    _deals(owner)
    before = _kept_equals_deals()
    dump = tmp_path / "dump.json"
    assert not [row for row in _dump(dump) if row["model"] == "opportunities.dealtotals"]

    _load_into_an_empty_database(dump)

    assert _kept_equals_deals() == before


@pytest.mark.django_db(transaction=True)
def test_loading_an_older_dump_with_totals_in_it_does_not_double_them(owner, tmp_path):
    _deals(owner)
    before = _kept_equals_deals()
    dump = tmp_path / "dump.json"
    rows = _dump(dump) + json.loads(serializers.serialize("json", DealTotals.objects.all()))
    dump.write_text(json.dumps(rows))

    _load_into_an_empty_database(dump)

    assert _kept_equals_deals() == before


# --- pages whose rows must not depend on them ---------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"mine": "true"}, {"status": "open"}, {"sort": "stage"}, {"sort": "-owner"}],
    ids=["none", "mine", "open", "by stage", "by owner"],
)
def test_list_rows_and_pages_are_right_when_the_totals_are_wrong(client_for, owner, params):
    deals = _deals(owner, n=5)
    DealTotals.objects.all().delete()

    response = client_for(owner).get(LIST, {**params, "per_page": 2})
    table = response.context["table"]

    assert table.paginator.count == len(deals)
    assert table.paginator.num_pages == 3
    last = client_for(owner).get(LIST, {**params, "per_page": 2, "page": 3})
    pages = (table, last.context["table"])
    shown = [row.pk for page in pages for row in page.page.object_list.data]
    assert len(shown) == 3 and set(shown) <= {deal.pk for deal in deals}


def test_the_board_shows_every_card_when_the_totals_are_wrong(client_for, owner):
    deals = _deals(owner, n=4)
    DealTotals.objects.all().delete()

    response = client_for(owner).get(BOARD)

    cards = [card.pk for column in response.context["columns"] for card in column["cards"]]
    assert sorted(cards) == sorted(deal.pk for deal in deals)


def test_switched_off_the_pages_sum_the_deals(client_for, owner, settings):
    settings.KEPT_DEAL_TOTALS = False
    _deals(owner)
    DealTotals.objects.update(amount=0)

    response = client_for(owner).get(LIST)

    assert response.context["totals"]["amount"] == Decimal("600.60")
    board = client_for(owner).get(BOARD)
    assert board.context["grand"]["amount"] == Decimal("600.60")
