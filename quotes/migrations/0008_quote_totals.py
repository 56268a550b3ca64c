"""Kept quote totals (`quotes.kept_totals`): count, amount and margin per status and owner,
kept by statement triggers on the quotes, for the outstanding list's footer at volume.
PostgreSQL only, as the list's indexes (0004): SQLite sums the quotes. The table is not a
Django model (`dumpdata` leaves it out; a TRUNCATE of the quotes empties it)."""

from django.db import migrations

# The SQL is the module's, as it is now: a later change to it comes with a migration of its own.
from quotes import kept_totals


def install(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    kept_totals.install(connection)
    schema_editor.execute(f"DELETE FROM {kept_totals.TOTALS}")
    schema_editor.execute(kept_totals.FILL)


def uninstall(apps, schema_editor):
    kept_totals.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("quotes", "0007_dashboard_outstanding_indexes")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
