"""The deal list's footers from indexes alone (issue 20).

The footer counts the filtered deals and sums their amount and listed weighted value (which
needs the status and the forecast category). Where the filters were not DealTotals' keys, the
indexes the planner used lacked a column, so every matching deal cost a table row: at 1,000,000
deals a business area's open deals of a quarter are 30,000 rows scattered over a table far
larger than the shared buffers. Each index below now holds the columns the footer reads:
- `opp_status_area`: a business area's deals of a status and close range, the id as the last
  key so the page's ids come in order from it too;
- `opp_status_close_sums`: plus the forecast category (a close range; the stale rule's second
  part, open deals past their close date and not long in their stage);
- `opp_open_stage_sums` (new): the stale rule's first part, open deals long in their stage
  (`models.stale_parts`), with the status, which the footer names;
- `opp_open_stage_area_owner` (new): whether a stage holds open deals of an area or owner,
  which the board asks of every stage (not a footer, but the same scan of every open deal);
- `opp_sums_by_id` (PostgreSQL, migration 0009): plus the status and the forecast category, for
  sums over a list of deals by id (a product's, the deals shared with a user).
"""

from django.conf import settings
from django.db import migrations, models

SUMS_BY_ID = (
    "CREATE INDEX opp_sums_by_id ON opportunities_opportunity (id) INCLUDE ({columns})"
)


def _sums_by_id(columns: str):
    def build(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX IF EXISTS opp_sums_by_id")
        schema_editor.execute(SUMS_BY_ID.format(columns=columns))

    return build


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_translate_shipped_lookups'),
        ('opportunities', '0021_history_id_valid_with_amount'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_status_area',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_status_close_sums',
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['status', 'expected_close_date', 'stage_date'], include=('business_area', 'id', 'forecast_category', 'amount', 'weighted_amount'), name='opp_status_close_sums'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['status', 'business_area', 'expected_close_date', 'id'], include=('forecast_category', 'amount', 'weighted_amount'), name='opp_status_area'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['stage_date'], include=('status', 'forecast_category', 'amount', 'weighted_amount'), name='opp_open_stage_sums'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['stage', 'business_area', 'owner'], name='opp_open_stage_area_owner'),
        ),
        migrations.RunPython(
            _sums_by_id("owner_id, status, forecast_category_id, amount, weighted_amount"),
            _sums_by_id("owner_id, amount, weighted_amount"),
        ),
    ]
