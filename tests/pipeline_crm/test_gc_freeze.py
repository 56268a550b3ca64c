"""A long-lived worker freezes what it keeps (`pipeline_crm.gc_freeze`): before its first
request and after its 1st, 10th and 100th, each time after a full collection, then no more;
gunicorn's workers and the benchmarks do it, the test suite does not."""

import gc
import runpy
import weakref
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished

from pipeline_crm import gc_freeze

UID = "pipeline_crm.gc_freeze"
# Django's own receivers of `request_finished` close the database connections.
pytestmark = pytest.mark.django_db


@pytest.fixture
def warming():
    gc_freeze.freeze_as_the_worker_warms()
    yield
    gc_freeze.stop()
    gc.unfreeze()


def _listening() -> bool:
    return any(lookup_key[0] == UID for lookup_key, *_rest in request_finished.receivers)


def test_the_worker_freezes_after_its_first_requests_then_no_more(warming):
    assert gc.get_freeze_count() > 0  # before the first request
    kept, froze_after = [], []
    for served in range(1, 131):
        kept.append([])  # something that outlives the request, to be frozen by a freeze
        before = gc.get_freeze_count()
        request_finished.send(sender=None)
        if gc.get_freeze_count() > before:
            froze_after.append(served)
    assert froze_after == [1, 10, 100]
    assert not _listening()  # no more after the last


def test_garbage_is_collected_before_a_freeze_and_what_lives_is_frozen(warming):
    class Node:
        pass

    garbage, alive = Node(), Node()
    garbage.me, alive.me = garbage, alive  # cycles: only a full collection frees them
    dropped = weakref.ref(garbage)
    del garbage
    request_finished.send(sender=None)
    assert dropped() is None
    assert not any(obj is alive for obj in gc.get_objects())  # frozen: out of sight


def test_a_served_page_counts(warming, client):
    client.get("/login/")
    assert gc_freeze._Warming.served == 1


def test_the_test_suite_does_not_freeze():
    assert not _listening()


def test_gunicorns_workers_freeze_as_they_warm(monkeypatch):
    called = []
    monkeypatch.setattr(gc_freeze, "freeze_as_the_worker_warms", lambda: called.append(True))
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    config["post_worker_init"](None)
    assert called == [True]


def test_a_benchmark_serves_as_a_worker_then_freezes_no_more():
    with gc_freeze.serving_as_a_worker():
        assert _listening()
    assert not _listening()
    gc.unfreeze()
