"""Each product's deals with the footer's columns, kept for the product filter's footer.

Why (PostgreSQL, 1,000,000 deals, 1,380,000 lines, EXPLAIN (ANALYZE, BUFFERS); issue 20): the
list filtered by a product sums the 57,048 deals having a line of it. The lines know their
deals, not the deals' amounts: the planner hashed the product's deal ids and read every deal
of a covering index to find them (1,000,000 index entries, 9,600 pages, 250-290 ms on a loaded
machine), or probed the deals' index once per deal (160,000 pages, 170-510 ms). Here each
(product, deal) pair is one row carrying the deal's status, forecast category, amount and
weighted value, so the product's sums are one range of this table's key, read from the key
alone: 626 pages, and the count 223 pages of the lines' index (24 + 23 ms in EXPLAIN ANALYZE at
load 3). Their sums are kept per product in turn (`kept_sums.BY_PRODUCT`, triggers on this
table), which the footer reads where the kept sums are on; this table's own sums, with the
count of the product's distinct deals from the lines' index (`line_product_deal`), where they
are switched off (`KEPT_SUMS = False`).

Kept by PostgreSQL in the transaction of every write, whatever the path (migration 0030):
- the lines' inserts (a statement trigger: a COPY of 1,380,000 lines is one INSERT ... SELECT),
  deletes and moves (a row counts how many lines of the product its deal has);
- a deal's change of status, forecast category, amount or weighted value (a row trigger);
- a TRUNCATE of the lines (a test database's flush) empties it;
- `manage.py check` reports a missing trigger (opportunities.E006) and `check --database
  default` pairs that disagree with the lines and deals (E007, a join of every line);
  `manage.py rebuild_product_deals` reinstalls and recounts.
It costs a table of one row per (product, deal) pair (247 MB with its covering key and the
deal's index at 1,380,000 lines; 18 s to fill in the migration) and a row write per line
written and per line of a deal whose amount or status changes.

PostgreSQL only: SQLite sums the deals. Switched off with `PRODUCT_DEALS = False` in the
settings (the triggers keep running, so switching back needs no rebuild).
"""

from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from pipeline_crm.money import ZERO, round_money

from . import kept_totals

MIGRATION = ("opportunities", "0030_product_deals")
TABLE = "opportunities_product_deal"
LINES = "opportunities_opportunityline"
DEALS = "opportunities_opportunity"
COLUMNS = "status, forecast_category_id, amount, weighted_amount"

