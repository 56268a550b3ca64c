"""Indexes for the outstanding quotes list at volume (`bench_quotes`: 200,000 quotes).

The list filters by status, sorts by the sent date and sums amount and margin in its footer.
Covering indexes (the deal and the two amounts included) let PostgreSQL read a page's ids, the
footer's sums and the semi-join with "my deals" from the index alone: the team's footer over
30,000 outstanding quotes went from a bitmap heap scan (82 ms on a loaded machine) to an
index-only scan (19 ms). `INCLUDE` is PostgreSQL's; other databases get no index here (the
zero-set-up SQLite has no volume). The search gets a trigram index on the number, as the
deal and account names have (opportunities 0005).
"""

from django.db import migrations

INDEXES = {
    "quote_status_list": "quotes_quote (status, sent_at, id) "
    "INCLUDE (opportunity_id, amount, margin)",
    "quote_sent_list": "quotes_quote (sent_at, id) INCLUDE (opportunity_id, amount, margin)",
    "quote_number_trgm": "quotes_quote USING gin (UPPER(number::text) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0003_language_choices_en_gb"),
        ("opportunities", "0005_lookup_sort_and_search_indexes"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
