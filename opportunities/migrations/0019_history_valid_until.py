"""Each row of a deal's history knows until when it stood (`valid_until`: the date of the deal's
next row, or `STILL_CURRENT`), so the deals as of a day are the rows with history_date < cut-off
<= valid_until, read from an index (forecasting.asof, issue 19).

Measured at 100,000 deals and 1,044,000 history rows on PostgreSQL (2 shared cores under load):
picking each deal's newest row before the cut-off (DISTINCT ON over the index of 0014, then
one probe per deal) took 1.6-4.3 s for a quarter's pipeline; see forecasting/asof.py for the
figures with this column.

The column is derived, so the database keeps it, whatever writes the history: statement
triggers on every INSERT (django-simple-history, bulk writes, COPY, rows written for an old
CRM's past, in any order), UPDATE (a history date moved) and DELETE recompute the column of
every row of the deals touched, in the same transaction. On PostgreSQL only: SQLite reads the
deals as of a day without it (forecasting.asof), so there it keeps its default.
"""

import datetime

from django.db import migrations, models

HISTORY = "opportunities_historicalopportunity"
STILL_CURRENT = "9999-12-31 00:00:00+00"

# Every row of the deals `changed` lists: valid until the deal's next row in the as-of order
# (history_date, history_id), the last one until STILL_CURRENT.
RECOMPUTE = f"""
    UPDATE {HISTORY} AS row SET valid_until = chain.next
    FROM (
        SELECT history_id, COALESCE(
            lead(history_date) OVER (PARTITION BY id ORDER BY history_date, history_id),
            '{STILL_CURRENT}'
        ) AS next
        FROM {HISTORY} WHERE id IN (SELECT id FROM changed)
    ) AS chain
    WHERE row.history_id = chain.history_id AND row.valid_until IS DISTINCT FROM chain.next
"""

FUNCTION = f"""
CREATE FUNCTION opportunities_history_valid_until() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The UPDATE below fires the update trigger again: nothing is left to do at that depth.
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        WITH changed AS (SELECT DISTINCT id FROM new_rows) {RECOMPUTE};
    ELSIF TG_OP = 'DELETE' THEN
        WITH changed AS (SELECT DISTINCT id FROM old_rows) {RECOMPUTE};
    ELSE
        WITH changed AS (SELECT id FROM old_rows UNION SELECT id FROM new_rows) {RECOMPUTE};
    END IF;
    RETURN NULL;
END;
$$
"""

TRIGGERS = (
    ("insert", "INSERT", "NEW TABLE AS new_rows"),
    ("update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "DELETE", "OLD TABLE AS old_rows"),
)

# The as-of reads filter a period of close dates or closed dates, or nothing (the funnel), and
# then the validity: each index holds the validity, so only the rows standing then are read.
# The pipeline's and the budget's figures come from the first alone (an index-only scan);
# the movement report reads a list of deals as of a day from the last.
PIPELINE_COLUMNS = "status, history_type, id, business_area_id, stage_id, amount, weighted_amount"
INDEXES = (
    (
        "opp_hist_close_valid",
        "expected_close_date, valid_until, history_date",
        f"INCLUDE ({PIPELINE_COLUMNS}, owner_id, forecast_category_id)",
    ),
    ("opp_hist_closed_valid", "closed_date, valid_until, history_date", ""),
    ("opp_hist_valid", "valid_until, history_date", ""),
    ("opp_hist_id_valid", "id, valid_until, history_date", ""),
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"WITH changed AS (SELECT DISTINCT id FROM {HISTORY}) {RECOMPUTE}")
    execute(FUNCTION)
    for name, event, tables in TRIGGERS:
        execute(
            f"CREATE TRIGGER opp_history_valid_until_{name} AFTER {event} ON {HISTORY} "
            f"REFERENCING {tables} FOR EACH STATEMENT "
            "EXECUTE FUNCTION opportunities_history_valid_until()"
        )
    for name, columns, include in INDEXES:
        execute(f"CREATE INDEX {name} ON {HISTORY} ({columns}) {include}")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns, _include in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, _event, _tables in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS opp_history_valid_until_{name} ON {HISTORY}")
    schema_editor.execute("DROP FUNCTION IF EXISTS opportunities_history_valid_until()")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0018_owner_open_deals_covering_index")]

    operations = [
        migrations.AddField(
            model_name="historicalopportunity",
            name="valid_until",
            field=models.DateTimeField(
                default=datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                editable=False,
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