CREATE_TABLE = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    product_id bigint NOT NULL, deal_id bigint NOT NULL, lines integer NOT NULL,
    status varchar(10) NOT NULL, forecast_category_id bigint, amount numeric(14, 2) NOT NULL,
    weighted_amount numeric(14, 2) NOT NULL,
    PRIMARY KEY (product_id, deal_id) INCLUDE ({COLUMNS}))"""
CREATE_INDEX = f"CREATE INDEX IF NOT EXISTS product_deal_deal ON {TABLE} (deal_id)"

# Lines added: their pairs made, or counted once more. The deal's row is locked FOR SHARE: a
# change of its amount waits for the line that read it, or the line reads the changed one (the
# deal's trigger cannot see a pair not yet committed).
INSERTED = f"""CREATE OR REPLACE FUNCTION opportunities_product_deals_inserted()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} AS p (product_id, deal_id, lines, {COLUMNS})
        SELECT n.product_id, n.opportunity_id, n.lines, o.status, o.forecast_category_id,
               o.amount, o.weighted_amount
          FROM (SELECT product_id, opportunity_id, count(*) AS lines FROM inserted
                 GROUP BY product_id, opportunity_id) n
          JOIN {DEALS} o ON o.id = n.opportunity_id
           FOR SHARE OF o
        ON CONFLICT (product_id, deal_id) DO UPDATE SET lines = p.lines + EXCLUDED.lines;
        RETURN NULL;
    END $$"""
# A line removed: its pair counted once less, gone with its last line.
REMOVED = f"""CREATE OR REPLACE FUNCTION opportunities_product_deal_removed()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} SET lines = lines - 1
         WHERE product_id = OLD.product_id AND deal_id = OLD.opportunity_id;
        DELETE FROM {TABLE}
         WHERE product_id = OLD.product_id AND deal_id = OLD.opportunity_id AND lines <= 0;
        RETURN NULL;
    END $$"""
# A line moved to another product or deal: its old pair counted once less, its new one once
# more.
MOVED = f"""CREATE OR REPLACE FUNCTION opportunities_product_deal_moved()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} SET lines = lines - 1
         WHERE product_id = OLD.product_id AND deal_id = OLD.opportunity_id;
        DELETE FROM {TABLE}
         WHERE product_id = OLD.product_id AND deal_id = OLD.opportunity_id AND lines <= 0;
        INSERT INTO {TABLE} AS p (product_id, deal_id, lines, {COLUMNS})
        SELECT NEW.product_id, NEW.opportunity_id, 1, o.status, o.forecast_category_id,
               o.amount, o.weighted_amount
          FROM {DEALS} o WHERE o.id = NEW.opportunity_id
           FOR SHARE OF o
        ON CONFLICT (product_id, deal_id) DO UPDATE SET lines = p.lines + 1;
        RETURN NULL;
    END $$"""
DEAL_CHANGED = f"""CREATE OR REPLACE FUNCTION opportunities_product_deals_deal_changed()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} SET status = NEW.status, forecast_category_id = NEW.forecast_category_id,
               amount = NEW.amount, weighted_amount = NEW.weighted_amount
         WHERE deal_id = NEW.id;
        RETURN NULL;
    END $$"""
TRUNCATED = f"""CREATE OR REPLACE FUNCTION opportunities_product_deals_truncated()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$"""
FUNCTIONS = (INSERTED, REMOVED, MOVED, DEAL_CHANGED, TRUNCATED)

TRIGGERS = {
    "line_product_deals_insert": (
        LINES,
        f"""CREATE TRIGGER line_product_deals_insert AFTER INSERT ON {LINES}
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
        EXECUTE FUNCTION opportunities_product_deals_inserted()""",
    ),
    "line_product_deal_delete": (
        LINES,
        f"""CREATE TRIGGER line_product_deal_delete AFTER DELETE ON {LINES}
        FOR EACH ROW EXECUTE FUNCTION opportunities_product_deal_removed()""",
    ),
    "line_product_deal_move": (
        LINES,
        f"""CREATE TRIGGER line_product_deal_move
        AFTER UPDATE OF product_id, opportunity_id ON {LINES}
        FOR EACH ROW WHEN ((OLD.product_id, OLD.opportunity_id)
                           IS DISTINCT FROM (NEW.product_id, NEW.opportunity_id))
        EXECUTE FUNCTION opportunities_product_deal_moved()""",
    ),
    "line_product_deals_truncate": (
        LINES,
        f"""CREATE TRIGGER line_product_deals_truncate AFTER TRUNCATE ON {LINES}
        FOR EACH STATEMENT EXECUTE FUNCTION opportunities_product_deals_truncated()""",
    ),
    "opp_product_deals_update": (
        DEALS,
        f"""CREATE TRIGGER opp_product_deals_update
        AFTER UPDATE OF {COLUMNS} ON {DEALS}
        FOR EACH ROW WHEN ((OLD.status, OLD.forecast_category_id, OLD.amount,
                            OLD.weighted_amount)
                           IS DISTINCT FROM (NEW.status, NEW.forecast_category_id, NEW.amount,
                                             NEW.weighted_amount))
        EXECUTE FUNCTION opportunities_product_deals_deal_changed()""",
    ),
}

# What the table should hold: every (product, deal) pair of the lines, with the deal's columns.
EXPECTED = f"""SELECT l.product_id, l.opportunity_id AS deal_id, count(*) AS lines,
       o.status, o.forecast_category_id, o.amount, o.weighted_amount
  FROM {LINES} l JOIN {DEALS} o ON o.id = l.opportunity_id
 GROUP BY l.product_id, l.opportunity_id, o.status, o.forecast_category_id, o.amount,
          o.weighted_amount"""
FILL = f"INSERT INTO {TABLE} (product_id, deal_id, lines, {COLUMNS}) {EXPECTED}"
WRONG = f"""SELECT coalesce(e.product_id, k.product_id), coalesce(e.deal_id, k.deal_id)
  FROM ({EXPECTED}) e
  FULL JOIN {TABLE} k ON k.product_id = e.product_id AND k.deal_id = e.deal_id
 WHERE (e.lines, e.status, e.forecast_category_id, e.amount, e.weighted_amount)
       IS DISTINCT FROM (k.lines, k.status, k.forecast_category_id, k.amount, k.weighted_amount)
 ORDER BY 1, 2"""

# The product's sums; the listed weighted as `models.listed_weighted`: open deals whose
# category counts in the forecast (or that have none).
SUMS = f"""SELECT sum(amount), sum(weighted_amount) FILTER (
        WHERE status = 'open' AND (forecast_category_id IS NULL OR forecast_category_id NOT IN (
            SELECT id FROM opportunities_forecastcategory WHERE NOT counts_in_forecast)))
  FROM {TABLE} WHERE product_id = %s"""
SUMS_ALL = f"SELECT sum(amount), sum(weighted_amount) FROM {TABLE} WHERE product_id = %s"


def install(connection, *, fill: bool = True) -> None:
    """Create (or replace) the table, the functions and the triggers, and fill the table from
    the lines (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        for function in FUNCTIONS:
            cursor.execute(function)
        for name, (table, create) in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(create)
        if fill:
            cursor.execute(f"TRUNCATE {TABLE}")
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


# Asked once per process, not on every search or footer; forgotten by every `migrate`.
is_migrated = kept_totals.MigratedOnce(MIGRATION)
forget_migrated = is_migrated.forget


def enabled(connection) -> bool:
    """Whether the product filter's footer reads this table on this database."""
    return (
        getattr(settings, "PRODUCT_DEALS", True)
        and connection.vendor == "postgresql"
        and is_migrated(connection)
    )


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str] | None:
    """The triggers keeping the table that are missing or disabled; None where nothing is kept
    (not PostgreSQL, or not migrated yet). A few catalogue reads."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not is_migrated(connection):
        return None
    return kept_totals.missing_pg_triggers(connection, list(TRIGGERS))


def wrong_pairs(using: str = DEFAULT_DB_ALIAS) -> list[tuple[int, int]]:
    """The (product, deal) pairs whose kept row is missing, extra or wrong (every line read)."""
    with connections[using].cursor() as cursor:
        cursor.execute(WRONG)
        return [tuple(row) for row in cursor.fetchall()]


def rebuild(using: str = DEFAULT_DB_ALIAS) -> int:
    """Reinstall the machinery and refill the table; returns how many pairs were wrong.
    Writers to the lines and the deals wait until it is done."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {LINES}, {DEALS} IN SHARE MODE")
        wrong = len(wrong_pairs(using))
        install(connection)
    return wrong


