"""The deals shared with a user, kept as a copy of their figures (`kept_shared`): a table kept
by statement triggers on the deals and the co-responsible links, read by the figures of "mine"
at volume. PostgreSQL only (SQLite reads the deals). `SharedDeal` is not managed by Django:
the table is made here, `dumpdata` leaves it out, a TRUNCATE of the deals or links empties it."""

from django.db import migrations, models

# The SQL is the module's, as it is now: a later change to it comes with a migration of its own.
from opportunities import kept_shared


def install(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    kept_shared.install(connection)
    schema_editor.execute(f"DELETE FROM {kept_shared.SHARED}")
    schema_editor.execute(kept_shared.FILL)


def uninstall(apps, schema_editor):
    kept_shared.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0030_product_deals")]

    operations = [
        migrations.CreateModel(
            name="SharedDeal",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "opportunity",
                        "user",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("won", "Won"), ("lost", "Lost")], max_length=10
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14)),
                ("weighted_amount", models.DecimalField(decimal_places=2, max_digits=14)),
                ("expected_close_date", models.DateField()),
                ("stage_date", models.DateField()),
                ("next_action_date", models.DateField(null=True)),
            ],
            options={
                "verbose_name": "shared deal",
                "verbose_name_plural": "shared deals",
                "db_table": "opportunities_shareddeal",
                "managed": False,
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
