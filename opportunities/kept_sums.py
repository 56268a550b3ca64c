"""Count, amount and weighted value of the deals kept per key, for the figures no other kept
table answers: the search's deals of the matching accounts, "stale", the manager's
dashboard's weighted open and overdue, the reports' won and open deals of a period, and the
deals shared with a user.

Why (PostgreSQL, 1,000,000 deals, 450,000 open, 2 cores, `bench --here --deals 1000000`,
EXPLAIN (ANALYZE, BUFFERS); issue 20):
- **The search** (`q=bygg`): its footer sums the 56,582 deals of the 2,822 matching accounts
  from the accounts' covering index (`opp_account_sums`): 21-25 ms of a page whose budget is
  60. Kept per account, status and forecast category (`BY_ACCOUNT`), the same sums are
  about 8,000 rows of one index.
- **Stale** ("long in its stage or past its close date", `models.stale_parts`): its footer
  sums 67,000 open deals that entered their stage before the cut-off and 56,500 that entered
  it since but are past their close date, two index ranges of 16 + 17 ms. Both sides move
  with today's date, so they are kept per day: per stage-entry day (`BY_STAGE_DATE`: the first
  part is its days before the cut-off, about 200 rows), and per stage-entry day and close date
  (`BY_STAGE_AND_CLOSE`: the second is the stale days' entries, at most `stale_days` × the
  close dates already past).
- **The manager's dashboard** (`forecasting.dashboard._kept_groups`): weighted open, overdue
  and the overdue count per stage and owner summed the 81,031 open deals expected to close by
  the quarter's end, 29-31 ms. Kept per close date, owner, stage and category
  (`BY_CLOSE_OWNER_STAGE`, read through `models.OpenDealSums` with the figures' own
  conditions), they are 4,805 rows: 2 ms; the page's p95 112 → 97 ms (budget 100).
- **The budget comparison** of every deal or one business area's (`forecasting.reports.budget`,
  the report and the manager's dashboard's budget status of the month and the quarter): the
  quarter's won deals (38,000) and its open deals per area took 17 + 21 ms, twice on the
  dashboard; kept per day (`BY_CLOSE_AREA`: the open deals per close date, business area and
  category, `BY_CLOSED`: the won and lost ones per closed date, owner and business area;
  `OpenAreaSums`, `ClosedDealSums`), they are a few hundred rows: the dashboard's SQL 100 →
  25 ms, a budget comparison of three years 398 → 22 ms. The salespeople and trend reports
  read them too (`forecasting.reports.figures`).
- **"Mine"** (a salesperson's default list and board): the deals shared with the user that
  they do not own were summed from their copy (`kept_shared`) on every page: at 1,000,000
  deals the seed's salesperson shares 26,613 (8-10 ms of a list page's 30-40 ms of SQL). Kept
  per user, owner, status, stage, area and category (`SHARED_BY_USER`, `models.SharedSums`,
  429 rows in all; kept by triggers on the copy itself), they are a few rows: the default
  list's SQL 32-49 -> 14-29 ms.
- **A product's deals** (the product filter): the footer summed the product's (product, deal)
  pairs (`product_deals`, 626 pages) and counted its distinct deals from the lines' index (223
  pages): 17 + 22 ms of a page's 49 ms of SQL at 1,000,000 deals (57,048 deals). Kept per
  product, status and category (`BY_PRODUCT`, kept by triggers on the pairs themselves, 134
  rows), they are one row per status and category: 1 ms, the page's SQL 49 -> 12 ms.
- **The open deals of a range of close dates** (a manager's "this quarter in my area" list):
  the list's footer reads `BY_CLOSE_AREA` or `BY_CLOSE_OWNER_STAGE` where the other filters
  are their keys (`OpportunityFilter._kept_by_close`): a business area's open deals of the
  next 90 days, 26,000 index entries of the deals, SQL p50 27.8 -> 7 ms.
- **A salesperson's deals whose next action is due** (their dashboard): counted from the
  owner's index of open deals by next action date (`opp_open_owner_next`), the seed's
  salesperson's 24,466 due deals at 1,000,000, 4.7 ms of the page's 36 ms of SQL. Kept per
  owner and next action date (`BY_OWNER_NEXT_ACTION`, `models.OpenNextActionSums`), they
  are one row per day: 15 rows.
Each is one `KeptSums`: a table of the deals' sums per key, with the deals' forecast category
in the key, so the list's weighted value (`models.listed_weighted`: open deals whose category
counts in the forecast) is exact whatever the categories are set to.

How they are kept right, whatever the path (ORM, `queryset.update()`, bulk writes, COPY, raw
SQL), as the deal totals are (`kept_totals`):
- PostgreSQL keeps them in the transaction of every write: statement triggers on the deals'
  inserts, updates and deletes (of the shared copy's, for `SHARED_BY_USER`; of the product's
  pairs, for `BY_PRODUCT`) add the
  statement's changes as rows of their own (the deals added counted +1, those removed -1, per
  key), and a TRUNCATE (Django's `flush`) empties them.
- No writer waits for another: each statement only inserts rows. A statement that can take
  the fold's lock (a try-lock: it never waits, one folder at a time) folds the keys it
  changed back into one row each, so a key has one row but under concurrent writes. Readers
  sum the rows of their keys, which is right before, during and after a fold (MVCC).
- `manage.py check` reports a missing or disabled trigger (opportunities.E010);
  `check --database default` compares each table with a recount of the deals (E011, a scan
  per table). `manage.py rebuild_deal_totals` reinstalls and refills them too; `--check`
  verifies. `migrate` puts back whatever is missing (`ensure_installed`).
- The tables are not Django models: `dumpdata` leaves them out, and a load's deals fill them
  through the triggers.

What depends on them: figures only (`OpportunityFilter.footer_parts`, the manager's
dashboard, the budget comparison), never rows. The list's
count comes from them where the sums do, and each page checks it (`tables.DealRows`), so a
drifted count is seen where the list ends and recounted from the deals.

What they cost: six statement triggers on every write to the deals, one on their shared copy and one
on the product's pairs (an aggregate of the statement's changed rows: 0.4-1.4 ms together for a
deal's update at 1,000,000 deals for the first four) and tables of 222,528, 964, 98,139, 15,185,
8,344, 16,802, 429 and 134 rows (31 MB, 0.1 MB, 12 MB, 2.4 MB, 1.3 MB, 2 MB, 64 kB, 24 kB), filled
by their migrations (at 1,000,000 deals 0032 in 10 s, 0033 in under 13 s, 0034 in about 3 s).

SQLite (the zero-set-up database, no volume) keeps none: its footers sum the deals.
Switching them off: `KEPT_SUMS = False` in the settings makes the footers sum the deals (the
triggers keep running, so switching back needs no rebuild).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from pipeline_crm.money import ZERO, round_money

from . import kept_shared, kept_totals, product_deals

MIGRATION = ("opportunities", "0035_kept_next_action_sums")
DEALS = "opportunities_opportunity"
FOLD_LOCK = 7243002  # pg_advisory_xact_lock key: one folder at a time (the deal totals' is 7243001)
SUMS = ("n", "amount", "weighted")


@dataclass(frozen=True)
class KeptSums:
    """The deals' count, amount and weighted value per key, kept in `table`.

    `keys`: (column, type, the deal's expression); `where`: which deals are kept (SQL on the
    deal's columns; empty for every deal); `source`: the table of the deals (the deals, or
    their copy per user they are shared with, `kept_shared`)."""

    table: str
    keys: tuple[tuple[str, str, str], ...]
    where: str = ""
    source: str = DEALS

    @property
    def function(self) -> str:
        return f"{self.table}_kept"

    @property
    def index(self) -> str:
        return f"{self.table}_key"

    @property
    def triggers(self) -> dict[str, str]:
        """name → CREATE, one per event: PostgreSQL allows transition tables on single-event
        triggers only."""
        transitions = {
            "INSERT": "REFERENCING NEW TABLE AS new_rows",
            "UPDATE": "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
            "DELETE": "REFERENCING OLD TABLE AS old_rows",
            "TRUNCATE": "",
        }
        return {
            f"{self.table}_{event.lower()}": (
                f"CREATE TRIGGER {self.table}_{event.lower()} AFTER {event} ON {self.source}"
                f" {transition} FOR EACH STATEMENT EXECUTE FUNCTION {self.function}()"
            )
            for event, transition in transitions.items()
        }

    # --- the SQL -------------------------------------------------------------------------------

    @property
    def _key_names(self) -> tuple[str, ...]:
        return tuple(name for name, _type, _expression in self.keys)

    @property
    def _names(self) -> str:
        return ", ".join(self._key_names)

    def _deals(self, source: str, sign: str = "") -> str:
        """The key and the signed figures of each kept deal of `source`."""
        where = f" WHERE {self.where}" if self.where else ""
        keys = ", ".join(f"{expression} AS {name}" for name, _type, expression in self.keys)
        return (
            f"SELECT {keys}, {sign}1 AS n, {sign}amount AS amount,"
            f" {sign}weighted_amount AS weighted FROM {source}{where}"
        )

    def _grouped(self, rows: str) -> str:
        """`rows` summed per key, keys whose sums are all zero left out."""
        return (
            f"SELECT {self._names}, sum(n) AS n, sum(amount) AS amount,"
            f" sum(weighted) AS weighted FROM ({rows}) AS d GROUP BY {self._names}"
            " HAVING sum(n) <> 0 OR sum(amount) <> 0 OR sum(weighted) <> 0"
        )

    def create_table(self) -> str:
        columns = ", ".join(f"{name} {type_} NOT NULL" for name, type_, _e in self.keys)
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table} ({columns}, n bigint NOT NULL,"
            " amount numeric(20, 2) NOT NULL, weighted numeric(20, 2) NOT NULL)"
        )

    def create_index(self) -> str:
        return (
            f"CREATE INDEX IF NOT EXISTS {self.index} ON {self.table} ({self._names})"
            f" INCLUDE ({', '.join(SUMS)})"
        )

    def _changed(self, deltas: str) -> str:
        """The statement's changes (`deltas`, rows of the deals) added as rows, or, with the
        fold's lock, folded with the rows of the keys they change into one per key."""
        grouped = self._grouped(deltas)
        keys = " AND ".join(f"t.{name} = d.{name}" for name, _t, _e in self.keys)
        return f"""
        IF pg_try_advisory_xact_lock({FOLD_LOCK}) THEN
            WITH delta AS ({grouped}),
            moved AS (
                DELETE FROM {self.table} t USING delta d WHERE {keys}
                RETURNING {", ".join(f"t.{name}" for name in (*self._key_names, *SUMS))}
            )
            INSERT INTO {self.table} ({self._names}, {", ".join(SUMS)})
            {self._grouped("SELECT * FROM moved UNION ALL SELECT * FROM delta")};
        ELSE
            INSERT INTO {self.table} ({self._names}, {", ".join(SUMS)}) {grouped};
        END IF;"""

    def create_function(self) -> str:
        added, removed = self._deals("new_rows"), self._deals("old_rows", "-")
        return f"""CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {self.table};
    ELSIF TG_OP = 'INSERT' THEN {self._changed(added)}
    ELSIF TG_OP = 'DELETE' THEN {self._changed(removed)}
    ELSE {self._changed(f"{added} UNION ALL {removed}")}
    END IF;
    RETURN NULL;
END $$"""

    def fill(self) -> str:
        return (
            f"INSERT INTO {self.table} ({self._names}, {', '.join(SUMS)})"
            f" {self._grouped(self._deals(self.source))}"
        )

    def differences_sql(self) -> str:
        """The keys whose kept sums differ from a recount of the deals (one statement: one
        snapshot of both), the first 100."""
        on = " AND ".join(f"k.{name} = e.{name}" for name, _t, _e in self.keys)
        first = ", ".join(f"COALESCE(e.{name}, k.{name})" for name, _t, _e in self.keys)
        return f"""SELECT {first},
               (COALESCE(k.n, 0) - COALESCE(e.n, 0))::bigint,
               COALESCE(k.amount, 0) - COALESCE(e.amount, 0)
          FROM ({self._grouped(self._deals(self.source))}) e
          FULL JOIN ({self._grouped(f"SELECT * FROM {self.table}")}) k ON {on}
         WHERE (e.n, e.amount, e.weighted) IS DISTINCT FROM (k.n, k.amount, k.weighted)
         ORDER BY {", ".join(str(i + 1) for i in range(len(self.keys)))}
         LIMIT 100"""

    # --- install, check, rebuild ---------------------------------------------------------------

    def install(self, connection) -> None:
        """Create (or replace) the table, its index, function and triggers (PostgreSQL)."""
        with connection.cursor() as cursor:
            cursor.execute(self.create_table())
            cursor.execute(self.create_index())
            cursor.execute(self.create_function())
            for name, create in self.triggers.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {self.source}")
                cursor.execute(create)

    def refill(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")
            cursor.execute(self.fill())

    def uninstall(self, connection) -> None:
        with connection.cursor() as cursor:
            for name in self.triggers:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {self.source}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {self.function}()")
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def missing_objects(self, connection) -> list[str]:
        """The table, index, function and enabled triggers that are not there (PostgreSQL)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL,"
                " EXISTS (SELECT 1 FROM pg_proc WHERE proname = %s"
                " AND pronamespace = current_schema()::regnamespace)",
                [self.table, self.index, self.function],
            )
            there = cursor.fetchone()
        missing = [
            name
            for name, found in zip((self.table, self.index, self.function), there, strict=True)
            if not found
        ]
        return missing + kept_totals.missing_pg_triggers(connection, list(self.triggers))

    def differences(self, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """(key..., count off by, amount off by) of the first 100 keys that disagree."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.differences_sql())
            return [tuple(row) for row in cursor.fetchall()]

    def sums(
        self, where: str, params: list, *, status: str | None = None, listed: bool, using: str
    ) -> dict:
        """Count, amount and weighted value of the kept rows matching `where` (SQL on the
        table's keys), of `status` if given; with `listed`, the weighted value of the open
        deals whose category counts in the forecast only (`models.listed_weighted`)."""
        if status:
            where, params = f"{where} AND status = %s", [*params, status]
        weighted = "sum(weighted)"
        if listed:
            open_only = "status = 'open' AND " if "status" in self._key_names else ""
            weighted += (
                f" FILTER (WHERE {open_only}category NOT IN (SELECT id FROM"
                " opportunities_forecastcategory WHERE NOT counts_in_forecast))"
            )
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"SELECT sum(n), sum(amount), {weighted} FROM {self.table} WHERE {where}", params
            )
            count, amount, weighted = cursor.fetchone()
        return {
            "count": int(count or 0),
            "amount": round_money(Decimal(amount or ZERO)),
            "weighted": round_money(Decimal(weighted or ZERO)),
        }


