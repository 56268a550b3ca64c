"""The outstanding quotes by amount (`quote_sent_amount`): the list sorted by amount reads a
page's ids from the index's first entries instead of sorting every outstanding quote. INCLUDE
is PostgreSQL's; SQLite builds the partial index on the key alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("quotes", "0008_quote_totals")]

    operations = [
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                condition=models.Q(("status", "sent")),
                fields=["amount", "id"],
                include=("owner", "opportunity"),
                name="quote_sent_amount",
            ),
        ),
    ]
