"""Each product's deals with the footer's columns, kept for the product filter's footer
(issue 20; `opportunities.product_deals` has the figures). PostgreSQL only."""

from django.db import migrations

from opportunities import product_deals


def install(apps, schema_editor):
    product_deals.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    product_deals.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('opportunities', '0029_search_by_account_and_name_tail'),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
