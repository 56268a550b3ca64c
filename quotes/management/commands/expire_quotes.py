from datetime import date

from django.core.management.base import BaseCommand, CommandError

from activities.agenda import company_today
from pipeline_crm.bounds import in_bounds
from quotes.models import Quote
from quotes.services import expire_quotes


class Command(BaseCommand):
    help = (
        "Mark every sent quote whose valid-until date has passed as expired. Run daily (cron, "
        "or the compose file's scheduler); --background queues it for the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
        parser.add_argument("--date", dest="day", help="the day to expire for (YYYY-MM-DD)")
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the run as a background job for the worker (manage.py worker)",
        )

    def handle(self, *args, dry_run: bool, day: str | None, background: bool, **options):
        today = self._day(day)
        if background:
            from jobs.services import start_job

            job = start_job(
                "jobs.runners.run_command",
                name=f"expire_quotes --date {today.isoformat()}",
                params={"command": "expire_quotes", "args": ["--date", today.isoformat()]},
            )
            self.stdout.write(f"Queued job {job.pk}: quote expiry for {today.isoformat()}.")
            return
        if dry_run:
            count = Quote.objects.expiring(today).count()
            self.stdout.write(f"Would expire {count} quotes valid until before {today}.")
            return
        count = expire_quotes(today=today)
        self.stdout.write(f"Expired {count} quotes valid until before {today}.")

    def _day(self, value: str | None) -> date:
        if not value:
            return company_today()
        try:
            day = date.fromisoformat(value)
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error
        if not in_bounds(day):
            raise CommandError(f"--date must lie between 1900-01-01 and 2199-12-31, not {value}")
        return day
