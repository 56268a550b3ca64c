"""Kept deal totals (`DealTotals`): their triggers, their check, their rebuild.

Why they are kept (measured on PostgreSQL at 100,000 deals, 65,000 of them open, 2 cores, with
`bench --deals 100000` and EXPLAIN ANALYZE): summing count, amount and weighted of every deal
takes 19–28 ms (a scan of the whole table), the board's per-stage sums of everyone's open deals
31–35 ms; the same figures from `DealTotals` take 3 ms. The unfiltered list ran at a p95 of
57 ms against its budget of 60 ms with them, most of it Python: summing the deals instead would
put it over. The count alone (6–11 ms, an index-only scan) is read from the deals anyway, see
below. At 1,000,000 deals every scan is ten times longer. `bench --without-kept-totals` measures
the pages without them.

What depends on them: figures only, never rows. The list's footer sums (amount and weighted)
and the board's column totals read them where the filters are among their keys
(`OpportunityFilter.totals_source`), and so does the funnel of every open deal when its filters
are among them (`forecasting.reports.funnel.kept_per_stage`), and the dashboards' counts and
open pipeline (`forecasting.dashboard`). The list's count, which sets its pages, is read from
them too where its filters are their keys (counting a salesperson's 150,000 open deals cost 17 ms of
every page at 1,000,000 deals, every deal 41 ms), unless it is sorted by a lookup. The rows
come from the deals by their offset, so that count can only end the list early or late: each
page reads one id past its end and the list recounts from the deals when it disagrees
(`opportunities.tables.DealRows`, `OpportunityQuerySet.page_ids_checked`), so the page where
the list ends always agrees with the deals. The counts per value that page a list sorted by a
lookup, the rows, and the board's cards and columns come from the deals themselves: wrong
totals can show a wrong sum, never hide or repeat a deal.

How they are kept right:
- The database keeps them in the transaction of every write to a deal, whatever the path:
  the triggers and functions of migrations 0006, 0008 and 0010 (`expected`).
- On SQLite a migration that rebuilds the deal table (adding or altering one of its fields)
  drops its triggers, and one that rebuilds the totals table fails while they name it. So on
  SQLite they are taken off before migrations run (`off_for_sqlite_migrations`, pre_migrate),
  and after every `migrate` `ensure_installed` (post_migrate) puts back whatever is missing or
  changed and recounts the totals: a later migration need not know of them.
- `manage.py check` reports a missing or changed trigger on a migrated database (E001, a few
  catalogue reads); `manage.py check --database default` also compares the totals with a recount
  of the deals (E002, a scan of the deal table).
- `manage.py rebuild_deal_totals` reinstalls the triggers, recounts, and verifies the result
  against a second recount; `--check` only verifies.
- Dumps leave them out (`dumpdata`) and loads ignore them (`loaddata`, for dumps made before):
  the triggers count the loaded deals once.

Switching them off: `KEPT_DEAL_TOTALS = False` in the settings makes the footer and the board
sum the deals (the triggers keep running, so switching back needs no rebuild).
"""

from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.recorder import MigrationRecorder

_initial = import_module("opportunities.migrations.0006_deal_totals")
_insert_only = import_module("opportunities.migrations.0008_deal_totals_without_shared_rows")
_cleared = import_module("opportunities.migrations.0010_deal_totals_cleared_with_the_deals")

# The last migration that changed the triggers: before it is applied they are the migrations'
# business (a fresh or half-migrated database), after it this module's.
LAST_MIGRATION = ("opportunities", "0010_deal_totals_cleared_with_the_deals")
DEALS = "opportunities_opportunity"
TOTALS = "opportunities_dealtotals"


def enabled() -> bool:
    """Whether pages read figures from the kept totals (settings.KEPT_DEAL_TOTALS, default on)."""
    return getattr(settings, "KEPT_DEAL_TOTALS", True)


@dataclass(frozen=True)
class DbObject:
    """A trigger, function or index the kept totals need, as the migrations made it."""

    kind: str
    name: str
    create: str
    drop: str

    def body(self) -> str:
        """What the database keeps of it to compare: a function's body, else the statement."""
        return _normal(self.create.split("$$")[1] if self.kind == "function" else self.create)


