"""The deal's owner kept on its quotes (`quotes.kept_owner`), for a salesperson's outstanding
quotes at volume.

Measured on a copy of the benchmark database (100,000 deals, 200,000 quotes, PostgreSQL):
with the owner on the quote and `quote_owner_list` (status, owner, sent date, id, covering the
deal and the two amounts) the owned part's footer and page ids read one index instead of
joining the ~33,000 deals of the owner. The column is filled from the deals in one UPDATE;
a trigger on the deals copies every later change of owner, whatever the path.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The SQL is the module's, as it is now: a later change to it comes with a migration of its own.
from quotes import kept_owner


def fill(apps, schema_editor):
    # Checked now, not at commit: PostgreSQL refuses to alter a table with checks pending.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(kept_owner.FILL)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def install(apps, schema_editor):
    # After the quote table is altered: SQLite rebuilds it, which fails while a trigger names it.
    kept_owner.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    kept_owner.uninstall(schema_editor.connection)


def owner_field(**changes):
    field = {
        "db_index": False,  # led by status: `quote_owner_list`
        "editable": False,
        "on_delete": django.db.models.deletion.PROTECT,
        "related_name": "+",
        "to": settings.AUTH_USER_MODEL,
        "verbose_name": "owner",
    }
    return models.ForeignKey(**{**field, **changes})


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0021_history_id_valid_with_amount"),
        ("quotes", "0004_outstanding_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalquote",
            name="owner",
            field=owner_field(  # the history's: no constraint, as simple_history makes it
                on_delete=django.db.models.deletion.DO_NOTHING,
                db_index=True,
                db_constraint=False,
                blank=True,
                null=True,
            ),
        ),
        migrations.AddField(model_name="quote", name="owner", field=owner_field(null=True)),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="quote", name="owner", field=owner_field()),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(
                fields=["status", "owner", "sent_at", "id"],
                include=("opportunity", "amount", "margin"),
                name="quote_owner_list",
            ),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
