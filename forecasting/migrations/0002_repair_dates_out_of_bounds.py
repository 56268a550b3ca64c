# Delete budgets of months outside 1900-01..2199-12 before the next migration forbids them.
#
# No page or report can show such a month, and moving one to the nearest bound could collide
# with that month's real budget (one per area, month and salesperson).

from datetime import date

from django.db import migrations
from django.db.models import Q

FIRST, LAST = date(1900, 1, 1), date(2199, 12, 31)


def delete_out_of_bounds(apps, schema_editor):
    budgets = apps.get_model("forecasting", "Budget")._default_manager
    budgets.filter(Q(month__lt=FIRST) | Q(month__gt=LAST)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("forecasting", "0001_budgets_saved_reports"),
    ]

    operations = [migrations.RunPython(delete_out_of_bounds, migrations.RunPython.noop)]
