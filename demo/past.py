"""The past of a demo deal (`seed_demo`): its changes replayed one by one and recorded as
history rows dated when each happened, then written in bulk (issue 19).

A deal's life is a list of dated events (created, moved to a stage, re-amounted, its close date
moved, a follow-up booked, closed as won or lost). `DealPast` applies them in order to one
unsaved `Opportunity` through the rule functions the services use (`enter_stage`, `mark_won`,
`mark_lost`, `apply_lines`, `apply_probability_rule`, and `weighted` as `Opportunity.save`
stores it) and records the deal after each one, as django-simple-history would have: every
field as it then stood, the version the save gave it, who made the change and from where. The
deal's live row is its last record, so as of today the history reads exactly as the deals do.

`BulkRows` writes the rows: PostgreSQL's COPY (a million history rows take tens of seconds),
elsewhere one INSERT per batch of rows. Ids come from each table's own sequence beforehand, so
history rows, lines and many-to-many rows can name the rows they belong to.

`bulk_load` wraps a whole seed on PostgreSQL, as its manual's "Populating a Database" advises.
Measured at 10,000 deals (104,000 history rows, load 4): the statement trigger keeping the
history's `valid_until` cost 7 s of COPY (the window over every row of the deals written, per
batch, growing with the table: minutes at 100,000 deals), and the foreign keys' deferred checks,
one per row and key, 3 s of COMMIT (minutes at 100,000). So inside the seed's transaction the
insert trigger is off and the foreign keys of the tables written are dropped; at the end the
keys are added back (each checked by one join over its table) and the trigger is on again.
`valid_until` is not recomputed: the seed writes each row's end itself (`_Batch.rows` in
`seed_demo`), the date of the deal's next row, which is what the triggers' statement (migration
0019) would set; recomputing it anyway was a window over every history row written that
changed none (2.5 s at 100,000 deals, growing with the history; `tests/demo/test_seed_past.py`
checks that it would change none). ALTER TABLE is transactional and holds its lock until
COMMIT: no other session ever sees the trigger off or the keys missing, and a failed seed rolls
all of it back.

Inside `bulk_load` the tables are locked against other writers, so `BulkRows(locked=True)`
counts ids itself (one `nextval` per table, `setval` at the end: the ids a `nextval` per row
gives) and a thread copies each batch while the next is built. Measured at 20,000 deals, load
6, the same minute: 250 id round trips 6.2 s → 1.1 s, the COPYs' wall 20.3 s → 10.5 s, the
seed 85 s → 62 s; the rows written are the same (`tests/demo/test_seed_same.py` hashes them).
1,000,000 deals: 1,652 s at load 10 → 3 (the plain loop: 3,073 s at load 6–13), of which
Python CPU 640 s (the pasts 396 s, the rows 201 s) and index builds, keys and `valid_until`
196 s. What was left was Python: building a deal's past takes ~0.3 ms of CPU. Since issue
20 each batch of deals has its own Random and two worker processes build them while this one
copies (`demo.batches`).
"""

import io
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter

import psycopg
from django.db import connection, models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone
from psycopg.copy import FileWriter

from opportunities import services
from opportunities.models import Opportunity, OpportunityLine
from pipeline_crm.money import weighted

DEAL_FIELDS = tuple(f.attname for f in Opportunity._meta.concrete_fields)
LINE_FIELDS = tuple(f.attname for f in OpportunityLine._meta.concrete_fields)
# A deal's or a line's fields as a tuple in one C call (a fifth of the seed's Python went to
# reading them one getattr at a time), from the instance's dict: every field of an instance
# made here is in it, and read there the foreign keys' descriptors cost 4 % more.
_deal_items = itemgetter(*DEAL_FIELDS)
_line_items = itemgetter(*LINE_FIELDS)


def deal_values(deal: Opportunity) -> tuple:
    return _deal_items(deal.__dict__)


def line_values(line: OpportunityLine) -> tuple:
    return _line_items(line.__dict__)


HISTORY_FIELDS = ("history_id", "history_date", "history_change_reason", "history_type")
HISTORY_FIELDS += ("history_user_id",)
WORKDAY = (7 * 3600 + 30 * 60, 18 * 3600)  # changes are made between 07:30 and 18:00


