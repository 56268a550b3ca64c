"""Count, amount and weighted value of the deals kept per account, and of the open deals per
stage-entry day and per stage-entry day and close date (`kept_sums`): tables kept by statement
triggers on the deals, read by the search's and "stale"'s footers at volume. PostgreSQL only
(SQLite sums the deals). No Django model: `dumpdata` leaves them out, a TRUNCATE of the deals
empties them."""

from django.db import migrations

# The SQL is the module's, as it is now: a later change to it comes with a migration of its own.
from opportunities import kept_sums


def install(apps, schema_editor):
    kept_sums.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    kept_sums.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0031_shared_deals")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
