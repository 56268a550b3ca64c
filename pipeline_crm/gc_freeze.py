"""What a worker process keeps for its whole life is taken out of the garbage collector's sight.

A full collection scans every tracked object that is not frozen. gunicorn's workers froze what
they had loaded once, before their first request (`post_worker_init`): Django, the apps and
their modules. But the first requests load as much again and keep it: the URL resolvers, the
compiled templates, the translation catalogues, the lookup caches: 87,000 objects after the
first request, 95,600 after five pages (1,000,000 deals, 2 cores), and every full collection
scanned them again, in the middle of a request (a deal's page: p50 29 ms, the request with the
collection 72 ms). Measured over 480 requests of six pages (the dashboard, the list and a sort
of it, a deal, the pipeline report, the board) after 120 of warming up, as a worker serves
them: 7 full collections of 60 ms each, against 10 of 6 ms once frozen again as below; all
collections 1.64 -> 0.86 ms a request.

So the worker collects and freezes once before its first request and again after its 1st,
10th and 100th (`FREEZE_AFTER`), once the response has gone (`request_finished`: gunicorn
closes the response after sending it). Each freeze follows a full collection, so no garbage is
frozen: what is frozen is what was alive, the caches and whatever a request still held, a few
kilobytes that `max_requests` (gunicorn.conf.py) bounds with the worker's life.

Only the processes that serve requests for long do this: gunicorn's workers
(`post_worker_init`) and the benchmarks that stand for them (`bench`, `bench_reports`). The test
suite, whose processes build and drop whole databases of objects, does not.
"""

import gc
from contextlib import contextmanager

from django.core.signals import request_finished

FREEZE_AFTER = frozenset({1, 10, 100})  # the requests after which the process freezes again


class _Warming:
    """Counts the process's requests until its last freeze."""

    served = 0


def freeze_as_the_worker_warms() -> None:
    """Collect and freeze now, and again after the requests of `FREEZE_AFTER`."""
    _Warming.served = 0
    _collect_and_freeze()
    request_finished.connect(_after_request, dispatch_uid="pipeline_crm.gc_freeze")


def stop() -> None:
    """Freeze no more."""
    request_finished.disconnect(dispatch_uid="pipeline_crm.gc_freeze")


@contextmanager
def serving_as_a_worker():
    """`freeze_as_the_worker_warms` for the benchmarks, which stand for a worker, and no more
    freezing after them: the process may go on (the tests run them)."""
    freeze_as_the_worker_warms()
    try:
        yield
    finally:
        stop()


def _after_request(sender, **kwargs) -> None:
    _Warming.served += 1
    if _Warming.served in FREEZE_AFTER:
        _collect_and_freeze()
    if _Warming.served >= max(FREEZE_AFTER):
        stop()


def _collect_and_freeze() -> None:
    gc.collect()
    gc.freeze()
