"""Each deal's name past its account's name, kept for the search (`matching_parts`).

Why (PostgreSQL, 1,000,000 deals, 50,000 accounts, EXPLAIN (ANALYZE, BUFFERS); issue 20): the
list's search `q=bygg` is "the deal's name contains it, or its account's name does". A deal is
named after its account by default ("Klippbygg AB 20581 – User expansion"), so the trigram
index on the deals' names finds every deal of the 2,822 matching accounts: 56,582 rows, whose
table pages (26,000 of 28,500) the footer had to read to check each name, 115-150 ms, however
the OR is split. Counted as two disjoint parts, the deals of the matching accounts (read from
the account's covering index, `opp_account_sums`, no table page) and the deals that match by
name alone, the second part needs the table only for the deals whose name matches *past* their
account's name: a trigram index on that tail finds them, here none.

The rule it rests on: where a deal's name begins with its account's name A, an occurrence of
the text that is not inside A ends past A, so the last three characters of the text lie in the
name from A's second-to-last character on (`tail`). Where the name does not begin with A the
tail is the whole name. So "the tail contains the text's last three characters" holds for
every deal matching by name alone: a necessary condition, which the part then completes with
the search's own conditions on the deal's row (`OpportunityQuerySet.matching_parts`). All of it
in PostgreSQL's UPPER(), as the search compares.

Kept by PostgreSQL in the transaction of every write, whatever the path (migration 0029):
- a statement trigger on the deals' inserts (a COPY of 1,000,000 deals: one INSERT ... SELECT),
  a row trigger on updates of a deal's name or account, one on deletes, one on TRUNCATE (a
  test database's flush);
- a row trigger on an account's rename, which rewrites its deals' tails;
- `manage.py check` reports a missing trigger (opportunities.E004), and
  `check --database default` deals whose tail is missing or wrong (E005, a join of every deal);
  `manage.py rebuild_name_tails` reinstalls and refills them.
It costs a table of one row per deal (109 MB with its key and trigram index at 1,000,000
deals; 12 s to fill in the migration) and a row write per deal inserted, renamed or moved, and
per deal of a renamed account.

PostgreSQL only: SQLite has no trigram index, and searches with the plain OR.
Switched off with `SEARCH_NAME_TAILS = False` in the settings: the search is then one part, the
OR (the triggers keep running, so switching back needs no rebuild).
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from . import kept_totals

MIGRATION = ("opportunities", "0029_search_by_account_and_name_tail")
TABLE = "opportunities_deal_name_tail"
DEALS = "opportunities_opportunity"
ACCOUNTS = "accounts_account"

# The tail of a deal's name (see the module's docstring), in UPPER() as the search compares.
TAIL = """CREATE OR REPLACE FUNCTION opportunities_name_tail(deal_name text, account_name text)
    RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN starts_with(upper(deal_name), upper(account_name))
        THEN substr(upper(deal_name), greatest(length(upper(account_name)) - 1, 1))
        ELSE upper(deal_name) END $$"""

CREATE_TABLE = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    deal_id bigint PRIMARY KEY, tail text NOT NULL)"""
CREATE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS deal_name_tail_trgm ON {TABLE} USING gin (tail gin_trgm_ops)"
)

# Upserts, should a row of a deal's id be left over. The account's row is locked FOR SHARE: a
# rename waits for the write that read its name, or the write reads the renamed one (a rename's
# trigger cannot see a deal not yet committed).
INSERTED = f"""CREATE OR REPLACE FUNCTION opportunities_name_tails_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (deal_id, tail)
        SELECT n.id, opportunities_name_tail(n.name, a.name)
          FROM inserted n JOIN {ACCOUNTS} a ON a.id = n.account_id
           FOR SHARE OF a
        ON CONFLICT (deal_id) DO UPDATE SET tail = EXCLUDED.tail;
        RETURN NULL;
    END $$"""
UPDATED = f"""CREATE OR REPLACE FUNCTION opportunities_name_tail_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (deal_id, tail)
        SELECT NEW.id, opportunities_name_tail(NEW.name, a.name)
          FROM {ACCOUNTS} a WHERE a.id = NEW.account_id
           FOR SHARE OF a
        ON CONFLICT (deal_id) DO UPDATE SET tail = EXCLUDED.tail;
        RETURN NULL;
    END $$"""
DELETED = f"""CREATE OR REPLACE FUNCTION opportunities_name_tail_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TABLE} WHERE deal_id = OLD.id;
        RETURN NULL;
    END $$"""
RENAMED = f"""CREATE OR REPLACE FUNCTION opportunities_name_tails_account_renamed()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} t SET tail = opportunities_name_tail(o.name, NEW.name)
          FROM {DEALS} o WHERE o.account_id = NEW.id AND t.deal_id = o.id;
        RETURN NULL;
    END $$"""
