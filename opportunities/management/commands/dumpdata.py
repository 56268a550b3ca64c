from django.core.management.commands import dumpdata

from opportunities.models import DealTotals, KeptSumsRow, SharedDeal

# Every kept sums model (each a `KeptSumsRow`), the deal totals and the shared deals' copy.
KEPT = tuple(model._meta.label for model in (DealTotals, SharedDeal, *KeptSumsRow.__subclasses__()))


class Command(dumpdata.Command):
    """Django's dumpdata, leaving out what the database keeps of the deals: the deal totals,
    the copy of the shared deals and the open deals' kept sums.

    They are derived from the deals and their links: the database's triggers count and copy
    them again as a dump is loaded, so kept rows in the dump would count every deal twice
    (`opportunities.kept_totals`, `opportunities.kept_shared`, `opportunities.kept_sums`).
    """

    help = f"{dumpdata.Command.help} What is kept of the deals ({', '.join(KEPT)}) is left out."

    def handle(self, *app_labels, **options):
        options["exclude"] = [*(options.get("exclude") or []), *KEPT]
        return super().handle(*app_labels, **options)
