"""The job lifecycle through the worker, run in-process: queued, run, done; a job a stopped
worker left running is run again; a replaced or failing attempt leaves nothing half-applied.

These tests commit (transactional_db), as the worker's loop, its janitor and the heartbeat
need; they run as an administrator, who needs no role group (a flush by another transactional
test removes the groups a migration made).
"""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Account
from jobs import services
from jobs.models import Job
from pipeline_crm.storage import StorageFull

from ..factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ACCOUNTS = b"Name;City\r\nAcme AB;Oslo\r\nBeta AB;Bergen\r\nGamma AB;Kiruna\r\n"


def run_worker() -> None:
    """`manage.py worker` until no task is left."""
    call_command(
        "worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0
    )


def start_import(client):
    upload = SimpleUploadedFile("accounts.csv", ACCOUNTS, content_type="text/csv")
    client.post(reverse("accounts:import"), {"file": upload})
    return Job.objects.get()


def test_a_queued_job_waits_for_the_worker_then_is_done(
    client_for, admin_user, small_jobs, database_backend
):
    client = client_for(admin_user)
    job = start_import(client)
    assert job.status == Job.Status.QUEUED
    assert "Waiting for the worker" in client.get(job.get_absolute_url()).text
    assert not Account.objects.exists()

    run_worker()

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempt == 1
    assert Account.objects.count() == 3
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    assert "Import done" in client.get(job.get_absolute_url()).text


def test_a_job_a_stopped_worker_left_running_is_run_again(
    client_for, admin_user, small_jobs, database_backend
):
    job = start_import(client_for(admin_user))
    # A worker claimed the task, started the job, and was killed: its transaction is gone,
    # its heartbeat stops.
    task = DBTaskResult.objects.get(id=job.task_id)
    task.claim("killed-worker")
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempt=1,
        heartbeat_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1),
    )

    run_worker()

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempt == 2
    assert Account.objects.count() == 3
    assert DBTaskResult.objects.get(id=task.id).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_a_job_that_is_still_beating_is_left_alone(admin_user):
    job = Job.objects.create(
        owner=admin_user,
        name="Busy",
        runner="x",
        status=Job.Status.RUNNING,
        attempt=1,
        heartbeat_at=timezone.now(),
    )
    assert services.requeue_stale() == []
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempt == 1


def replaced_half_way(job, progress):
    """A runner during which another worker, on a connection of its own, takes the job over
    (its heartbeat looked old)."""

    def take_over():
        Job.objects.filter(pk=job.pk).update(attempt=F("attempt") + 1)
        connection.close()

    other_worker = threading.Thread(target=take_over)
    other_worker.start()
    other_worker.join()
    AccountFactory(name="Half applied AB")
    return {"kind": "command", "output": "done"}


def full_disk(job, progress):
    AccountFactory(name="Half applied AB")
    raise StorageFull()


def failing(job, progress):
    AccountFactory(name="Half applied AB")
    raise RuntimeError("boom")


def test_an_attempt_that_was_replaced_rolls_back(admin_user, database_backend):
    job = services.start_job(f"{__name__}.replaced_half_way", name="Replaced", owner=admin_user)
    services.run(job.pk)
    job.refresh_from_db()
    assert not Account.objects.filter(name="Half applied AB").exists()
    assert job.status == Job.Status.RUNNING and job.attempt == 2  # the new attempt's


@pytest.mark.parametrize(
    ("runner", "message"),
    [
        ("full_disk", "The server's storage is full"),
        ("failing", "The job failed. An administrator can find the reason"),
    ],
)
def test_a_failing_job_says_why_and_writes_nothing(
    client_for, admin_user, database_backend, runner, message
):
    job = services.start_job(f"{__name__}.{runner}", name="Failing", owner=admin_user)
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.result["message"].startswith(message)
    assert not Account.objects.filter(name="Half applied AB").exists()
    assert message.replace("'", "&#x27;") in client_for(admin_user).get(job.get_absolute_url()).text