@dataclass
class Record:
    """One history row of a deal: when, what kind ('+' or '~'), from where, by whom, and the
    deal's fields (`DEAL_FIELDS`) as they then stood."""

    when: datetime
    kind: str
    reason: str
    user_id: int | None
    values: tuple


@dataclass
class LineRecord:
    when: datetime
    kind: str
    reason: str
    user_id: int | None
    line: OpportunityLine
    values: tuple  # `LINE_FIELDS` as they then stood


@dataclass
class DealPast:
    """A deal's records as its events are applied (see the module docstring)."""

    deal: Opportunity
    records: list[Record] = field(default_factory=list)
    line_records: list[LineRecord] = field(default_factory=list)
    lines: list[OpportunityLine] = field(default_factory=list)  # the lines it has now

    def record(self, when: datetime, reason: str, user_id: int | None) -> None:
        """Record the deal as a save at `when` would store it: the probability rule applied,
        the weighted value derived, the version bumped."""
        deal = self.deal
        services.apply_probability_rule(deal)
        deal.weighted_amount = weighted(deal.amount, deal.probability)  # as Opportunity.save
        deal.version = len(self.records) + 1
        if not self.records:
            deal.created_at = when
        deal.updated_at = when
        kind = "~" if self.records else "+"
        values = deal_values(deal)
        self.records.append(Record(when, kind, reason, user_id, values))

    def add_line(self, line: OpportunityLine, when: datetime, reason: str, user_id) -> None:
        """A line added at `when`: its own '+' row, and the amount rule applied to the deal."""
        line.created_at = when
        self.lines.append(line)
        self._line_row(line, when, "+", reason, user_id)
        services.apply_lines(self.deal, self.lines)

    def change_line(self, line: OpportunityLine, when: datetime, reason: str, user_id) -> None:
        """A line changed at `when` (set its fields first): its '~' row and the amount rule."""
        self._line_row(line, when, "~", reason, user_id)
        services.apply_lines(self.deal, self.lines)

    def _line_row(self, line, when, kind, reason, user_id) -> None:
        values = line_values(line)
        self.line_records.append(LineRecord(when, kind, reason, user_id, line, values))


class Unsaved:
    """Makes unsaved instances of `model` as `model(**values)` does, at a third of the cost:
    the fields' defaults are read once (a callable default is called for each instance, as
    `Model.__init__` does), then `values` are set through the model's descriptors.

    Why: `Model.__init__` looks each field up, default or keyword, one by one: 48 µs an
    `Opportunity`, 13.5 µs a line, a sixth of building a demo deal's past. Only for a model
    with no `__init__` of its own, no `pre_init` or `post_init` receivers and no descriptor
    on a field's attname other than Django's own (checked here: else it calls the model);
    `tests/demo/test_seed_past.py` compares the instances with the model's own."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.defaults: dict = {}
        self.called: list = []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                self.called.append(f)
            else:
                self.defaults[f.attname] = f.get_default()
        plain = model.__init__ is models.Model.__init__ and not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )
        for f in model._meta.concrete_fields:
            descriptor = type(model.__dict__.get(f.attname))
            plain = plain and descriptor in (DeferredAttribute, ForeignKeyDeferredAttribute)
        self.plain = plain

    def __call__(self, **values) -> models.Model:
        if not self.plain:
            return self.model(**values)
        obj = self.model.__new__(self.model)
        obj._state = ModelState()
        fields = obj.__dict__
        fields.update(self.defaults)
        for f in self.called:
            fields[f.attname] = f.get_default()
        for name, value in values.items():
            setattr(obj, name, value)
        return obj


def event_times(days: Sequence[date], rng, *, latest: datetime) -> list[datetime]:
    """A moment in the working day for each of `days` (in order, several a day allowed), in
    the company's time zone, strictly increasing and none after `latest`."""
    zone = timezone.get_default_timezone()
    moments: list[datetime] = []
    by_day: dict[date, int] = {}
    for day in days:
        by_day[day] = by_day.get(day, 0) + 1
    for day in sorted(by_day):
        seconds = sorted(rng.randint(*WORKDAY) for _ in range(by_day[day]))
        for second in seconds:
            # `make_aware` without its check that the value is naive (it is).
            moment = datetime.combine(day, time.min) + timedelta(seconds=second)
            moments.append(moment.replace(tzinfo=zone))
    # Today's changes were made before now; two in the same second are a second apart.
    for index in range(len(moments) - 1, -1, -1):
        bound = latest if index == len(moments) - 1 else moments[index + 1] - timedelta(seconds=1)
        moments[index] = min(moments[index], bound)
    return moments


