"""The deals shared with a user, kept as a copy of their figures (`SharedDeal`, table
`opportunities_shareddeal`): one row per co-responsible link, with the deal's columns that the
figures of "mine" read.

Why (PostgreSQL, 1,000,000 deals, `bench --here --deals 1000000`, EXPLAIN (ANALYZE, BUFFERS)):
"mine" is read as two disjoint parts (`OpportunityQuerySet.owned_by_parts`), the deals a user
owns, from the owner's indexes, and the deals shared with them, whose ids come from the
co-responsible table. The bench's salesperson is co-responsible for 26,656 deals: summing or
counting them probes the deals' primary key once per link (`opp_sums_by_id`), scattered over the
whole index. Every page of "mine" (the salesperson's default list and its sorts) and the
salesperson's dashboard pays it. The copy holds those deals' figures in the order of the user:
one range of one index (`shared_deal_user`) answers the same sums.

What depends on it: figures only (the footer's count and sums of "mine", the dashboard's totals
of a salesperson's open deals), never rows: the rows of a page are read from the deals.

How it is kept right, whatever the path (ORM, `queryset.update()`, bulk writes, raw SQL):
- PostgreSQL keeps it in the transaction of every write: statement triggers on the
  co-responsible table add and remove links (`LINK_FUNCTION`), and on the deals copy a changed
  deal's columns to its links and remove a deleted deal's (`DEAL_FUNCTION`); a TRUNCATE of
  either (Django's `flush`) empties it. Every link is copied, the owner's own too if a user is
  both: the readers leave out the rows whose owner is the user, as `owned_by_parts` does.
- `manage.py check` reports a missing table, function or trigger (opportunities.E008);
  `check --database default` compares the copy with the links and their deals
  (opportunities.E009, a scan). `manage.py rebuild_deal_totals` reinstalls and refills it
  too; `--check` verifies. `migrate` puts back whatever is missing (`ensure_installed`).
- The table is not a Django-managed one (`SharedDeal` is unmanaged): `dumpdata` leaves it out,
  a load's links fill it through the triggers.

What it costs: each statement writing deals or links runs one more statement trigger (a join
of the changed rows with the copy's primary key: ~0.1 ms for a deal's save).

SQLite (the zero-set-up database, no volume) keeps none: its readers read the deals.
Switching it off: `KEPT_SHARED_DEALS = False` in the settings makes the readers read the deals
(the triggers keep running, so switching back needs no rebuild).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from . import kept_totals

MIGRATION = ("opportunities", "0031_shared_deals")
DEALS = "opportunities_opportunity"
LINKS = "opportunities_opportunity_co_responsible"
SHARED = "opportunities_shareddeal"

# The deal's columns the copy holds, by the deal's own names (so the deals' conditions, e.g.
# `stale_condition`, read the copy as they read the deals).
COLUMNS = (
    "owner_id",
    "status",
    "stage_id",
    "business_area_id",
    "forecast_category_id",
    "amount",
    "weighted_amount",
    "expected_close_date",
    "stage_date",
    "next_action_date",
)
_COLUMNS = ", ".join(COLUMNS)

TABLE = f"""CREATE TABLE IF NOT EXISTS {SHARED} (
    opportunity_id bigint NOT NULL,
    user_id integer NOT NULL,
    owner_id integer NOT NULL,
    status varchar(10) NOT NULL,
    stage_id bigint NOT NULL,
    business_area_id bigint NULL,
    forecast_category_id bigint NULL,
    amount numeric(14, 2) NOT NULL,
    weighted_amount numeric(14, 2) NOT NULL,
    expected_close_date date NOT NULL,
    stage_date date NOT NULL,
    next_action_date date NULL,
    PRIMARY KEY (opportunity_id, user_id))"""
# A user's shared deals by status and stage, holding every other column: the readers' sums and
# counts are an index-only range (the table is vacuumed like any other).
USER_INDEX = f"""CREATE INDEX IF NOT EXISTS shared_deal_user ON {SHARED}
    (user_id, status, stage_id) INCLUDE (owner_id, business_area_id, forecast_category_id,
    amount, weighted_amount, expected_close_date, stage_date, next_action_date)"""

# Every link with its deal's columns: the triggers' insert, the fill and the check.
_COPIED = f"SELECT o.id, l.user_id, {', '.join(f'o.{c}' for c in COLUMNS)}"

LINK_FUNCTION = f"""CREATE OR REPLACE FUNCTION opportunities_shared_links() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {SHARED};
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM {SHARED} s USING old_rows l
         WHERE s.opportunity_id = l.opportunity_id AND s.user_id = l.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {SHARED} (opportunity_id, user_id, {_COLUMNS})
        {_COPIED} FROM new_rows l JOIN {DEALS} o ON o.id = l.opportunity_id
        ON CONFLICT (opportunity_id, user_id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$"""

DEAL_FUNCTION = f"""CREATE OR REPLACE FUNCTION opportunities_shared_deals() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {SHARED};
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM {SHARED} s USING old_rows o WHERE s.opportunity_id = o.id;
    ELSE
        UPDATE {SHARED} s
           SET {", ".join(f"{c} = o.{c}" for c in COLUMNS)}
          FROM new_rows o
         WHERE s.opportunity_id = o.id
           AND ({", ".join(f"s.{c}" for c in COLUMNS)})
               IS DISTINCT FROM ({", ".join(f"o.{c}" for c in COLUMNS)});
    END IF;
    RETURN NULL;
END $$"""

FUNCTIONS = ("opportunities_shared_links", "opportunities_shared_deals")


def _trigger(name: str, event: str, table: str, function: str, transition: str = "") -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} {transition}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


# One trigger per event: PostgreSQL allows transition tables on single-event triggers only.
# (table, name) → its CREATE.
TRIGGERS = {
    (LINKS, "shared_links_insert"): _trigger(
        "shared_links_insert",
        "INSERT",
        LINKS,
        FUNCTIONS[0],
        "REFERENCING NEW TABLE AS new_rows",
    ),
    (LINKS, "shared_links_update"): _trigger(
        "shared_links_update",
        "UPDATE",
        LINKS,
        FUNCTIONS[0],
        "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
    ),
    (LINKS, "shared_links_delete"): _trigger(
        "shared_links_delete",
        "DELETE",
        LINKS,
        FUNCTIONS[0],
        "REFERENCING OLD TABLE AS old_rows",
    ),
    (LINKS, "shared_links_truncate"): _trigger(
        "shared_links_truncate", "TRUNCATE", LINKS, FUNCTIONS[0]
    ),
    (DEALS, "shared_deals_update"): _trigger(
        "shared_deals_update",
        "UPDATE",
        DEALS,
        FUNCTIONS[1],
        "REFERENCING NEW TABLE AS new_rows",
    ),
    (DEALS, "shared_deals_delete"): _trigger(
        "shared_deals_delete",
        "DELETE",
        DEALS,
        FUNCTIONS[1],
        "REFERENCING OLD TABLE AS old_rows",
    ),
    (DEALS, "shared_deals_truncate"): _trigger(
        "shared_deals_truncate", "TRUNCATE", DEALS, FUNCTIONS[1]
    ),
}

FILL = f"""INSERT INTO {SHARED} (opportunity_id, user_id, {_COLUMNS})
    {_COPIED} FROM {LINKS} l JOIN {DEALS} o ON o.id = l.opportunity_id"""


def enabled(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the figures of "mine" read the copy: on PostgreSQL, unless
    `settings.KEPT_SHARED_DEALS` is False."""
    return (
        getattr(settings, "KEPT_SHARED_DEALS", True) and connections[using].vendor == "postgresql"
    )


def install(connection) -> None:
    """Create the table, its index, functions and triggers (replacing the triggers)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(TABLE)
        cursor.execute(USER_INDEX)
        cursor.execute(LINK_FUNCTION)
        cursor.execute(DEAL_FUNCTION)
        for (table, name), create in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(create)


def uninstall(connection) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table, name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in FUNCTIONS:
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        cursor.execute(f"DROP TABLE IF EXISTS {SHARED}")


def missing_objects(connection) -> list[str]:
    """The table, index, functions and enabled triggers that are not there (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL, to_regclass('shared_deal_user') IS NOT NULL",
            [SHARED],
        )
        table, index = cursor.fetchone()
        found = {name for name, there in ((SHARED, table), ("shared_deal_user", index)) if there}
        cursor.execute(
            "SELECT proname FROM pg_proc"
            " WHERE pronamespace = current_schema()::regnamespace AND proname = ANY(%s)",
            [list(FUNCTIONS)],
        )
        found.update(name for (name,) in cursor.fetchall())
    missing = [name for name in (SHARED, "shared_deal_user", *FUNCTIONS) if name not in found]
    return missing + kept_totals.missing_pg_triggers(connection, [n for _t, n in TRIGGERS])


def problems(using: str = DEFAULT_DB_ALIAS) -> list[str] | None:
    """`missing_objects` on a migrated PostgreSQL database; None where there is nothing to
    check (SQLite, not migrated yet, not reachable)."""
    if connections[using].vendor != "postgresql":
        return None
    return kept_totals.when_migrated(using, MIGRATION, missing_objects)


def rebuild(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Reinstall what is missing, then copy every link again; returns what was missing.
    Writers to the deals and the links wait until it is done."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DEALS}, {LINKS} IN SHARE MODE")
        missing = missing_objects(connection)
        install(connection)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SHARED}")
            cursor.execute(FILL)
    return missing


