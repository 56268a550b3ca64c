from opportunities.import_reader import HEADERS
from opportunities.import_service import import_opportunities
from pipeline_crm.management.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import deals from an old CRM's CSV file, all rows or none; the same import as the "
        f"Import page. Columns: {', '.join(HEADERS)}."
    )
    dry_run_help = "Check every row and report what would be created; write nothing."
    would = "would create"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-lookups",
            action="store_true",
            help="Create unknown stages, business areas and loss reasons instead of refusing.",
        )

    def run(self, path, *, dry_run, user, create_lookups: bool, **options):
        return import_opportunities(
            path, filename=path.name, dry_run=dry_run, create_lookups=create_lookups, user=user
        )

    def summary(self, result) -> str:
        summary = f"{result.created} deals, {result.created_accounts} new accounts"
        if result.created_lookups:
            summary += ", new " + ", ".join(str(lookup) for lookup in result.created_lookups)
        return summary
