"""The deals shared with a user, read from an index alone on the deal list (issue 20).

"Mine" is read as two disjoint parts (`OpportunityQuerySet.owned_by_parts`): the deals a user
owns, from the owner's indexes, and the ones shared with them, probed by id through
`opp_sums_by_id` (migration 0022: the footer's columns). A list sorted by stage, owner or
business area counts the shared deals per value, and a page of "mine" reads their close dates
in order (`page_ids`): the index lacked those columns, so every shared deal cost a table row
(at 100,000 deals 2,700 rows, 12 ms for the per-stage count; ten times that at 1,000,000).
PostgreSQL only, as 0009 and 0022.
"""

from django.db import migrations

SUMS_BY_ID = "CREATE INDEX opp_sums_by_id ON opportunities_opportunity (id) INCLUDE ({columns})"
BEFORE = "owner_id, status, forecast_category_id, amount, weighted_amount"
AFTER = f"{BEFORE}, stage_id, business_area_id, expected_close_date"


def _sums_by_id(columns: str):
    def build(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX IF EXISTS opp_sums_by_id")
        schema_editor.execute(SUMS_BY_ID.format(columns=columns))

    return build


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0024_dash_open_owner_stage_date")]

    operations = [migrations.RunPython(_sums_by_id(AFTER), _sums_by_id(BEFORE))]
