"""An index for the deals as of a day (forecasting.asof, issue 19): each deal's newest history
row before an instant is read from (id, history_date DESC, history_id DESC), on PostgreSQL as
DISTINCT ON (id) in index order, elsewhere by one index probe per deal. The same for the lines'
history (the product filter as of a day). Plain SQL: the historical models are made by
django-simple-history, which declares no indexes of ours, so the autodetector must not see it."""

from django.db import migrations

INDEXES = (
    ("opp_hist_as_of", "opportunities_historicalopportunity"),
    ("line_hist_as_of", "opportunities_historicalopportunityline"),
)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0012_dates_in_bounds")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON {table} (id, history_date DESC, history_id DESC)",
            f"DROP INDEX {name}",
        )
        for name, table in INDEXES
    ]
