"""The dashboards' stale counts per owner from one index (`forecasting.dashboard`): an owner's open
deals long in their stage and not overdue. INCLUDE is PostgreSQL's; SQLite builds the partial
index on the key alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_translate_shipped_lookups'),
        ('opportunities', '0023_report_covering_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['owner', 'stage_date'], include=('expected_close_date', 'status'), name='dash_open_owner_stage_date'),
        ),
    ]
