"""The deal's owner kept on its quotes (`quotes.kept_owner`): it follows the deal's owner by
every path, in the same transaction; the checks report a missing trigger and a wrong row; the
salesperson's list, footer and export read it."""

import csv
import io

import pytest
from django.apps import apps
from django.core import checks, management
from django.core.management.sql import emit_pre_migrate_signal
from django.db import connection, migrations, models, transaction
from django.urls import reverse

from opportunities.models import Opportunity
from quotes import kept_owner, services
from quotes.checks import owner_trigger, owners_agree
from quotes.models import Quote

from ..factories import UserFactory
from ..form_data import deal_form_data
from .conftest import deal_with_lines

pytestmark = pytest.mark.django_db

LIST = reverse("quotes:list")
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite rebuilds a table to alter it"
)


def _sent(owner, price="100"):
    quote = services.create_quote(deal_with_lines(owner, ("1", price, "0", "10")), user=owner)
    return services.mark_sent(quote, user=owner)


def _owners(deal) -> set[int]:
    return set(Quote.objects.filter(opportunity=deal).values_list("owner", flat=True))


def test_a_new_quote_and_a_new_version_have_the_deals_owner(draft, salesperson):
    assert draft.owner == salesperson
    sent = services.mark_sent(draft, user=salesperson)
    assert services.revise(sent, user=salesperson).owner_id == salesperson.pk
    assert _owners(draft.opportunity) == {salesperson.pk}


def test_the_edit_form_moves_the_quotes_with_the_deal(client_for, manager, salesperson, draft):
    deal = Opportunity.objects.get(pk=draft.opportunity_id)
    response = client_for(manager).post(
        reverse("opportunities:edit", args=[deal.pk]), deal_form_data(deal, owner=manager.pk)
    )
    assert response.status_code == 302
    assert _owners(deal) == {manager.pk}


def test_the_bulk_action_moves_the_quotes_with_the_deals(
    client_for, manager, salesperson, other_salesperson
):
    quotes = [_sent(salesperson, "100"), _sent(salesperson, "200")]
    deals = Opportunity.objects.filter(pk__in=[quote.opportunity_id for quote in quotes])
    data = {
        "selected": [deal.pk for deal in deals],
        "seen": [f"{deal.pk}:{deal.version}" for deal in deals],
        "action": "owner",
        "owner": other_salesperson.pk,
    }
    response = client_for(manager).post(reverse("opportunities:bulk"), data, follow=True)
    assert "2 deals reassigned." in response.text
    assert set(Quote.objects.values_list("owner", flat=True)) == {other_salesperson.pk}


def test_an_update_of_the_deals_and_raw_sql_move_the_quotes(draft, salesperson, manager):
    deal = draft.opportunity
    with transaction.atomic():
        Opportunity.objects.filter(pk=deal.pk).update(owner=manager)
        assert _owners(deal) == {manager.pk}  # in the same transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE opportunities_opportunity SET owner_id = %s WHERE id = %s",
            [salesperson.pk, deal.pk],
        )
    assert _owners(deal) == {salesperson.pk}
    assert kept_owner.different() == []


def test_a_dump_and_load_keeps_the_owners(draft, manager, tmp_path):
    Opportunity.objects.filter(pk=draft.opportunity_id).update(owner=manager)
    dump = tmp_path / "quotes.json"
    management.call_command("dumpdata", "quotes.quote", output=str(dump), verbosity=0)
    Quote.objects.filter(pk=draft.pk).update(owner=draft.created_by)  # tampered
    management.call_command("loaddata", str(dump), verbosity=0)
    assert Quote.objects.get(pk=draft.pk).owner == manager


def test_the_checks_report_a_wrong_owner_and_a_missing_trigger(draft, manager):
    assert owner_trigger() == [] and owners_agree(databases=["default"]) == []
    Quote.objects.filter(pk=draft.pk).update(owner=manager)  # a row written past the rules
    errors = owners_agree(databases=["default"])
    assert [error.id for error in errors] == ["quotes.E002"]
    assert str(draft.pk) in errors[0].msg
    management.call_command("repair_quote_owners", stdout=io.StringIO())
    assert owners_agree(databases=["default"]) == []
    kept_owner.uninstall(connection)
    try:
        assert [error.id for error in owner_trigger()] == ["quotes.E001"]
        assert any(e.id == "quotes.E001" for e in checks.run_checks(databases=["default"]))
    finally:
        kept_owner.install(connection)
    assert owner_trigger() == []


