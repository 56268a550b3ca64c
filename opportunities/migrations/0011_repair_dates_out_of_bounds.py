# Move deal dates outside 1900-01-01..2199-12-31 to the nearest bound, before the next migration
# forbids them. (The history keeps what was saved: those dates can be read and shown.)

from datetime import date

from django.db import migrations

FIRST, LAST = date(1900, 1, 1), date(2199, 12, 31)
FIELDS = ("expected_close_date", "stage_date", "next_action_date", "closed_date")


def move_into_bounds(apps, schema_editor):
    deals = apps.get_model("opportunities", "Opportunity")._default_manager.all()
    for name in FIELDS:
        deals.filter(**{f"{name}__lt": FIRST}).update(**{name: FIRST})
        deals.filter(**{f"{name}__gt": LAST}).update(**{name: LAST})


class Migration(migrations.Migration):

    dependencies = [
        ("opportunities", "0010_deal_totals_cleared_with_the_deals"),
    ]

    operations = [migrations.RunPython(move_into_bounds, migrations.RunPython.noop)]