class BulkRows:
    """Ids taken beforehand and rows written many at a time, into the tables of models.

    With `locked` (inside `bulk_load` on PostgreSQL, whose tables no one else can write until
    COMMIT) the ids are counted here from one `nextval` per table, and `finish` sets each
    sequence past the last one handed out: the same ids one `nextval` per row would give,
    without a round trip per batch. The rows are then copied by a thread on the same
    connection (`_Writer`) while the caller builds the next batch; until `finish` the caller
    must not use the connection (the first id of a table waits for the writer)."""

    def __init__(self, *, locked: bool = False):
        self.copy = connection.vendor == "postgresql"
        self.locked = locked and self.copy
        self._following: dict[tuple[str, str], int | None] = {}
        self._writer = _Writer() if self.locked else None

    def ids(self, model: type[models.Model], count: int, column: str = "id") -> list[int]:
        """`count` fresh values of `model`'s auto column, from its own sequence on PostgreSQL
        (safe beside other writers), else after the largest one (SQLite writes one at a time)."""
        if not count:
            return []
        table = model._meta.db_table
        key = (table, column)
        if self.locked and key not in self._following:
            self._following[key] = self._first_id(table, column)
        if self._following.get(key) is not None:
            first = self._following[key]
            self._following[key] = first + count
            return list(range(first, first + count))
        with connection.cursor() as cursor:
            if self.copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), column, count],
                )
                return [value for (value,) in cursor.fetchall()]
            cursor.execute(f"SELECT MAX({column}) FROM {connection.ops.quote_name(table)}")
            last = cursor.fetchone()[0] or 0
        return list(range(last + 1, last + 1 + count))

    def abandon(self) -> None:
        """Stop the writer after the caller failed (the transaction is rolled back)."""
        if self._writer is not None:
            self._writer.abandon()
            self._writer = None

    def _first_id(self, table: str, column: str) -> int | None:
        """The sequence's next value, or None when it does not count in ones (then each batch
        asks the sequence)."""
        self._writer.flush()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(s), (SELECT seqincrement FROM pg_sequence WHERE seqrelid = s) "
                "FROM CAST(pg_get_serial_sequence(%s, %s) AS regclass) AS s",
                [connection.ops.quote_name(table), column],
            )
            first, increment = cursor.fetchone()
        return first if increment == 1 else None

    def write(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable,
        *,
        prepare: bool = False,
    ) -> None:
        """Insert `rows` (tuples in the order of `columns`, the models' attnames, or on
        PostgreSQL bytes in COPY's binary format: `BinaryRows`) as they are: no `pre_save`,
        so the dates the rows carry (`created_at`, `updated_at`) stay. With
        `prepare` each value goes through its field's `get_db_prep_save` on PostgreSQL too
        (a value psycopg cannot send as it is, such as a `Country`); on SQLite always."""
        rows = rows if isinstance(rows, bytes) else list(rows)
        if not rows:
            return
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        if self.copy:
            if prepare:
                rows = _prepared(model, columns, rows, copy=True)
            statement = f"COPY {table} ({names}) FROM STDIN"
            if isinstance(rows, bytes):
                statement += " (FORMAT BINARY)"
            if self._writer is not None:
                self._writer.put(statement, rows)
                return
            with connection.cursor() as cursor:
                _copy(cursor.cursor, statement, rows)  # psycopg's own cursor, for COPY
            return
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                _prepared(model, columns, rows),
            )

    def write_created(self, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        """New `objs` of `model` and the '+' history row of each, as `bulk_create_with_history`
        wrote them: ids from the table's sequence in order (set on the objects), the fields'
        `pre_save` (`auto_now` dates), each history row dated now, by no one, without a
        reason. Its INSERTs, the ORM's compiling of them and a model instance per history row
        were most of the seed's accounts' time (`seed_demo`; `tests/demo/test_seed_accounts.py`
        checks the rows are those it wrote)."""
        if not objs:
            return
        fields = model._meta.concrete_fields
        for obj, pk in zip(objs, self.ids(model, len(objs)), strict=True):
            obj.pk = pk
        rows = [tuple(f.pre_save(obj, True) for f in fields) for obj in objs]
        columns = [f.attname for f in fields]
        self.write(model, columns, rows, prepare=True)
        history = model.history.model
        tracked = [columns.index(f.attname) for f in history.tracked_fields]
        history_ids = self.ids(history, len(objs), column="history_id")
        history_rows = [
            (*(row[at] for at in tracked), history_id, timezone.now(), None, "+", None)
            for row, history_id in zip(rows, history_ids, strict=True)
        ]
        tracked_columns = [columns[at] for at in tracked]
        self.write(history, (*tracked_columns, *HISTORY_FIELDS), history_rows, prepare=True)

    def finish(self) -> None:
        """Wait for the rows in flight, then set each counted sequence past its last id."""
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        with connection.cursor() as cursor:
            for (table, column), following in self._following.items():
                if following is not None:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                        [connection.ops.quote_name(table), column, following - 1],
                    )