_CATEGORY = ("category", "bigint", "COALESCE(forecast_category_id, 0)")
# Every deal per account, status and forecast category: the search's deals of the matching
# accounts (`account_sums`).
BY_ACCOUNT = KeptSums(
    "opportunities_sums_by_account",
    (("account_id", "bigint", "account_id"), ("status", "varchar(10)", "status"), _CATEGORY),
)
# The open deals per stage-entry day, and per stage-entry day and close date: "stale"
# (`stale_sums`).
BY_STAGE_DATE = KeptSums(
    "opportunities_open_sums_by_stage_date",
    (("stage_date", "date", "stage_date"), _CATEGORY),
    "status = 'open'",
)
BY_STAGE_AND_CLOSE = KeptSums(
    "opportunities_open_sums_by_stage_and_close",
    (
        ("stage_date", "date", "stage_date"),
        ("close_date", "date", "expected_close_date"),
        _CATEGORY,
    ),
    "status = 'open'",
)
# The open deals per close date, owner, stage and forecast category, under the deal's own
# column names (`models.OpenDealSums`, whose conditions are the deals'): the manager's
# dashboard's weighted open and overdue per stage and owner (`forecasting.dashboard`).
BY_CLOSE_OWNER_STAGE = KeptSums(
    "opportunities_open_deal_sums",
    (
        ("expected_close_date", "date", "expected_close_date"),
        ("owner_id", "integer", "owner_id"),
        ("stage_id", "bigint", "stage_id"),
        ("forecast_category_id", "bigint", "COALESCE(forecast_category_id, 0)"),
        ("status", "varchar(10)", "status"),
    ),
    "status = 'open'",
)
# The deals per day, under the deal's own column names: the open ones per close date,
# business area (0: none) and forecast category (`models.OpenAreaSums`), the won and lost ones
# per closed date, owner and business area (`models.ClosedDealSums`). The reports' won and
# open deals of a period (`forecasting.reports.figures.won_in_period`, `open_in_period`).
BY_CLOSE_AREA = KeptSums(
    "opportunities_open_area_sums",
    (
        ("expected_close_date", "date", "expected_close_date"),
        ("business_area_id", "bigint", "COALESCE(business_area_id, 0)"),
        ("forecast_category_id", "bigint", "COALESCE(forecast_category_id, 0)"),
        ("status", "varchar(10)", "status"),
    ),
    "status = 'open'",
)
BY_CLOSED = KeptSums(
    "opportunities_closed_deal_sums",
    (
        ("closed_date", "date", "closed_date"),
        ("owner_id", "integer", "owner_id"),
        ("business_area_id", "bigint", "COALESCE(business_area_id, 0)"),
        ("status", "varchar(10)", "status"),
    ),
    "status <> 'open' AND closed_date IS NOT NULL",
)
# The deals shared with a user (their copy, `kept_shared`) per user, owner, status, stage,
# business area and forecast category (`models.SharedSums`): the shared part of "mine"'s
# footer, its counts per lookup and the board's columns (`OpportunityFilter.totals_source`).
SHARED_BY_USER = KeptSums(
    "opportunities_shared_sums",
    (
        ("user_id", "integer", "user_id"),
        ("owner_id", "integer", "owner_id"),
        ("status", "varchar(10)", "status"),
        ("stage_id", "bigint", "stage_id"),
        ("business_area_id", "bigint", "COALESCE(business_area_id, 0)"),
        ("forecast_category_id", "bigint", "COALESCE(forecast_category_id, 0)"),
    ),
    source=kept_shared.SHARED,
)
# The deals having a line of a product (their (product, deal) pairs, `product_deals`) per
# product, status and forecast category: the product filter's footer (`product_sums`).
BY_PRODUCT = KeptSums(
    "opportunities_product_sums",
    (("product_id", "bigint", "product_id"), ("status", "varchar(10)", "status"), _CATEGORY),
    source=product_deals.TABLE,
)
# The open deals that have a next action, per owner and next action date, under the deal's
# own column names (`models.OpenNextActionSums`): how many of a salesperson's own deals have
# their next action due (`forecasting.dashboard._owned_figures`).
BY_OWNER_NEXT_ACTION = KeptSums(
    "opportunities_open_next_action_sums",
    (
        ("owner_id", "integer", "owner_id"),
        ("next_action_date", "date", "next_action_date"),
        ("status", "varchar(10)", "status"),
    ),
    "status = 'open' AND next_action_date IS NOT NULL",
)
# Those each migration installed (the SQL is this module's as it is now).
OF_MIGRATION = {
    "0032_kept_sums": (BY_ACCOUNT, BY_STAGE_DATE, BY_STAGE_AND_CLOSE, BY_CLOSE_OWNER_STAGE),
    "0033_kept_area_sums": (BY_CLOSE_AREA, BY_CLOSED, SHARED_BY_USER),
    "0034_kept_product_sums": (BY_PRODUCT,),
    "0035_kept_next_action_sums": (BY_OWNER_NEXT_ACTION,),
}
ALL = sum(OF_MIGRATION.values(), ())


