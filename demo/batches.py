"""Batches of a seed built in worker processes, written in order by the seed's own process
(issue 20: 1,000,000 deals in under ten minutes on two cores).

Why: a demo deal's past takes ~0.4 ms of Python and its rows ~0.2 ms more; at 1,000,000 deals
that is ten minutes of one core while the other waits. Each batch of deals is drawn from its
own Random, seeded by the seed and the batch's number (`seed_demo`), so any process can build
any batch and the rows written depend only on `--seed` and the moment: not on the number of
workers, nor on which of them built what.

How: `Builders(count, build, workers=n)` then `write_in_order(take_ids, write)`. `build(k)`
makes batch `k`
and returns an object with `counts()` (the ids it needs, per table) and `rows(ids)` (its rows,
given those ids). Ids and writing stay in the seed's process, batch after batch: it takes each
batch's ids (`take_ids(counts)`, from the tables' sequences) and writes its rows
(`write(rows)`), so the ids are exactly those a one-process seed gives. With `workers` the
batches are built by that many forked processes, batch `k` by worker `k % workers`: a worker
sends the batch's counts, receives its ids, sends its rows, and goes on to its next
batch while the seed's process copies them.

What it costs: the rows cross a pipe, and the workers are forks of the seed's process,
so they are started before any thread (the copying thread of `demo.past.BulkRows`) and never
use the database: the
inherited connection stays open but refuses every query in them (`_no_queries`), and they end
by `os._exit` without closing it. Without workers (`workers=0`: SQLite, a single batch, one
CPU, no `fork`) the same batches are built in order in this process.

On PostgreSQL a batch's rows cross the pipe as the data of a binary COPY, made in the worker
(`demo.past.BinaryRows`): pickled tuples cost a third of the building's CPU, and formatting
them here kept this process busy (at 100,000 deals its CPU 12.7 s → 1.1 s, the workers' the
same).

Measured before that (CPU seconds; the machine at load 8-15, so wall figures mean little):
100,000 deals 75 s of Python in one process → 17 s here + 2 × 20 s in the workers (the
database's 23-27 s either way); 1,000,000 deals 676 s of Python in one process → 162 s here
+ 2 × 223 s in the workers, the database 225 s. On two quiet cores that is ~330 s for the
deals (their CPU over two cores; neither worker longer), ~120 s of index builds and
`valid_until` after, ~40 s of accounts and vacuum: about 500 s, where one process needed at
least its 676 s.

Checked by `tests/demo/test_seed_same.py`: a seed's rows hash to a pinned figure, and the same
with and without workers.
"""

import gc
import multiprocessing
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connections

COUNTS, ROWS, ERROR = "counts", "rows", "error"


class WorkerFailed(RuntimeError):
    """A worker's error, with its traceback as the message."""


class Builders:
    """The batches 0 … `count` - 1 of `build`, built by `workers` forked processes (none: here,
    one by one). A context manager: the workers start on entering it (before the seed starts
    any thread) and are stopped on leaving it, whatever happened."""

    def __init__(self, count: int, build: Callable[[int], object], *, workers: int = 0):
        self.count = count
        self.build = build
        self.workers = min(workers, count) if count > 1 and _can_fork() else 0
        self.pipes: list = []
        self.processes: list = []

    def __enter__(self) -> "Builders":
        context = multiprocessing.get_context("fork")
        try:
            for number in range(self.workers):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=_work,
                    args=(theirs, self.build, range(number, self.count, self.workers)),
                    name=f"seed-build-{number}",
                    daemon=True,
                )
                process.start()
                theirs.close()
                self.pipes.append(ours)
                self.processes.append(process)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for pipe in self.pipes:
            pipe.close()
        for process in self.processes:
            if process.is_alive():
                process.join(timeout=5 if exc[0] is None else 0)
            if process.is_alive():
                process.terminate()
                process.join()

    def write_in_order(
        self, take_ids: Callable[[Sequence[int]], object], write: Callable[[object], None]
    ) -> None:
        """For each batch in order: its ids (`take_ids(counts)`), then its rows (`write`)."""
        with _collector_paused():
            self._write_in_order(take_ids, write)

    def _write_in_order(self, take_ids, write) -> None:
        if not self.workers:
            for index in range(self.count):
                built = self.build(index)
                write(built.rows(take_ids(built.counts())))
            return
        # Ids for batch k are taken once batch k - 1's are; a batch's rows are read once the
        # next batch has its ids, so that a worker builds while another's rows are copied.
        waiting: deque = deque()
        for index in range(self.count):
            pipe = self.pipes[index % self.workers]
            pipe.send(take_ids(_receive(pipe, COUNTS)))
            waiting.append(pipe)
            if len(waiting) == self.workers:
                write(_receive(waiting.popleft(), ROWS))
        while waiting:
            write(_receive(waiting.popleft(), ROWS))


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()  # not on Windows


def _receive(pipe, kind: str):
    try:
        got, value = pipe.recv()
    except EOFError:
        raise WorkerFailed("a worker building the seed's batches ended unexpectedly") from None
    if got == ERROR:
        raise WorkerFailed(value)
    assert got == kind, (got, kind)
    return value


def _work(pipe, build, indexes: range) -> None:
    """A worker: build each of its batches, hand over its counts, get its ids, send its rows."""
    _no_queries()
    gc.freeze()  # what the worker inherited is never garbage here
    gc.disable()  # see `_collector_paused`
    try:
        for index in indexes:
            built = build(index)
            pipe.send((COUNTS, built.counts()))
            ids = pipe.recv()
            pipe.send((ROWS, built.rows(ids)))
    except BaseException:  # noqa: BLE001 - handed to the seed's process
        pipe.send((ERROR, traceback.format_exc()))
    finally:
        pipe.close()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while batches are built and read: a batch's objects form
    no reference cycles (freed by their counts alone; `tests/demo/test_seed_same.py` checks),
    and with a batch's tens of thousands of objects alive the collector's passes cost a
    sixth of the building and two thirds of the unpickling (measured at 4,000 deals: 0.35 →
    0.29 ms a deal, unpickling 0.062 → 0.018 ms)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _no_queries() -> None:
    """In a forked worker: the connections it inherited are the seed's (same socket, same
    transaction). They stay referenced (closing one would end the seed's session) and refuse
    every query."""
    for connection in connections.all(initialized_only=True):
        connection.execute_wrappers.append(_refuse)


def _refuse(execute, sql, params, many, context):
    raise RuntimeError("a seed's worker process may not use the database")