# Values that a field's `get_db_prep_save` returns as they are on PostgreSQL (an aware
# datetime, a Decimal: the database rounds it to the column's scale, as for an INSERT).
SENT_AS_THEY_ARE = frozenset({str, int, bool, Decimal, datetime, date, type(None)})


def _prepared(model, columns: Sequence[str], rows: list, *, copy: bool = False) -> list[tuple]:
    """`rows` with each value as its field sends it to the database (`get_db_prep_save`). For
    a COPY on PostgreSQL only the values not `SENT_AS_THEY_ARE` (such as a `Country`): the
    fields' own preparing took 60 % of copying the seed's accounts and contacts."""
    fields = [model._meta.get_field(_field_name(model, column)) for column in columns]
    if copy:
        plain = SENT_AS_THEY_ARE
        return [
            tuple(
                v if type(v) in plain else f.get_db_prep_save(v, connection)
                for f, v in zip(fields, row, strict=True)
            )
            for row in rows
        ]
    return [
        tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
        for row in rows
    ]


def _copy(cursor, statement: str, rows: list | bytes) -> None:
    with cursor.copy(statement) as copy:
        if isinstance(rows, bytes):
            copy.write(rows)  # a whole binary COPY: signature, rows, trailer (`BinaryRows`)
            return
        for row in rows:
            copy.write_row(row)


class BinaryRows:
    """Rows of a table's `columns` as the data of a binary COPY, made where the rows are
    built: in a seed's worker process (`demo.batches`), so that the seed's process only
    passes the bytes on.

    Why: a batch's rows crossed the pipe as pickled tuples of Decimals and datetimes
    (pickled there, unpickled here) and were formatted for COPY here: per deal 0.045 +
    0.031 ms of pickling and 0.10 ms of formatting as text, against 0.072 ms of formatting
    in binary, and PostgreSQL parses binary rows in 0.08 ms a deal instead of 0.09 (measured
    at 20,000 deals, the same rows: count and sums of amounts and dates equal). The values
    stored are the same: each goes through psycopg's dumper for its column's type, as in a
    text COPY (`tests/demo/test_seed_same.py`). The column types are read when this is made,
    in the seed's process (a worker may not query); a worker formats with psycopg's `Copy`
    writing to memory (`FileWriter`), which sends nothing on the connection it inherited."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                [connection.ops.quote_name(model._meta.db_table)],
            )
            types = dict(cursor.fetchall())
        self.types = [types[column] for column in columns]

    def encode(self, rows: Sequence[tuple]) -> bytes:
        """`rows` as a binary COPY's data (b"" for none)."""
        if not rows:
            return b""
        buffer = io.BytesIO()
        with (
            connection.connection.cursor() as cursor,
            psycopg.Copy(cursor, binary=True, writer=FileWriter(buffer)) as copy,
        ):
            copy.set_types(self.types)
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()


