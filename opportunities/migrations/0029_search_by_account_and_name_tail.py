"""The list's search as two disjoint parts each read from an index (issue 20;
`OpportunityQuerySet.matching_parts`, `opportunities.name_tails`).

- `opp_account_sums` replaces the account's foreign-key index: the deals of the matching
  accounts are counted and summed from it alone (the footer's columns ride along), where each
  cost a table row. At 1,000,000 deals `q=bygg` matches 2,822 accounts and their 56,582 deals:
  the OR's bitmap heap scan read 34,566 pages (115-236 ms on a loaded machine), this index
  8,837 (18 ms), most of them the 2,822 descents. It is 56 MB where the plain one was 8 MB.
- PostgreSQL only: each deal's name past its account's name (`name_tails`), its triggers and
  its trigram index, so the deals matching by name alone are found without reading the 56,582
  rows whose names match only through their account's.
"""

from django.db import migrations, models

from opportunities import name_tails


def install(apps, schema_editor):
    name_tails.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    name_tails.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_dash_account_owner_updated'),
        ('opportunities', '0028_rep_history_open_since'),
    ]

    operations = [
        migrations.AlterField(
            model_name='opportunity',
            name='account',
            field=models.ForeignKey(db_index=False, on_delete=models.deletion.PROTECT, related_name='opportunities', to='accounts.account', verbose_name='account'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['account'], include=('status', 'forecast_category', 'amount', 'weighted_amount'), name='opp_account_sums'),
        ),
        migrations.RunPython(install, uninstall),
    ]
