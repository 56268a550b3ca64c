"""The deals as of a day that stood in a period's pipeline, read from the rows dated before the
instant (forecasting.asof, `_days_between`; issue 20).

The index of migration 0019 on (expected_close_date, valid_until, history_date) reads, day by
day, the rows valid until the instant or later: few as of today (only the current rows), but
as of a day months back nearly every row since then. This one, on the open rows only, reads
the rows dated before the instant instead: few for a period that starts after the instant
(the movement report's start, the day before its period). The planner takes whichever reads
fewer rows. Measured at 100,000 deals and 1,044,000 history rows: a year's pipeline as of the
day before it read 8,665 index pages (74 ms), from this index 1,648 (14 ms); the funnel of every
open deal as of a year ago, day by day over all close dates, 15,291 → 8,230 pages. It holds
the report filters' columns and the funnel's sums, so those reads need no table rows. It
costs 116 MB at 100,000 deals (the history table is 266 MB) and a
little on every history write.
PostgreSQL only: SQLite reads the deals as of a day without `valid_until`.
"""

from django.db import migrations

HISTORY = "opportunities_historicalopportunity"
INDEX = "rep_hist_open_since"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {HISTORY} "
    "(expected_close_date, history_date, valid_until) "
    "INCLUDE (id, amount, weighted_amount, stage_id, owner_id, business_area_id, deal_type_id, "
    "source_id, forecast_category_id) "
    "WHERE status = 'open' AND history_type <> '-'"
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0027_no_index_twice_for_owner_area_stage")]

    operations = [migrations.RunPython(install, uninstall)]
