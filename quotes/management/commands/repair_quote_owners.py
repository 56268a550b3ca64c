from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from quotes import kept_owner


class Command(BaseCommand):
    help = "Reinstall the trigger keeping quotes' owners and give every quote its deal's owner."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        kept_owner.repair(database)
        self.stdout.write(f"Every quote has its deal's owner ({database}).")
