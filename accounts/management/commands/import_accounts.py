from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations

from accounts.services import import_accounts


class Command(BaseCommand):
    help = (
        "Import accounts with their contacts from a CSV or XLSX file, all rows or none. "
        "The same import as the Import page."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (comma or semicolon separated) or .xlsx file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change; write nothing.",
        )
        parser.add_argument("--user", help="Username recorded as the author in the history.")

    @no_translations
    def handle(self, *args, file: str, dry_run: bool, user: str | None, **options):
        author = None
        if user:
            try:
                author = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user with the username {user!r}.") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")

        result = import_accounts(path, filename=path.name, dry_run=dry_run, user=author)

        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            count = len(result.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} in {path.name}; nothing was imported."
            )
        counts = (
            f"accounts: {result.created_accounts} created, {result.updated_accounts} updated; "
            f"contacts: {result.created_contacts} created, {result.updated_contacts} updated"
        )
        if dry_run:
            self.stdout.write(
                f"Dry run, nothing was written. Importing {path.name} would give {counts}."
            )
        else:
            self.stdout.write(f"Imported {path.name}: {counts}.")
