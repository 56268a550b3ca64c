"""Owner, business area and stage: one index each, not two (issue 20: fewer indexes).

Each had Django's index of the foreign key and a list index beginning with it (`opp_owner_id`,
`opp_area_id`, `opp_stage_id`: the key, the id, and since 0025 the owner and status), which
answers whatever the first did: a lookup or a count by the key, the PROTECT check before a
lookup row is deleted. Three indexes fewer on the deal table (41 -> 38 with 0025's one more):
less to plan (the planner costs each index of the table for every query) and to write.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_translate_shipped_lookups'),
        ('opportunities', '0026_sort_indexes_hold_owner_and_status'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='opportunity',
            name='business_area',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, to='accounts.businessarea', verbose_name='business area'),
        ),
        migrations.AlterField(
            model_name='opportunity',
            name='owner',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='owned_opportunities', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AlterField(
            model_name='opportunity',
            name='stage',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='opportunities.stage', verbose_name='stage'),
        ),
    ]
