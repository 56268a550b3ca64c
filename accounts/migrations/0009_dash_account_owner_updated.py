"""A salesperson's dashboard reads their most recently changed accounts and counts their active
ones from one index (`home.views.dashboard`). INCLUDE is PostgreSQL's; SQLite builds the index on
the key alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_translate_shipped_lookups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='account',
            index=models.Index(fields=['owner', '-updated_at'], include=('is_active',), name='dash_account_owner_updated'),
        ),
    ]
