"""Count, amount and weighted value of the deals kept per account, and of the open deals per
stage-entry day, per stage-entry day and close date, and per close date, owner, stage and
category (`kept_sums`): tables kept by statement triggers on the deals, read by the search's
and "stale"'s footers and the manager's dashboard at volume. PostgreSQL only (SQLite sums the
deals). No Django-managed model (`OpenDealSums` reads the last one): `dumpdata` leaves them
out, a TRUNCATE of the deals empties them."""

from django.db import migrations, models

# The SQL is the module's, as it is now: a later change to it comes with a migration of its own.
from opportunities import kept_sums


TABLES = kept_sums.OF_MIGRATION["0032_kept_sums"]


def install(apps, schema_editor):
    kept_sums.install(schema_editor.connection, tables=TABLES)


def uninstall(apps, schema_editor):
    kept_sums.uninstall(schema_editor.connection, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0031_shared_deals")]

    operations = [
        migrations.CreateModel(
            name="OpenDealSums",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "expected_close_date",
                        "owner",
                        "stage",
                        "forecast_category",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("expected_close_date", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("won", "Won"), ("lost", "Lost")], max_length=10
                    ),
                ),
                ("n", models.BigIntegerField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=20)),
                (
                    "weighted_amount",
                    models.DecimalField(db_column="weighted", decimal_places=2, max_digits=20),
                ),
            ],
            options={
                "verbose_name": "open deal sums",
                "verbose_name_plural": "open deal sums",
                "db_table": "opportunities_open_deal_sums",
                "managed": False,
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