@dataclass(frozen=True)
class Difference:
    """A link whose copy is missing, superfluous or not its deal's columns now."""

    opportunity_id: int
    user_id: int
    kept: tuple | None
    now: tuple | None


# The copy against the links joined to their deals, in one statement: one snapshot of both.
_DIFFERENCES = f"""
    SELECT COALESCE(k.opportunity_id, n.id), COALESCE(k.user_id, n.user_id),
           {", ".join(f"k.{c}" for c in COLUMNS)}, {", ".join(f"n.{c}" for c in COLUMNS)},
           k.opportunity_id IS NOT NULL, n.id IS NOT NULL
      FROM {SHARED} k
      FULL JOIN ({_COPIED.replace("o.id,", "o.id AS id,")} FROM {LINKS} l
                 JOIN {DEALS} o ON o.id = l.opportunity_id) AS n
        ON n.id = k.opportunity_id AND n.user_id = k.user_id
     WHERE k.opportunity_id IS NULL OR n.id IS NULL
        OR ({", ".join(f"k.{c}" for c in COLUMNS)})
           IS DISTINCT FROM ({", ".join(f"n.{c}" for c in COLUMNS)})
     ORDER BY 1, 2
     LIMIT 100
"""


def differences(using: str = DEFAULT_DB_ALIAS) -> list[Difference]:
    """The first 100 links whose copy differs from the link and its deal (a scan of both)."""
    width = len(COLUMNS)
    with connections[using].cursor() as cursor:
        cursor.execute(_DIFFERENCES)
        return [
            Difference(
                row[0],
                row[1],
                tuple(row[2 : 2 + width]) if row[-2] else None,
                tuple(row[2 + width : 2 + 2 * width]) if row[-1] else None,
            )
            for row in cursor.fetchall()
        ]


def ensure_installed(using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, stdout=None, **kwargs):
    """post_migrate: put back what is missing and copy again (writes without the triggers
    were not copied)."""
    if not problems(using):
        return
    missing = rebuild(using)
    if verbosity >= 1 and stdout is not None:
        stdout.write(f"  Reinstalled the shared deals' {', '.join(missing)} and copied again.\n")