def _normal(sql: str) -> str:
    return " ".join(sql.split())


def _pg_trigger(statement: str) -> DbObject:
    name = statement.split()[2]
    return DbObject("trigger", name, statement, f"DROP TRIGGER IF EXISTS {name} ON {DEALS}")


def _sqlite_trigger(statement: str) -> DbObject:
    name = statement.split()[2]
    return DbObject("trigger", name, statement, f"DROP TRIGGER IF EXISTS {name}")


POSTGRESQL = (
    DbObject(
        "function",
        "opportunities_fold_deal_totals",
        _insert_only.FOLD.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
        "",
    ),
    DbObject("function", "opportunities_deal_totals", _insert_only.TRIGGER_FUNCTION, ""),
    *(_pg_trigger(statement) for statement in _initial.POSTGRESQL[1:]),
)
SQLITE = (
    DbObject(
        "index",
        "deal_totals_key",
        _insert_only.SQLITE_KEY_INDEX,
        "DROP INDEX IF EXISTS deal_totals_key",
    ),
    _sqlite_trigger(_initial.SQLITE[0]),  # insert
    _sqlite_trigger(_initial.SQLITE[1]),  # update
    _sqlite_trigger(_cleared.DELETE_TRIGGER),  # delete, clearing the totals with the last deal
)


def expected(connection) -> tuple[DbObject, ...]:
    """The database objects that keep the totals on this connection's database."""
    objects = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(connection.vendor)
    if objects is None:
        raise NotImplementedError(f"DealTotals has no triggers for {connection.vendor}.")
    return objects


def is_migrated(connection) -> bool:
    """Whether the migrations that made the triggers have all run on this database."""
    recorder = MigrationRecorder(connection)
    return recorder.has_table() and LAST_MIGRATION in recorder.applied_migrations()


def _installed(connection) -> dict[str, str]:
    """name → what the database keeps of each object (see `DbObject.body`); enabled ones only."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index')")
            return {name: _normal(sql or "") for name, sql in cursor.fetchall()}
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc"
            " WHERE pronamespace = current_schema()::regnamespace AND proname = ANY(%s)",
            [[o.name for o in POSTGRESQL if o.kind == "function"]],
        )
        found = {name: _normal(source) for name, source in cursor.fetchall()}
        cursor.execute(
            "SELECT tgname FROM pg_trigger"
            " WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal AND tgenabled <> 'D'",
            [DEALS],
        )
        triggers = {o.name: o.body() for o in POSTGRESQL if o.kind == "trigger"}
        found.update((name, triggers.get(name, "")) for (name,) in cursor.fetchall())
        return found


def out_of_place(using: str = DEFAULT_DB_ALIAS) -> list[DbObject]:
    """The objects that are missing, disabled or not as the migrations made them."""
    connection = connections[using]
    installed = _installed(connection)
    return [o for o in expected(connection) if installed.get(o.name) != o.body()]


def _install(connection, objects) -> None:
    with connection.cursor() as cursor:
        for o in objects:
            if o.drop:
                cursor.execute(o.drop)
            cursor.execute(o.create)


def _lock_deals(connection) -> None:
    """Hold off every write to the deals until the transaction ends: a write counted by its
    trigger and again by a recount that sees it committed would count twice."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DEALS} IN SHARE MODE")