def install(connection, *, fill: bool = True, tables: tuple[KeptSums, ...] = ALL) -> None:
    """Install the machinery of `tables` (every kept table) and fill the tables (PostgreSQL;
    nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    for kept in tables:
        kept.install(connection)
        if fill:
            kept.refill(connection)


def uninstall(connection, *, tables: tuple[KeptSums, ...] = ALL) -> None:
    if connection.vendor != "postgresql":
        return
    for kept in tables:
        kept.uninstall(connection)


# Asked once per process, not on every footer; forgotten by every `migrate`.
is_migrated = kept_totals.MigratedOnce(MIGRATION)


def enabled(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the footers read the kept sums on this database: PostgreSQL, migrated, and not
    switched off (`settings.KEPT_SUMS`)."""
    connection = connections[using]
    return (
        getattr(settings, "KEPT_SUMS", True)
        and connection.vendor == "postgresql"
        and is_migrated(connection)
    )


def problems(using: str = DEFAULT_DB_ALIAS) -> list[str] | None:
    """What is missing of the machinery on a migrated PostgreSQL database; None where
    nothing is kept (SQLite, not migrated yet, not reachable)."""
    if connections[using].vendor != "postgresql":
        return None
    return kept_totals.when_migrated(
        using, MIGRATION, lambda connection: sum((k.missing_objects(connection) for k in ALL), [])
    )


