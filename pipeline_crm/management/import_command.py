"""The import commands' shared frame: file, --dry-run and --user, the error list and summary.

A command subclasses ImportCommand and writes `run` (call the service the import page calls)
and `summary` (what the result created or changed). Output is fixed English, as for every
command.
"""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations


class ImportCommand(BaseCommand):
    file_help = "A .csv file, comma or semicolon separated."
    dry_run_help = "Check every row and report what would change; write nothing."
    would = "would give"  # the dry run's verb before the summary: "Importing x.csv would give …"

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)
        parser.add_argument("--user", help="Username recorded as the author in the history.")

    def run(self, path: Path, *, dry_run: bool, user, **options) -> Any:
        """Import the file at `path`; return the service's result."""
        raise NotImplementedError

    def summary(self, result: Any) -> str:
        """What `result` created or changed, e.g. "2 deals, 1 new accounts"."""
        raise NotImplementedError

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

        result = self.run(path, dry_run=dry_run, user=author, **options)

        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            count = len(result.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} in {path.name}; nothing was written."
            )
        if dry_run:
            self.stdout.write(
                f"Dry run, nothing was written. Importing {path.name} {self.would} "
                f"{self.summary(result)}."
            )
        else:
            self.stdout.write(f"Imported {path.name}: {self.summary(result)}.")
