from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from opportunities import product_deals


class Command(BaseCommand):
    help = (
        "Reinstall the triggers that keep each product's deals (the product filter's footer, "
        "PostgreSQL) and refill the table. With --check, only verify."
    )
    # The system check that reports missing triggers must not stop the command that repairs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: fail if a trigger is missing or a row is wrong.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")

    def handle(self, *args, check: bool, database: str, **options):
        if product_deals.missing_triggers(database) is None:
            raise CommandError(
                f"Database '{database}' keeps no products' deals (PostgreSQL, once migrated)."
            )
        if not check:
            wrong = product_deals.rebuild(database)
            self.stdout.write(f"Reinstalled the triggers; {wrong} rows were wrong.")
        missing = product_deals.missing_triggers(database)
        if missing:
            raise CommandError(f"Missing or disabled: {', '.join(missing)}.")
        wrong = product_deals.wrong_pairs(database)
        if wrong:
            raise CommandError(
                f"{len(wrong)} pairs of a product and a deal are wrong, e.g. {wrong[0]}."
            )
        self.stdout.write(
            f"Products' deals verified on database '{database}' "
            f"({connections[database].settings_dict['NAME']})."
        )