def test_mine_is_owned_by_the_kept_owner_and_shared_through_the_deal(
    client_for, salesperson, other_salesperson
):
    owned, shared, theirs = (
        _sent(salesperson, "100.10"),
        _sent(other_salesperson, "200.20"),
        _sent(other_salesperson, "400.00"),
    )
    shared.opportunity.co_responsible.add(salesperson)
    response = client_for(salesperson).get(LIST)
    table = response.context["table"]
    rows = list(table.paginated_rows.data)
    assert {quote.pk for quote in rows} == {owned.pk, shared.pk}
    assert table.totals["count"] == 2
    assert table.totals["amount"] == sum(quote.amount for quote in rows)
    export = client_for(salesperson).get(LIST, {"export": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert sorted(line[0] for line in lines[1:]) == sorted([owned.number, shared.number])
    assert theirs.number not in response.content.decode()
    # The deal changes hands: its quote leaves her own with it.
    Opportunity.objects.filter(pk=owned.opportunity_id).update(owner=other_salesperson)
    assert client_for(salesperson).get(LIST).context["table"].totals["count"] == 1


def test_mine_and_the_owner_filter_query_count_is_flat(
    client_for, salesperson, other_salesperson, manager, django_assert_max_num_queries
):
    for n in range(6):
        quote = _sent(other_salesperson if n % 2 else salesperson, str(100 + n))
        if n % 3 == 0:
            quote.opportunity.co_responsible.add(salesperson)
    client = client_for(salesperson)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        assert len(client.get(LIST).context["table"].paginated_rows) == 4
    boss = client_for(manager)
    boss.get(LIST, {"owner": salesperson.pk})
    with django_assert_max_num_queries(12):
        response = boss.get(LIST, {"owner": salesperson.pk})
    assert len(response.context["table"].paginated_rows) == 3


def _rebuild(model, name: str) -> None:
    """What a migration altering `model` does on SQLite: a new table, the rows copied, the old
    one dropped with its triggers; then back as it was."""
    old = model._meta.get_field(name)
    new = models.CharField(max_length=old.max_length + 1)
    new.set_attributes_from_name(name)
    with connection.schema_editor() as editor:
        editor.alter_field(model, old, new)
        editor.alter_field(model, new, old)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_of_the_deal_table_drops_the_trigger_and_migrate_puts_it_back():
    salesperson, manager = UserFactory.create_batch(2)  # the roles' groups are flushed here
    quote = _sent(salesperson)
    _rebuild(Opportunity, "status")
    assert kept_owner.missing() is True
    Opportunity.objects.filter(pk=quote.opportunity_id).update(owner=manager)  # not copied
    assert kept_owner.different() == [quote.pk]
    management.call_command("migrate", verbosity=0)  # nothing to apply; post_migrate repairs
    assert kept_owner.missing() is False and kept_owner.different() == []
    Opportunity.objects.filter(pk=quote.opportunity_id).update(owner=salesperson)
    assert _owners(quote.opportunity) == {salesperson.pk}


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_migration_rebuilding_the_quote_table_runs_and_leaves_the_owner_kept():
    """SQLite refuses to rebuild a table a trigger names: pre_migrate takes it off first."""
    salesperson, manager = UserFactory.create_batch(2)
    quote = _sent(salesperson)
    plan = [(migrations.Migration("0099_rebuild_quotes", "quotes"), False)]
    emit_pre_migrate_signal(0, False, "default", plan=plan, apps=apps)
    _rebuild(Quote, "status")
    management.call_command("migrate", verbosity=0)
    Opportunity.objects.filter(pk=quote.opportunity_id).update(owner=manager)
    assert _owners(quote.opportunity) == {manager.pk}
