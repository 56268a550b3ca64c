"""The one task of Django's tasks interface that the worker runs: a job, by its id."""

from django_tasks import task

from . import services


@task()
def run_job(job_id: int) -> None:
    """Run the job `job_id` (see jobs.services.run); its result is on the job, not here."""
    services.run(job_id)