def rebuild(using: str = DEFAULT_DB_ALIAS) -> list[DbObject]:
    """Reinstall whatever trigger is out of place, then recount the totals from the deals.

    Returns the objects that were reinstalled. Writers to the deals wait until it is done.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock_deals(connection)
        reinstalled = out_of_place(using)
        _install(connection, reinstalled)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TOTALS}")
            cursor.execute(_initial.FILL)
    return reinstalled


@dataclass(frozen=True)
class Difference:
    """A (stage, owner, business area, status) whose kept totals are not its deals' totals:
    kept minus counted."""

    key: tuple
    count: int
    amount: Decimal
    weighted: Decimal


# Kept minus counted per key, in one statement: one snapshot of both tables. Rounded to cents,
# as SQLite sums decimals in floating point.
_DIFFERENCES = f"""
    SELECT stage, owner, business_area, status, SUM(n), ROUND(SUM(a), 2), ROUND(SUM(w), 2)
      FROM (SELECT stage, owner, business_area, status,
                   "count" AS n, amount AS a, weighted AS w
              FROM {TOTALS}
            UNION ALL
            SELECT stage_id, owner_id, COALESCE(business_area_id, 0), status,
                   -1, -amount, -weighted_amount
              FROM {DEALS}) AS d
     GROUP BY stage, owner, business_area, status
    HAVING SUM(n) <> 0 OR ROUND(SUM(a), 2) <> 0 OR ROUND(SUM(w), 2) <> 0
     ORDER BY stage, owner, business_area, status
"""


def differences(using: str = DEFAULT_DB_ALIAS) -> list[Difference]:
    """Every key whose kept totals differ from a recount of the deals (a scan of both tables)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_DIFFERENCES)
        return [
            Difference(tuple(row[:4]), int(row[4]), _cents(row[5]), _cents(row[6]))
            for row in cursor.fetchall()
        ]


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def off_for_sqlite_migrations(using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """pre_migrate: on SQLite, take the triggers off before migrations run forwards.

    SQLite alters a table by rebuilding it: a rebuild of the deal table drops its triggers, and
    a rebuild of the totals table fails while triggers name it. `ensure_installed` puts them
    back and recounts once the migrations are done. A plan going backwards is left alone: it
    may go back past the migrations that made the triggers.
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or not plan or any(backwards for _m, backwards in plan):
        return
    if is_migrated(connection):
        with connection.cursor() as cursor:
            for o in SQLITE:
                if o.kind == "trigger":
                    cursor.execute(o.drop)


def ensure_installed(using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, stdout=None, **kwargs):
    """post_migrate: put back the triggers a migration dropped (SQLite drops a table's triggers
    when it rebuilds the table), and recount, since writes without them were not counted."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite") or not is_migrated(connection):
        return
    if not out_of_place(using):
        return
    reinstalled = rebuild(using)
    if verbosity >= 1 and stdout is not None:
        names = ", ".join(o.name for o in reinstalled)
        stdout.write(f"  Reinstalled the deal totals' {names} and recounted the totals.\n")


def problems(using: str = DEFAULT_DB_ALIAS) -> list[DbObject] | None:
    """`out_of_place` on a migrated database; None where there is nothing to check yet."""
    return when_migrated(using, LAST_MIGRATION, lambda connection: out_of_place(using))


class MigratedOnce:
    """Whether a kept table's `migration` has run on a database, asked once per process and
    alias (the migrations table), not on every request that reads the table; `forget` (on
    post_migrate) asks again after every `migrate`, which may have brought or taken it."""

    def __init__(self, migration: tuple[str, str]):
        self.migration = migration
        self.seen: set[str] = set()

    def __call__(self, connection) -> bool:
        if connection.alias in self.seen:
            return True
        recorder = MigrationRecorder(connection)
        if recorder.has_table() and self.migration in recorder.applied_migrations():
            self.seen.add(connection.alias)
            return True
        return False

    def forget(self, **kwargs) -> None:
        self.seen.clear()


def missing_pg_triggers(connection, names) -> list[str]:
    """Of the PostgreSQL triggers `names`, those missing or disabled (a catalogue read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D'",
            [list(names)],
        )
        found = {name for (name,) in cursor.fetchall()}
    return [name for name in names if name not in found]


def when_migrated(using: str, migration: tuple[str, str], read):
    """`read(connection)` on a PostgreSQL or SQLite database where `migration` has run; None
    where there is nothing to check yet (a fresh database, one the migrations have not
    reached, one that cannot be reached)."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    try:
        recorder = MigrationRecorder(connection)
        if not recorder.has_table() or migration not in recorder.applied_migrations():
            return None
        return read(connection)
    except DatabaseError:
        return None
