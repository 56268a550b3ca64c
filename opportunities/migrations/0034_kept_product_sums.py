"""The deals having a line of a product kept summed per product, status and forecast category
(`kept_sums.BY_PRODUCT`): a table kept by statement triggers on the (product, deal) pairs of
`product_deals`, read by the product filter's footer. PostgreSQL only (SQLite sums the deals);
not a model: `dumpdata` leaves it out, and a load's lines fill it through the triggers."""

from django.db import migrations

# The SQL is the module's, as it is now: a later change to it comes with a migration of its own.
from opportunities import kept_sums

TABLES = kept_sums.OF_MIGRATION["0034_kept_product_sums"]


def install(apps, schema_editor):
    kept_sums.install(schema_editor.connection, tables=TABLES)


def uninstall(apps, schema_editor):
    kept_sums.uninstall(schema_editor.connection, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0033_kept_area_sums"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
