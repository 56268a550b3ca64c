from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations

from opportunities.importing import HEADERS, import_opportunities


class Command(BaseCommand):
    help = (
        "Import deals from an old CRM's CSV file, all rows or none; the same import as the "
        f"Import page. Columns: {', '.join(HEADERS)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv file, comma or semicolon separated.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would be created; write nothing.",
        )
        parser.add_argument(
            "--create-lookups",
            action="store_true",
            help="Create unknown stages, business areas and loss reasons instead of refusing.",
        )
        parser.add_argument("--user", help="Username recorded as the author in the history.")

    @no_translations
    def handle(
        self,
        *args,
        file: str,
        dry_run: bool,
        create_lookups: bool,
        user: str | None,
        **options,
    ):
        author = None
        if user:
            try:
                author = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user with the username {user!r}.") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")

        result = import_opportunities(
            path,
            filename=path.name,
            dry_run=dry_run,
            create_lookups=create_lookups,
            user=author,
        )

        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            count = len(result.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} in {path.name}; nothing was written."
            )
        summary = f"{result.created} deals, {result.created_accounts} new accounts"
        if result.created_lookups:
            summary += ", new " + ", ".join(str(lookup) for lookup in result.created_lookups)
        if dry_run:
            self.stdout.write(
                f"Dry run, nothing was written. Importing {path.name} would create {summary}."
            )
        else:
            self.stdout.write(f"Imported {path.name}: {summary}.")
