"""`demo.batches`: batches built by forked workers are written in order, with the ids the
seed's process takes, exactly as without workers; a worker's failure or query stops the seed."""

import gc
import io
import random
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from demo.batches import Builders, WorkerFailed
from demo.management.commands import seed_demo
from pipeline_crm.models import CompanySettings, Role
from pipeline_crm.roles import role_group


@dataclass
class _Built:
    index: int

    def counts(self):
        return (self.index + 1, 2 * self.index)

    def rows(self, ids):
        return [(self.index, tuple(ids[0]), tuple(ids[1]))]


def _run(count: int, workers: int, build=_Built):
    taken = {"deals": 0, "lines": 0}
    written = []

    def take_ids(counts):
        ids = []
        for name, wanted in zip(("deals", "lines"), counts, strict=True):
            ids.append(list(range(taken[name], taken[name] + wanted)))
            taken[name] += wanted
        return ids

    with Builders(count, build, workers=workers) as builders:
        builders.write_in_order(take_ids, written.extend)
    return written


def test_workers_write_the_batches_in_order_with_the_ids_taken_here():
    here = _run(7, workers=0)
    assert [index for index, _deals, _lines in here] == list(range(7))
    assert here[2] == (2, (3, 4, 5), (2, 3, 4, 5))
    assert _run(7, workers=2) == here
    assert _run(7, workers=3) == here


def test_a_worker_s_error_stops_the_seed_with_its_traceback():
    def build(index):
        if index == 3:
            raise ValueError("batch three is broken")
        return _Built(index)

    with pytest.raises(WorkerFailed, match="batch three is broken"):
        _run(6, workers=2, build=build)


@pytest.mark.django_db
def test_a_worker_may_not_use_the_seed_s_connection_which_goes_on_working():
    def build(index):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return _Built(index)

    with pytest.raises(WorkerFailed, match="may not use the database"):
        _run(4, workers=2, build=build)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


@pytest.mark.django_db
def test_a_batch_of_deals_leaves_no_reference_cycles():
    """What lets `demo.batches` pause the cyclic garbage collector while batches are built."""
    call_command("seed_demo", deals=5, activities=0, stdout=io.StringIO(), stderr=io.StringIO())
    salespeople = set(role_group(Role.SALESPERSON).user_set.values_list("pk", flat=True))
    owners = [u for u in get_user_model().objects.order_by("username") if u.pk in salespeople]
    maker = seed_demo._DealMaker(
        owners=owners,
        today=timezone.localdate(),
        now=timezone.now(),
        stale_days=CompanySettings.load().stale_days,
    )
    rng = random.Random(1)
    gc.collect()
    gc.disable()
    try:
        batch = seed_demo._Batch([maker.make(rng) for _ in range(300)])
        ids = [list(range(10**6, 10**6 + count)) for count in batch.counts()]
        rows = batch.rows(ids)
        assert len(rows[0]) == 300
        del batch, rows
        assert gc.collect() == 0
    finally:
        gc.enable()
