"""The deal's owner kept on its quotes (`Quote.owner`): its trigger, its check, its repair.

Why it is kept (PostgreSQL, 100,000 deals, 200,000 quotes, `bench_quotes`): a salesperson's
outstanding quotes joined the ~33,000 deals they own to find theirs (240–420 ms of SQL on a
loaded machine). With the owner on the quote the owned part reads one index
(`quote_owner_list`: status, owner, sent date) and the shared part stays a semi-join with the
deals shared with the user (`QuoteQuerySet.owned_by`). The default list of a salesperson went
from 83–97 ms of SQL to 12–16 ms (p95 151 → 49–62 ms). Checked by
`tests/quotes/test_kept_owner.py` (every path of an owner change, both databases).

How it is kept right, whatever the path:
- A quote is created with its deal's owner, the deal's row locked (`services.create_quote`,
  `services.revise`, `volume.seed_volume`; `Quote.save` fills it when it is missing).
- A change of a deal's owner, by any path (form, bulk, import, admin, `queryset.update()`, raw
  SQL), is copied to its quotes by a database trigger in the same transaction (`expected`,
  made by migration 0005).
- On SQLite a migration that rebuilds the deal or the quote table drops the trigger or fails
  while it names the table: it is taken off before migrations (`off_for_sqlite_migrations`)
  and put back after them with the owners copied again (`ensure_installed`).
- `manage.py check` reports a missing trigger (quotes.E001); `check --database default` also
  reports quotes whose owner is not their deal's (quotes.E002, a join of every quote).
- A dump keeps the column as it was; a load writes it as dumped (its deals' owners then).
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from opportunities import kept_totals

MIGRATION = ("quotes", "0005_quote_owner")
TRIGGER = "quotes_owner_follows_deal"
FUNCTION = "quotes_owner_follows_deal"

POSTGRESQL_FUNCTION = f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE quotes_quote SET owner_id = NEW.owner_id
         WHERE opportunity_id = NEW.id AND owner_id <> NEW.owner_id;
        RETURN NULL;
    END $$"""
POSTGRESQL_TRIGGER = f"""CREATE TRIGGER {TRIGGER}
    AFTER UPDATE OF owner_id ON opportunities_opportunity
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION {FUNCTION}()"""
SQLITE_TRIGGER = f"""CREATE TRIGGER {TRIGGER}
    AFTER UPDATE OF owner_id ON opportunities_opportunity
    FOR EACH ROW WHEN OLD.owner_id IS NOT NEW.owner_id
    BEGIN
        UPDATE quotes_quote SET owner_id = NEW.owner_id
         WHERE opportunity_id = NEW.id AND owner_id <> NEW.owner_id;
    END"""

# Every quote given its deal's owner (the migration's fill and the repair).
FILL = """UPDATE quotes_quote SET owner_id = (
    SELECT owner_id FROM opportunities_opportunity WHERE id = quotes_quote.opportunity_id)
    WHERE owner_id IS NULL OR owner_id <> (
    SELECT owner_id FROM opportunities_opportunity WHERE id = quotes_quote.opportunity_id)"""
DIFFERENT = """SELECT q.id FROM quotes_quote q
    JOIN opportunities_opportunity o ON o.id = q.opportunity_id
    WHERE q.owner_id <> o.owner_id ORDER BY q.id"""


def install(connection) -> None:
    """Create (or replace) the trigger on this connection's database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FUNCTION)
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON opportunities_opportunity")
            cursor.execute(POSTGRESQL_TRIGGER)
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
            cursor.execute(SQLITE_TRIGGER)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON opportunities_opportunity")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


def is_installed(connection) -> bool:
    """Whether the trigger is there and enabled."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER]
            )
        else:
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgenabled <> 'D'"
                " AND tgrelid = to_regclass('opportunities_opportunity')",
                [TRIGGER],
            )
        return cursor.fetchone() is not None


def missing(using: str = DEFAULT_DB_ALIAS) -> bool | None:
    """Whether the trigger is missing on a migrated database; None where there is nothing to
    check (another database, not migrated yet, not reachable)."""
    return kept_totals.when_migrated(
        using, MIGRATION, lambda connection: not is_installed(connection)
    )


def different(using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The ids of the quotes whose owner is not their deal's."""
    with connections[using].cursor() as cursor:
        cursor.execute(DIFFERENT)
        return [pk for (pk,) in cursor.fetchall()]


def repair(using: str = DEFAULT_DB_ALIAS) -> None:
    """Reinstall the trigger and give every quote its deal's owner, the deals locked against
    owner changes meanwhile."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE opportunities_opportunity IN SHARE MODE")
        install(connection)
        with connection.cursor() as cursor:
            cursor.execute(FILL)


def off_for_sqlite_migrations(using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """pre_migrate: on SQLite, take the trigger off before migrations run forwards (a rebuild
    of the quote table fails while the trigger names it; one of the deal table drops it)."""
    connection = connections[using]
    if connection.vendor != "sqlite" or not plan or any(backwards for _m, backwards in plan):
        return
    if kept_totals.when_migrated(using, MIGRATION, lambda connection: True):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


def ensure_installed(using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, stdout=None, **kwargs):
    """post_migrate: put the trigger back where it is missing and copy the owners again, since
    owner changes without it were not copied."""
    if not missing(using):
        return
    repair(using)
    if verbosity >= 1 and stdout is not None:
        stdout.write(f"  Reinstalled {TRIGGER} and copied the deals' owners to their quotes.\n")
