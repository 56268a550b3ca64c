"""Two partial indexes of the outstanding (sent) quotes for the salesperson's dashboard at
200,000 quotes: the quotes of the deals shared with a user by deal (`quote_sent_deal`, the
panel's shared part from the index alone) and a user's by valid-until date
(`quote_sent_owner_valid`, the reminders' first 25). INCLUDE is PostgreSQL's; SQLite builds
the partial index on the key alone."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quotes', '0006_list_indexes_cover_owner'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='quote',
            index=models.Index(condition=models.Q(('status', 'sent')), fields=['opportunity'], include=('id', 'owner', 'sent_at', 'amount', 'margin'), name='quote_sent_deal'),
        ),
        migrations.AddIndex(
            model_name='quote',
            index=models.Index(condition=models.Q(('status', 'sent')), fields=['owner', 'valid_until', 'id'], name='quote_sent_owner_valid'),
        ),
    ]
