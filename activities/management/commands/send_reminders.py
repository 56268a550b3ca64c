import logging
from datetime import date

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from activities.agenda import company_today
from activities.models import ReminderDelivery
from activities.reminders import daily_reminders, reminder_message
from pipeline_crm.management.day_option import parse_day_option

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "E-mail each active user with an address their day: overdue and today's activities "
        "and the deals whose next action date has come. Users with nothing due get nothing. "
        "Each user gets a day's reminder once: a run for a day started again sends only to "
        "those it has not sent to yet (--again sends to everyone once more)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print, do not send")
        parser.add_argument(
            "--date", dest="day", help="the day to remind of (YYYY-MM-DD; default today)"
        )
        parser.add_argument(
            "--again",
            action="store_true",
            help="send also to the users who already had this day's reminder",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the sending as a background job for the worker (manage.py worker)",
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000",
            help="the CRM's address, for the links in the e-mails",
        )

    def handle(self, *args, dry_run: bool, day: str | None, base_url: str, **options):
        today = parse_day_option(day) if day else company_today()
        again = options["again"]
        if options["background"]:
            self._queue(dry_run=dry_run, today=today, base_url=base_url, again=again)
            return
        connection = None if dry_run else get_connection()
        already = set()
        if not again:
            already = set(
                ReminderDelivery.objects.filter(day=today).values_list("user_id", flat=True)
            )
        sent = skipped = failed = repeated = 0
        for user, reminders in daily_reminders(today=today):
            if reminders.is_empty:
                skipped += 1
                continue
            if user.pk in already:
                repeated += 1
                continue
            line = (
                f"{user.email}: {reminders.overdue_count} overdue, "
                f"{reminders.today_count} today, {reminders.deal_count} deals"
            )
            # One user's failure (a template, an address the mail server refuses) must not
            # cost everyone else their reminder: it is logged, and the run goes on.
            try:
                subject, text, html = reminder_message(
                    user, reminders, today=today, base_url=base_url
                )
                if not dry_run:
                    send_mail(
                        subject,
                        text,
                        settings.DEFAULT_FROM_EMAIL,
                        [user.email],
                        html_message=html,
                        connection=connection,
                    )
                    # Recorded once the mail server took it: a crash in between sends it
                    # again on the next run rather than never.
                    ReminderDelivery.objects.update_or_create(
                        user=user, day=today, defaults={"sent_at": timezone.now()}
                    )
            except Exception as error:
                logger.exception("Reminder to user %s failed", user.pk)
                self.stderr.write(f"Failed for {user.email}: {error}")
                failed += 1
                continue
            self.stdout.write(f"{'Would send' if dry_run else 'Sent'} to {line}")
            sent += 1
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            f"{verb} {sent} reminder e-mails for {today.isoformat()}; "
            f"{skipped} users had nothing due."
            + (f" {repeated} already had it (--again sends it once more)." if repeated else "")
        )
        if failed:
            raise CommandError(f"{failed} reminder e-mails failed; see the log.")

    def _queue(self, *, dry_run: bool, today: date, base_url: str, again: bool) -> None:
        from jobs.services import start_job

        args = [
            "--date",
            today.isoformat(),
            "--base-url",
            base_url,
            *(["--again"] if again else []),
        ]
        job = start_job(
            "jobs.runners.run_command",
            name=f"send_reminders {' '.join(args)}{' --dry-run' if dry_run else ''}",
            params={
                "command": "send_reminders",
                "args": [*args, *(["--dry-run"] if dry_run else [])],
            },
        )
        self.stdout.write(f"Queued job {job.pk}: reminders for {today.isoformat()}.")