class _Writer:
    """One thread copying batches of rows on the current connection, in order, while the
    thread that made them builds the next (PostgreSQL parses and stores a batch meanwhile).
    An error in the thread is raised in the caller at its next `put`, `flush` or `close`."""

    def __init__(self):
        connection.ensure_connection()
        self.raw = connection.connection  # psycopg's connection: safe to share between threads
        self.batches: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            batch = self.batches.get()
            try:
                if batch is None:
                    return
                if self.error is None:
                    with self.raw.cursor() as cursor:
                        _copy(cursor, *batch)
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                self.error = error
            finally:
                self.batches.task_done()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error  # and stays: the batches after it are not copied

    def put(self, statement: str, rows: list) -> None:
        self._raise()
        self.batches.put((statement, rows))

    def flush(self) -> None:
        self.batches.join()
        self._raise()

    def close(self) -> None:
        self.batches.put(None)
        self.thread.join()
        self._raise()

    def abandon(self) -> None:
        """Stop after the caller failed: its error is the one to see."""
        self.error = self.error or RuntimeError("the seed failed")
        self.batches.put(None)
        self.thread.join()


VALID_UNTIL_INSERT = "opp_history_valid_until_insert"


@contextmanager
def bulk_load(
    models_written: Sequence[type[models.Model]],
    *,
    rebuild_indexes: bool,
    timed: Callable[[str], AbstractContextManager] = lambda _name: nullcontext(),
) -> Iterator[None]:
    """Write the rows of `models_written` fast (module docstring); the caller writes each
    history row's `valid_until` itself. With `rebuild_indexes` (when the tables at least
    double) their indexes are dropped too and built again at the end, inside `timed(name)`.
    PostgreSQL only; elsewhere a no-op. Must run inside a transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    history = Opportunity.history.model._meta.db_table
    tables = [model._meta.db_table for model in models_written]
    with connection.cursor() as cursor:
        # No one else writes these tables until COMMIT (`BulkRows` counts their ids itself).
        cursor.execute(f"LOCK TABLE {', '.join(map(quote, tables))} IN EXCLUSIVE MODE")
        # ALTER TABLE refuses a table with checks still pending in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        keys = cursor.fetchall()
        # `regclass::text` comes quoted where a name needs it; a constraint's name does not.
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        indexes = []
        if rebuild_indexes:  # those no constraint owns (the primary and unique keys stay)
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid::regclass::text = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        has_trigger = history in tables and _trigger_enabled(cursor, history)
        if has_trigger:
            cursor.execute(f"ALTER TABLE {history} DISABLE TRIGGER {VALID_UNTIL_INSERT}")
    yield
    with connection.cursor() as cursor, timed("indexes and keys"):
        # An index's sort in memory rather than in runs on disk: the history's largest index
        # at 100,000 deals (1,046,000 rows) with 24 MB 2.26 s, with 100 MB 1.50 s (best of
        # three, load 7): the ratio of 256 MB to 1 GB at 1,000,000 deals. Taken only while
        # an index is built, and shared by its parallel workers.
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        if has_trigger:
            cursor.execute(f"ALTER TABLE {history} ENABLE TRIGGER {VALID_UNTIL_INSERT}")
        cursor.execute("RESET maintenance_work_mem")


def _trigger_enabled(cursor, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s "
        "AND tgenabled <> 'D'",
        [table, VALID_UNTIL_INSERT],
    )
    return cursor.fetchone() is not None


def _field_name(model, column: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == column or f.column == column:
            return f.name
    return column


def money_near(amount: Decimal, factor: float) -> Decimal:
    """A typed amount near `amount` × `factor`: round thousands, at least 10,000."""
    thousands = max(10, round(float(amount) * factor / 1000))
    return Decimal(thousands) * Decimal("1000.00")
