"""Batches of a seed built in worker processes, written in order by the seed's own process
(issue 20: 1,000,000 deals in under ten minutes on two cores).

Why: a demo deal's past takes ~0.4 ms of Python and its rows ~0.2 ms more; at 1,000,000 deals
that is ten minutes of one core while the other waits. Each batch of deals is drawn from its
own Random, seeded by the seed and the batch's number (`seed_demo`), so any process can build
any batch and the rows written depend only on `--seed` and the moment: not on the number of
workers, nor on which of them built what.

How: `build_in_order(count, build, take_ids, write, workers=n)`. `build(k)` makes batch `k`
and returns an object with `counts()` (the ids it needs, per table) and `rows(ids)` (its rows,
given those ids). Ids and writing stay in the seed's process, batch after batch: it takes each
batch's ids (`take_ids(counts)`, from the tables' sequences) and writes its rows
(`write(rows)`), so the ids are exactly those a one-process seed gives. With `workers` the
batches are built by that many forked processes, batch `k` by worker `k % workers`: a worker
sends the batch's counts, receives its ids, sends its rows (pickled), and goes on to its next
batch while the seed's process copies them.

What it costs: the rows cross a pipe (pickled in the worker, unpickled here: a tenth of the
building's CPU), and the workers are forks of the seed's process, so they are started before
any thread (the copying thread of `demo.past.BulkRows`) and never use the database: the
inherited connection stays open but refuses every query in them (`_no_queries`), and they end
by `os._exit` without closing it. Without workers (`workers=0`: SQLite, a single batch, one
CPU) the same batches are built in order in this process.

Checked by `tests/demo/test_seed_same.py`: a seed's rows hash to a pinned figure, and the same
with and without workers.
"""

import multiprocessing
import traceback
from collections import deque
from collections.abc import Callable, Sequence

from django.db import connections

COUNTS, ROWS, ERROR = "counts", "rows", "error"


class WorkerFailed(RuntimeError):
    """A worker's error, with its traceback as the message."""


def build_in_order(
    count: int,
    build: Callable[[int], object],
    take_ids: Callable[[Sequence[int]], object],
    write: Callable[[object], None],
    *,
    workers: int = 0,
) -> None:
    """Build batches 0 … `count` - 1 and write them in order (module docstring)."""
    if workers < 1 or count < 2:
        for index in range(count):
            built = build(index)
            write(built.rows(take_ids(built.counts())))
        return
    workers = min(workers, count)
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    try:
        for number in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_work,
                args=(theirs, build, range(number, count, workers)),
                name=f"seed-build-{number}",
                daemon=True,
            )
            process.start()
            theirs.close()
            pipes.append(ours)
            processes.append(process)
        # Ids for batch k are taken once batch k - 1's are; a batch's rows are read once the
        # next batch has its ids, so that a worker builds while the other's rows are copied.
        waiting: deque = deque()
        for index in range(count):
            pipe = pipes[index % workers]
            pipe.send(take_ids(_receive(pipe, COUNTS)))
            waiting.append(pipe)
            if len(waiting) == workers:
                write(_receive(waiting.popleft(), ROWS))
        while waiting:
            write(_receive(waiting.popleft(), ROWS))
        for process in processes:
            process.join()
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()


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


def _no_queries() -> None:
    """In a forked worker: the connections it inherited are the seed's (same socket, same
    transaction). They stay referenced (closing one would end the seed's session) and refuse
    every query."""
    for connection in connections.all(initialized_only=True):
        connection.execute_wrappers.append(_refuse)


def _refuse(execute, sql, params, many, context):
    raise RuntimeError("a seed's worker process may not use the database")
