"""History that names rows no longer here: brought over from an old CRM, or left by a deletion
made before `pipeline_crm.history_guard` refused it. The app no longer deletes such a row, so a
test that needs one removes it behind the guard's back."""

from django.db import connection, models

from pipeline_crm.lookups import lookups_changed


def remove_behind_the_guard(row: models.Model) -> None:
    """Delete `row` in SQL, sending no signal (the guard is one), and retire cached lookups."""
    table = connection.ops.quote_name(row._meta.db_table)
    column = connection.ops.quote_name(row._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [row.pk])
    lookups_changed()
