from django.core.management.commands import loaddata

from .dumpdata import KEPT


class Command(loaddata.Command):
    """Django's loaddata, ignoring what the database keeps of the deals in a dump made
    without our `dumpdata`: its triggers count and copy the loaded deals and links
    (`opportunities.kept_totals`, `opportunities.kept_shared`,
    `opportunities.kept_sums`)."""

    help = f"{loaddata.Command.help} Kept rows of the deals ({', '.join(KEPT)}) are ignored."

    def handle(self, *fixture_labels, **options):
        options["exclude"] = [*(options.get("exclude") or []), *KEPT]
        return super().handle(*fixture_labels, **options)