TRUNCATED = f"""CREATE OR REPLACE FUNCTION opportunities_name_tails_truncated()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$"""
FUNCTIONS = (TAIL, INSERTED, UPDATED, DELETED, RENAMED, TRUNCATED)

TRIGGERS = {
    "opp_name_tails_insert": (
        DEALS,
        f"""CREATE TRIGGER opp_name_tails_insert AFTER INSERT ON {DEALS}
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
        EXECUTE FUNCTION opportunities_name_tails_inserted()""",
    ),
    "opp_name_tail_update": (
        DEALS,
        f"""CREATE TRIGGER opp_name_tail_update AFTER UPDATE OF name, account_id ON {DEALS}
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
                           OR OLD.account_id IS DISTINCT FROM NEW.account_id)
        EXECUTE FUNCTION opportunities_name_tail_updated()""",
    ),
    "opp_name_tail_delete": (
        DEALS,
        f"""CREATE TRIGGER opp_name_tail_delete AFTER DELETE ON {DEALS}
        FOR EACH ROW EXECUTE FUNCTION opportunities_name_tail_deleted()""",
    ),
    "opp_name_tails_truncate": (
        DEALS,
        f"""CREATE TRIGGER opp_name_tails_truncate AFTER TRUNCATE ON {DEALS}
        FOR EACH STATEMENT EXECUTE FUNCTION opportunities_name_tails_truncated()""",
    ),
    "account_name_tails_rename": (
        ACCOUNTS,
        f"""CREATE TRIGGER account_name_tails_rename AFTER UPDATE OF name ON {ACCOUNTS}
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
        EXECUTE FUNCTION opportunities_name_tails_account_renamed()""",
    ),
}

FILL = f"""INSERT INTO {TABLE} (deal_id, tail)
    SELECT o.id, opportunities_name_tail(o.name, a.name)
      FROM {DEALS} o JOIN {ACCOUNTS} a ON a.id = o.account_id
    ON CONFLICT (deal_id) DO UPDATE SET tail = EXCLUDED.tail
    WHERE {TABLE}.tail IS DISTINCT FROM EXCLUDED.tail"""

# Deals whose kept tail is missing or not what their names make it.
WRONG = f"""SELECT o.id FROM {DEALS} o JOIN {ACCOUNTS} a ON a.id = o.account_id
    LEFT JOIN {TABLE} t ON t.deal_id = o.id
    WHERE t.tail IS DISTINCT FROM opportunities_name_tail(o.name, a.name)
    ORDER BY o.id"""


def install(connection) -> None:
    """Create (or replace) the table, its index, the functions and the triggers, and fill the
    tails of every deal (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(CREATE_TABLE)
        for function in FUNCTIONS:
            cursor.execute(function)
        for name, (table, create) in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(create)
        cursor.execute(FILL)
        cursor.execute(CREATE_INDEX)


def uninstall(connection) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, (table, _create) in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        for function in FUNCTIONS:
            cursor.execute(f"DROP FUNCTION IF EXISTS {function.split()[4].split('(')[0]}")


def candidates(connection, text: str, *, limit: int) -> list[int] | None:
    """The ids of the deals whose tail contains the last three characters of `text` (every
    deal matching it by name alone is among them, see above), or None when more than `limit`.

    The characters are escaped for LIKE, then put in UPPER() as the search compares (an escape
    cut in two only weakens the pattern, never narrows it)."""
    last = connection.ops.prep_for_like_query(text)[-3:]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT deal_id FROM {TABLE} WHERE tail LIKE UPPER(%s) LIMIT %s",
            [f"%{last}%", limit + 1],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    return ids if len(ids) <= limit else None


def enabled(connection) -> bool:
    """Whether the search reads the kept tails on this database: PostgreSQL, migrated, and
    not switched off (`SEARCH_NAME_TAILS`)."""
    return (
        getattr(settings, "SEARCH_NAME_TAILS", True)
        and connection.vendor == "postgresql"
        and is_migrated(connection)
    )


# Asked once per process, not on every search or footer; forgotten by every `migrate`.
is_migrated = kept_totals.MigratedOnce(MIGRATION)
forget_migrated = is_migrated.forget


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str] | None:
    """The triggers keeping the tails that are missing or disabled; None where nothing is
    kept (not PostgreSQL, or not migrated yet). A few catalogue reads."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not is_migrated(connection):
        return None
    return kept_totals.missing_pg_triggers(connection, list(TRIGGERS))


def wrong_deals(using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The ids of the deals whose kept tail is missing or wrong (a join of every deal)."""
    with connections[using].cursor() as cursor:
        cursor.execute(WRONG)
        return [pk for (pk,) in cursor.fetchall()]


def rebuild(using: str = DEFAULT_DB_ALIAS) -> int:
    """Reinstall the machinery and refill every wrong tail; returns how many deals were wrong.
    Writers to the deals and the accounts wait until it is done."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DEALS}, {ACCOUNTS} IN SHARE MODE")
        wrong = len(wrong_deals(using))
        install(connection)
    return wrong
