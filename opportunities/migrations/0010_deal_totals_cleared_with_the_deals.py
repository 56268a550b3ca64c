# SQLite: once the last deal is deleted, no totals remain.
#
# `manage.py flush` (and every transactional test) empties the tables with one DELETE each, in
# name order: opportunities_dealtotals before opportunities_opportunity, whose delete trigger
# then counted every deal out again, leaving negative totals behind. The delete trigger now
# ends by clearing the totals when no deal is left. PostgreSQL empties the tables with one
# TRUNCATE, which no trigger sees, and needs no change.

from importlib import import_module

from django.db import migrations

initial = import_module("opportunities.migrations.0006_deal_totals")

DELETE_TRIGGER = f"""CREATE TRIGGER deal_totals_delete AFTER DELETE ON opportunities_opportunity
    BEGIN {initial._sqlite_upsert("OLD", "-")}
    DELETE FROM opportunities_dealtotals
     WHERE NOT EXISTS (SELECT 1 FROM opportunities_opportunity);
    END"""


def clear_with_the_deals(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS deal_totals_delete")
        schema_editor.execute(DELETE_TRIGGER)


def count_out_only(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS deal_totals_delete")
        schema_editor.execute(initial.SQLITE[2])


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0009_footer_sum_indexes")]

    operations = [migrations.RunPython(clear_with_the_deals, count_out_only)]