def differences(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, tuple]]:
    """(table, difference) for the first keys of each table that disagree with the deals."""
    return [(kept.table, row) for kept in ALL for row in kept.differences(using)]


def rebuild(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Reinstall the machinery and refill every table from the deals; returns what was
    missing. Writers to the deals wait until it is done."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            # The copy of the shared deals and the product's pairs are written by the
            # triggers of the deals, links and lines.
            cursor.execute(
                f"LOCK TABLE {DEALS}, {kept_shared.SHARED}, {product_deals.TABLE} IN SHARE MODE"
            )
        missing = sum((kept.missing_objects(connection) for kept in ALL), [])
        install(connection)
    return missing


def ensure_installed(using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, stdout=None, **kwargs):
    """post_migrate: put back what is missing and refill (writes without the triggers were
    not kept). Also forgets whether the migration had run: `migrate` may have brought it."""
    is_migrated.forget()
    if not problems(using):
        return
    missing = rebuild(using)
    if verbosity >= 1 and stdout is not None:
        stdout.write(f"  Reinstalled the kept sums' {', '.join(missing)} and refilled them.\n")


# --- the readers -------------------------------------------------------------------------------


def account_sums(
    accounts: list[int], *, status: str | None, listed: bool, using: str = DEFAULT_DB_ALIAS
) -> dict:
    """The figures of every deal of `accounts` (of `status` if given)."""
    from .models import id_array  # models imports nothing of this module's

    return BY_ACCOUNT.sums(
        "account_id = ANY(%s::bigint[])",
        [id_array(accounts)],
        status=status,
        listed=listed,
        using=using,
    )


def product_sums(
    product_id: int, *, status: str | None, listed: bool, using: str = DEFAULT_DB_ALIAS
) -> dict:
    """The figures of the deals having a line of the product (of `status` if given)."""
    return BY_PRODUCT.sums(
        "product_id = %s", [product_id], status=status, listed=listed, using=using
    )


def stale_sums(
    today: date, stale_days: int, part: int, *, listed: bool, using: str = DEFAULT_DB_ALIAS
) -> dict:
    """The figures of one of the two parts of "stale" (`models.stale_parts`): 0, the open
    deals that entered their stage before the cut-off; 1, those that entered it since but are
    past their close date."""
    from .models import stale_cutoff  # models imports nothing of this module's

    cutoff = stale_cutoff(today, stale_days)
    if part == 0:
        return BY_STAGE_DATE.sums("stage_date < %s", [cutoff], listed=listed, using=using)
    return BY_STAGE_AND_CLOSE.sums(
        "stage_date >= %s AND close_date < %s", [cutoff, today], listed=listed, using=using
    )


class KeptPart:
    """One disjoint part of the filtered deals (`OpportunityFilter.deal_parts`) whose figures
    are kept: `totals` reads them (`figures(listed=...)`), `totals_by` (a page sorted by a
    lookup, whose counts per value no key here holds) sums the part's `deals`."""

    def __init__(self, deals, figures):
        self.deals = deals
        self.figures = figures

    def totals(self, *, listed: bool = False) -> dict:
        return self.figures(listed=listed)

    def totals_by(self, field: str, *, listed: bool = False):
        return self.deals.totals_by(field, listed=listed)
