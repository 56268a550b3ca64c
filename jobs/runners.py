"""Runners of jobs that are not an import or an export (those live beside their pages)."""

import io

from django.core.management import call_command

from .models import Job


def run_command(job: Job, progress) -> dict:
    """Run the management command the job names, with its arguments; keep what it printed.

    A command queued as a job (`send_reminders --background`) is the same command a shell
    runs; a job that a stopped worker left is run again from the start.
    """
    out = io.StringIO()
    call_command(job.params["command"], *job.params.get("args", []), stdout=out, stderr=out)
    return {"kind": "command", "output": out.getvalue()}
