from django.core.management.commands import dumpdata

from opportunities.models import DealTotals

KEPT = DealTotals._meta.label


class Command(dumpdata.Command):
    """Django's dumpdata, leaving out the kept deal totals.

    They are derived from the deals: the database's triggers count the deals again as a dump
    is loaded, so totals in the dump would count every deal twice (`opportunities.kept_totals`).
    """

    help = f"{dumpdata.Command.help} The kept deal totals ({KEPT}) are always left out."

    def handle(self, *app_labels, **options):
        options["exclude"] = [*(options.get("exclude") or []), KEPT]
        return super().handle(*app_labels, **options)
