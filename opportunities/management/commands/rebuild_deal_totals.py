from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from opportunities import kept_shared, kept_sums, kept_totals
from opportunities.models import DealTotals, SharedDeal


class Command(BaseCommand):
    help = (
        "Reinstall the triggers that keep the deal totals where they are missing or changed, "
        "recount the totals from the deals and verify them against a second recount; on "
        "PostgreSQL the same for the copy of the shared deals and the sums kept per account, "
        "day, owner, business area, user and product (kept_sums). With --check, only verify."
    )
    # The system check that reports missing triggers must not stop the command that repairs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: fail if a trigger is out of place or a total is wrong.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")

    def handle(self, *args, check: bool, database: str, **options):
        if not check:
            reinstalled = [o.name for o in kept_totals.rebuild(database)]
            reinstalled += kept_shared.rebuild(database)
            reinstalled += kept_sums.rebuild(database)
            if reinstalled:
                self.stdout.write(f"Reinstalled {', '.join(reinstalled)}.")
        self._verify(database, kept_totals.out_of_place(database))
        self._verify_shared(database)
        self._verify_sums(database)

    def _verify_sums(self, database: str) -> None:
        missing = kept_sums.problems(database)
        if missing is None:
            return  # SQLite, or not migrated yet: nothing kept
        if missing:
            raise CommandError(
                f"Missing or disabled: {', '.join(missing)}. Run without --check to reinstall."
            )
        wrong = kept_sums.differences(database)
        if wrong:
            table, key = wrong[0]
            raise CommandError(
                f"{len(wrong)} kept sums disagree with a recount of the deals, e.g. {table} "
                f"{'/'.join(map(str, key[:-2]))}: {key[-2]:+d} deals, {key[-1]:+} in amount."
            )
        self.stdout.write(
            "Sums per account, day, owner, business area, user and product verified against a "
            "recount of the deals (of the products' pairs, for the products')."
        )

    def _verify_shared(self, database: str) -> None:
        if kept_shared.problems(database) is None:
            return  # SQLite, or not migrated yet: nothing kept
        missing = kept_shared.missing_objects(connections[database])
        if missing:
            raise CommandError(
                f"Missing or disabled: {', '.join(missing)}. Run without --check to reinstall."
            )
        wrong = kept_shared.differences(database)
        if wrong:
            raise CommandError(
                f"{len(wrong)} copies of shared deals disagree with their deals, e.g. "
                f"deal {wrong[0].opportunity_id} shared with user {wrong[0].user_id}."
            )
        count = SharedDeal.objects.using(database).count()
        self.stdout.write(f"Shared deals verified against their deals: {count} links.")

    def _verify(self, database: str, out_of_place: list) -> None:
        if out_of_place:
            names = ", ".join(o.name for o in out_of_place)
            raise CommandError(f"Missing or changed: {names}. Run without --check to reinstall.")
        wrong = kept_totals.differences(database)
        if wrong:
            raise CommandError(
                f"{len(wrong)} totals disagree with a recount of the deals, e.g. "
                f"stage/owner/area/status {'/'.join(map(str, wrong[0].key))}: "
                f"{wrong[0].count:+d} deals, {wrong[0].amount:+} in amount."
            )
        totals = DealTotals.objects.using(database).totals()
        self.stdout.write(
            f"Deal totals verified against a recount: {totals['count']} deals, "
            f"amount {totals['amount']}, weighted {totals['weighted']}."
        )
