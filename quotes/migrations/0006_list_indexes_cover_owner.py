"""The outstanding list's two sorted indexes also cover the kept owner (`Quote.owner`).

"Mine" is the owner OR the deals shared with the user (`QuoteQuerySet.owned_by`); sorted by the
sent date PostgreSQL walks `quote_status_list` in order and tests each quote's owner, which the
index did not hold: every quote passed on the way to a page was read from the table. A
salesperson's page 100 (`bench_quotes`, 200,000 quotes, 13,500 quotes passed) read 13,700
buffers in 74 ms on a loaded machine; with `owner_id` in the index it is an index-only scan, 184
buffers and 7 ms, as the first page. The search's filter reads them index-only too
(`QuoteQuerySet.matching`). PostgreSQL only, as 0004.
"""

from django.db import migrations

BEFORE = {
    "quote_status_list": "quotes_quote (status, sent_at, id) "
    "INCLUDE (opportunity_id, amount, margin)",
    "quote_sent_list": "quotes_quote (sent_at, id) INCLUDE (opportunity_id, amount, margin)",
}
AFTER = {
    "quote_status_list": "quotes_quote (status, sent_at, id) "
    "INCLUDE (opportunity_id, owner_id, amount, margin)",
    "quote_sent_list": "quotes_quote (sent_at, id) "
    "INCLUDE (opportunity_id, owner_id, amount, margin)",
}


def replace(indexes: dict):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, definition in indexes.items():
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(f"CREATE INDEX {name} ON {definition}")

    return run


class Migration(migrations.Migration):
    dependencies = [("quotes", "0005_quote_owner")]

    operations = [migrations.RunPython(replace(AFTER), replace(BEFORE), elidable=False)]
