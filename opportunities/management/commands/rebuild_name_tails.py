from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from opportunities import name_tails


class Command(BaseCommand):
    help = (
        "Reinstall the triggers that keep the deals' name tails (the search's, PostgreSQL) and "
        "refill every tail that is missing or wrong. With --check, only verify."
    )
    # The system check that reports missing triggers must not stop the command that repairs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: fail if a trigger is missing or a tail is wrong.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")

    def handle(self, *args, check: bool, database: str, **options):
        if name_tails.missing_triggers(database) is None:
            raise CommandError(
                f"Database '{database}' keeps no name tails (PostgreSQL, once migrated)."
            )
        if not check:
            wrong = name_tails.rebuild(database)
            self.stdout.write(f"Reinstalled the triggers; {wrong} tails refilled.")
        missing = name_tails.missing_triggers(database)
        if missing:
            raise CommandError(f"Missing or disabled: {', '.join(missing)}.")
        wrong = name_tails.wrong_deals(database)
        if wrong:
            raise CommandError(f"{len(wrong)} deals have a wrong name tail, e.g. {wrong[0]}.")
        self.stdout.write(
            f"Name tails verified on database '{database}' "
            f"({connections[database].settings_dict['NAME']})."
        )
