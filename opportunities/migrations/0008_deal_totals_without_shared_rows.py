# DealTotals without shared rows on PostgreSQL.
#
# 0006 upserted one row per key: every change to a deal locked its key's row until commit, so
# two transactions changing several deals (bulk actions, imports) could lock the same rows in
# opposite orders and deadlock. Now each statement only inserts its deltas, which no other
# writer touches; about one statement in fifty folds the table back to one row per key, when
# no other transaction is folding (a try-lock: it never waits). Readers sum the rows, which
# is right before, during and after a fold (MVCC).
#
# SQLite has one writer at a time: it keeps 0006's upserts, on a unique index of its own. A
# later migration that rebuilds one of the two tables on SQLite must create it (and, for
# opportunities_opportunity, the triggers of 0006) again; the DealTotals tests fail if not.

from importlib import import_module

from django.db import migrations

# 0006's SQLite triggers: a table rebuild on SQLite breaks triggers naming it, so they are
# dropped around the rebuild of opportunities_dealtotals and created again after it.
initial = import_module("opportunities.migrations.0006_deal_totals")

KEY = "stage, owner, business_area, status"
FOLD_LOCK = 7243001  # pg_advisory_xact_lock key: one folder at a time

INSERT = f"""
    INSERT INTO opportunities_dealtotals ({KEY}, "count", amount, weighted)
    SELECT stage_id, owner_id, COALESCE(business_area_id, 0), status,
           SUM(n), SUM(amount), SUM(weighted_amount)
      FROM ({{deltas}}) AS d
     GROUP BY 1, 2, 3, 4
    HAVING SUM(n) <> 0 OR SUM(amount) <> 0 OR SUM(weighted_amount) <> 0;
"""
COLUMNS = "stage_id, owner_id, business_area_id, status"
ADDED = f"SELECT {COLUMNS}, 1 AS n, amount, weighted_amount FROM new_rows"
REMOVED = (
    f"SELECT {COLUMNS}, -1 AS n, -amount AS amount, -weighted_amount AS weighted_amount"
    " FROM old_rows"
)

FOLD = f"""
CREATE FUNCTION opportunities_fold_deal_totals() RETURNS void LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM opportunities_dealtotals
        RETURNING {KEY}, "count", amount, weighted
    )
    INSERT INTO opportunities_dealtotals ({KEY}, "count", amount, weighted)
    SELECT {KEY}, SUM("count"), SUM(amount), SUM(weighted)
      FROM moved
     GROUP BY 1, 2, 3, 4
    HAVING SUM("count") <> 0 OR SUM(amount) <> 0 OR SUM(weighted) <> 0
$$
"""

TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION opportunities_deal_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {INSERT.format(deltas=ADDED)}
    ELSIF TG_OP = 'DELETE' THEN {INSERT.format(deltas=REMOVED)}
    ELSE {INSERT.format(deltas=f"{ADDED} UNION ALL {REMOVED}")}
    END IF;
    IF random() < 0.02 AND pg_try_advisory_xact_lock({FOLD_LOCK}) THEN
        PERFORM opportunities_fold_deal_totals();
    END IF;
    RETURN NULL;
END $$
"""

# 0006's function, to go back to.
UPSERT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION opportunities_deal_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {{added}}
    ELSIF TG_OP = 'DELETE' THEN {{removed}}
    ELSE {{both}}
    END IF;
    RETURN NULL;
END $$
"""
UPSERT = f"""
    INSERT INTO opportunities_dealtotals AS t ({KEY}, "count", amount, weighted)
    SELECT stage_id, owner_id, COALESCE(business_area_id, 0), status,
           SUM(n), SUM(amount), SUM(weighted_amount)
      FROM ({{deltas}}) AS d
     GROUP BY 1, 2, 3, 4
    HAVING SUM(n) <> 0 OR SUM(amount) <> 0 OR SUM(weighted_amount) <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT ({KEY}) DO UPDATE
       SET "count" = t."count" + EXCLUDED."count",
           amount = t.amount + EXCLUDED.amount,
           weighted = t.weighted + EXCLUDED.weighted;
"""
SQLITE_KEY_INDEX = f"CREATE UNIQUE INDEX deal_totals_key ON opportunities_dealtotals ({KEY})"


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in initial.SQLITE_REVERSE:
            schema_editor.execute(statement)


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in initial.SQLITE:
            schema_editor.execute(statement)


def insert_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FOLD)
        schema_editor.execute(TRIGGER_FUNCTION)
        schema_editor.execute("SELECT opportunities_fold_deal_totals()")
    else:
        schema_editor.execute(SQLITE_KEY_INDEX)
        create_sqlite_triggers(apps, schema_editor)


def upsert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SELECT opportunities_fold_deal_totals()")
        schema_editor.execute(
            UPSERT_FUNCTION.format(
                added=UPSERT.format(deltas=ADDED),
                removed=UPSERT.format(deltas=REMOVED),
                both=UPSERT.format(deltas=f"{ADDED} UNION ALL {REMOVED}"),
            )
        )
        schema_editor.execute("DROP FUNCTION opportunities_fold_deal_totals()")
    else:
        drop_sqlite_triggers(apps, schema_editor)
        schema_editor.execute("DROP INDEX IF EXISTS deal_totals_key")


class Migration(migrations.Migration):

    dependencies = [
        ('opportunities', '0007_list_sort_tie_break_indexes'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.RemoveConstraint(
            model_name='dealtotals',
            name='deal_totals_key',
        ),
        migrations.RunPython(insert_only, upsert),
    ]
