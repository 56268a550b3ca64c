from accounts.import_service import import_accounts
from pipeline_crm.management.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import accounts with their contacts from a CSV or XLSX file, all rows or none. "
        "The same import as the Import page."
    )
    file_help = "A .csv (comma or semicolon separated) or .xlsx file."

    def run(self, path, *, dry_run, user, **options):
        return import_accounts(path, filename=path.name, dry_run=dry_run, user=user)

    def summary(self, result) -> str:
        return (
            f"accounts: {result.created_accounts} created, {result.updated_accounts} updated; "
            f"contacts: {result.created_contacts} created, {result.updated_contacts} updated"
        )
