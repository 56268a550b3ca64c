from django.core.management.base import BaseCommand

from activities.agenda import company_today
from pipeline_crm.management.day_option import parse_day_option
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
        today = parse_day_option(day) if day else company_today()
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
