"""The task worker: django-tasks-db's `db_worker`, which also takes back the jobs of a worker
that stopped (see jobs.services.requeue_stale), at start and every minute."""

import logging
import threading

from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from jobs import services

logger = logging.getLogger(__name__)


class Command(db_worker.Command):
    help = (
        "Run the background jobs (imports, exports, reminders) as they are queued. Jobs a "
        "stopped worker left running are queued again."
    )

    def handle(self, *args, **options):
        self.sweep()  # before the first task: a restarted worker takes back its own jobs
        stopped = threading.Event()
        janitor = threading.Thread(target=self.janitor, args=(stopped,), daemon=True)
        janitor.start()
        try:
            super().handle(*args, **options)
        finally:
            stopped.set()

    def janitor(self, stopped: threading.Event) -> None:
        try:
            while not stopped.wait(services.STALE_AFTER.total_seconds()):
                self.sweep()
        finally:
            connection.close()

    def sweep(self) -> None:
        try:
            services.requeue_stale()
        except DatabaseError:  # e.g. SQLite locked by a running import: next time
            logger.warning("Could not look for stopped jobs", exc_info=True)
