"""Starting a job, running it in the worker, telling its progress, and taking back the jobs of a
worker that stopped.

A job's work is a *runner*: a function `runner(job, progress) -> dict` named by its dotted
path, which returns the result the job page shows (JSON) and may set `job.output_file`. The
runner and the job's result commit in one transaction: an import's rows are in the database
exactly when its job says done, and a worker that stops half way leaves nothing of it. Such a
job is found by its old heartbeat and run again (`requeue_stale`), as a new attempt; should the
old attempt still finish, it sees that it was replaced and rolls back.

jobs imports no other app of the project (tests/test_app_graph.py): the apps start jobs, and
the project tells it how its own errors read on a failed job's page (`explain_failures`).
"""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Job

logger = logging.getLogger(__name__)

# How often a running job's heartbeat (and progress) is written, and after how long without
# one its worker is taken to have stopped.
HEARTBEAT_SECONDS = 5
STALE_AFTER = timedelta(seconds=60)


def start_job(
    runner: str,
    *,
    name: str,
    owner=None,
    params: dict | None = None,
    upload: File | None = None,
) -> Job:
    """Create a job that runs `runner` and queue it for the worker; return it.

    `upload` is stored with the job for the runner to read (a full disk raises
    pipeline_crm.storage.StorageFull before anything is queued). Called inside the request's
    transaction, the job is queued when that commits.
    """
    from .tasks import run_job

    job = Job(
        owner=owner,
        name=name[: Job._meta.get_field("name").max_length],
        runner=runner,
        params=params or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    if upload is not None:
        job.input_file.save(upload.name, upload, save=False)
    job.save()
    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def run(job_id: int) -> None:
    """Run the job `job_id` as its next attempt (the task worker's entry point)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    job.attempt += 1
    job.status = Job.Status.RUNNING
    job.started_at = job.heartbeat_at = timezone.now()
    job.done = job.total = 0
    Job.objects.filter(pk=job.pk).update(
        attempt=job.attempt,
        status=job.status,
        started_at=job.started_at,
        heartbeat_at=job.heartbeat_at,
        done=0,
        total=0,
    )
    progress = Progress(job)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            with transaction.atomic():
                with progress:
                    result = import_string(job.runner)(job, progress)
                if not _still_mine(job):
                    transaction.set_rollback(True)
                    return
                _finish(job, Job.Status.DONE, result)
    except Exception as error:
        logger.exception("Job %s (%s) failed", job.pk, job.runner)
        with transaction.atomic():
            if _still_mine(job):
                _finish(job, Job.Status.FAILED, {"message": failure_message(error)})


# The errors a user can act on, each with a function that returns its message or None for an
# error it does not know; filled by the project at start-up (a full disk: PipelineCrmConfig).
_explainers: list[Callable[[BaseException], str | None]] = []


def explain_failures(explain: Callable[[BaseException], str | None]) -> None:
    """Have a failed job's page say `explain(error)` where that is not None."""
    if explain not in _explainers:
        _explainers.append(explain)


def failure_message(error: Exception) -> str:
    """What a failed job's page says: an error a user can act on by name (a full disk, see
    `explain_failures`), anything else in general terms (the details are in the worker's log)."""
    for explain in _explainers:
        message = explain(error)
        if message is not None:
            return str(message)
    return _("The job failed. An administrator can find the reason in the worker's log.")


def _still_mine(job: Job) -> bool:
    """Whether `job` is still the attempt this run started (locked until the commit)."""
    return (
        Job.objects.select_for_update()
        .filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING)
        .exists()
    )


def _finish(job: Job, status: str, result: dict[str, Any]) -> None:
    job.status = status
    job.result = result
    job.finished_at = timezone.now()
    if status == Job.Status.DONE and job.total:
        job.done = job.total
    job.save(update_fields=["status", "result", "finished_at", "done", "total", "output_file"])


def requeue_stale(*, now=None) -> list[Job]:
    """Queue again the running jobs whose worker has not been heard of for STALE_AFTER: it
    stopped (restarted, killed, its machine lost); return them. Running them again is a new
    attempt, and the old one, should it still finish, rolls back (see `run`)."""
    from .tasks import run_job

    now = now or timezone.now()
    requeued = []
    for job in Job.objects.stale(now - STALE_AFTER).exclude(pk__in=Progress.running_here()):
        updated = Job.objects.filter(
            pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING
        ).update(status=Job.Status.QUEUED, done=0, total=0)
        if not updated:
            continue
        _give_up_task(job.task_id)
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
        logger.warning("Job %s was left running by a stopped worker; queued again", job.pk)
        requeued.append(job)
    return requeued


def _give_up_task(task_id: str) -> None:
    """Mark the database backend's task of a stopped worker as failed, as no worker will
    finish it (the job runs again under a new task)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return
    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="jobs.services.WorkerStopped",
        traceback="The worker stopped while running this task; its job was queued again.",
    )


class Progress:
    """`progress(done, total)`: how far a running job is, for its page, and its heartbeat.

    A runner works inside one transaction, which other connections cannot see into; so the
    progress is written by a thread of its own, with its own connection, every
    HEARTBEAT_SECONDS. On SQLite that thread would wait for the job's write lock: there
    progress is written only between transactions, and one worker runs at a time.
    """

    _running: set[int] = set()  # the jobs this process runs, never stale to its janitor
    _lock = threading.Lock()

    def __init__(self, job: Job):
        self.job = job
        self.done = 0
        self.total = 0
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    @classmethod
    def running_here(cls) -> list[int]:
        with cls._lock:
            return list(cls._running)

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.thread is None and not connection.in_atomic_block:
            self.write()

    def __enter__(self) -> "Progress":
        with self._lock:
            self._running.add(self.job.pk)
        if connection.vendor != "sqlite":
            self.thread = threading.Thread(
                target=self.beat, name=f"job-{self.job.pk}-heartbeat", daemon=True
            )
            self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()
        with self._lock:
            self._running.discard(self.job.pk)
        self.job.done, self.job.total = self.done, self.total

    def beat(self) -> None:
        from django.db import connection as own_connection  # this thread's connection

        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                self.write()
        finally:
            own_connection.close()

    def write(self) -> None:
        try:
            Job.objects.filter(
                pk=self.job.pk, attempt=self.job.attempt, status=Job.Status.RUNNING
            ).update(done=self.done, total=self.total, heartbeat_at=timezone.now())
        except DatabaseError:
            logger.warning("Job %s: progress not written", self.job.pk, exc_info=True)
