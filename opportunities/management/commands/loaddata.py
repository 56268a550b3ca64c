from django.core.management.commands import loaddata

from opportunities.models import DealTotals

KEPT = DealTotals._meta.label


class Command(loaddata.Command):
    """Django's loaddata, ignoring the kept deal totals of dumps made before `dumpdata` left
    them out: the database's triggers count the loaded deals (`opportunities.kept_totals`)."""

    help = f"{loaddata.Command.help} Kept deal totals ({KEPT}) in a fixture are ignored."

    def handle(self, *fixture_labels, **options):
        options["exclude"] = [*(options.get("exclude") or []), KEPT]
        return super().handle(*fixture_labels, **options)
