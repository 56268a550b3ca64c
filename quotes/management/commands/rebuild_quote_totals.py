from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from quotes import kept_totals


class Command(BaseCommand):
    help = (
        "Reinstall what keeps the quote totals where it is missing, recount the totals from "
        "the quotes and verify them against a second recount (PostgreSQL). With --check, only "
        "verify."
    )
    # The system check that reports missing triggers must not stop the command that repairs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: fail if a trigger is missing or a total is wrong.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")

    def handle(self, *args, check: bool, database: str, **options):
        if connections[database].vendor != "postgresql":
            raise CommandError("Quote totals are kept on PostgreSQL only.")
        if not check:
            missing = kept_totals.rebuild(database)
            if missing:
                self.stdout.write(f"Reinstalled {', '.join(missing)}.")
        missing = kept_totals.missing_objects(connections[database])
        if missing:
            raise CommandError(f"Missing: {', '.join(missing)}. Run without --check.")
        wrong = kept_totals.differences(database)
        if wrong:
            first = wrong[0]
            raise CommandError(
                f"{len(wrong)} totals disagree with a recount of the quotes, e.g. status/owner "
                f"{first.key[0]}/{first.key[1]}: {first.count:+d} quotes, {first.amount:+} in "
                "amount."
            )
        self.stdout.write(f"Quote totals verified against a recount ({database}).")
