"""The list's sort indexes hold the owner and the status (issues 16 and 20).

A page of the deal list walks the index of its sort (and one sorted by stage, owner or area
the (key, id) index of each value it shows) and stops after its rows; the filters the
index lacked were checked on the table row of every entry walked. A salesperson's default list
(mine, open) matches a third of the open deals, so page 100 walks 14,000 entries, and sorted by
weighted value every lost deal (0.00, a quarter of the table) comes before the first open one.
With the owner and the status in the index the walk reads index pages only; with a partial
index of open deals by weighted value it skips no closed deal. Measured at 100,000 deals
(EXPLAIN (ANALYZE, BUFFERS) of the page's ids query, load 7):

| page (mine, open) | before | after |
|---|---|---|
| page 100 by close date (`opp_open_close`) | 13,715 buffers, 32.8 ms | 141 buffers, 2.4 ms |
| by weighted value (`opp_open_weighted`) | 3,342 buffers, 30.7 ms | 60 buffers, 0.7 ms |
| by amount, descending (`opp_amount_id`) | heap row per entry | 63 buffers, 0.7 ms |
| "mine", page 100 by close date (`opp_close_id`) | heap row per entry | 153 buffers, 2.5 ms |

The matches' density in the order does not grow with the table, so neither does the walk.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_translate_shipped_lookups'),
        ('opportunities', '0025_shared_deals_index_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_close_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_stage_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_owner_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_area_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_amount_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_weighted_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_probability_id',
        ),
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_open_close',
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['expected_close_date', 'id'], include=('owner', 'status'), name='opp_close_id'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['stage', 'id'], include=('owner', 'status'), name='opp_stage_id'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['owner', 'id'], include=('status',), name='opp_owner_id'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['business_area', 'id'], include=('owner', 'status'), name='opp_area_id'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['expected_close_date', 'id'], include=('owner',), name='opp_open_close'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['amount', 'id'], include=('owner', 'status'), name='opp_amount_id'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['weighted_amount', 'id'], include=('owner', 'status'), name='opp_weighted_id'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['weighted_amount', 'id'], include=('owner',), name='opp_open_weighted'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['probability', 'id'], include=('owner', 'status'), name='opp_probability_id'),
        ),
    ]