class ProductTotals:
    """The footer of the deals having a line of one product, with `KeptTotals`' reading
    methods (`DealRows.totals`): the sums from this table, the count from the lines."""

    deals = None  # no parts: the deals are the filtered queryset itself

    def __init__(self, product_id: int, using: str = DEFAULT_DB_ALIAS):
        self.product_id = product_id
        self.using = using

    def totals_counting(self, deals, *, listed: bool = False) -> dict:
        """Count, amount and weighted value of the product's deals; with `listed`, the weighted
        value is the deal list's (`models.listed_weighted`). The count is the product's
        distinct deals in the lines' index, never this table's (`deals` is unused: they are
        exactly the product's)."""
        from .models import OpportunityLine  # models imports nothing of this module's

        count = (
            OpportunityLine.objects.using(self.using)
            .filter(product_id=self.product_id)
            .values("opportunity_id")
            .distinct()
            .count()
        )
        with connections[self.using].cursor() as cursor:
            cursor.execute(SUMS if listed else SUMS_ALL, [self.product_id])
            amount, weighted = cursor.fetchone()
        return {
            "count": count,
            "amount": round_money(Decimal(amount or ZERO)),
            "weighted": round_money(Decimal(weighted or ZERO)),
        }

    def totals_counting_by(self, deals, field: str, *, listed: bool = False):
        """A page sorted by a lookup needs the deals per value: read from the deals."""
        return deals.totals_by(field, listed=listed)
