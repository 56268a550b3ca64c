"""Out of the box: the short stage preset and the usual forecast categories, reasons and types."""

from django.db import migrations

STAGES = (
    ("1. Prospect", 10, False),
    ("2. Qualified", 20, False),
    ("3. Quote sent", 25, False),
    ("4. Short list", 50, False),
    ("5. Final negotiation", 75, False),
    ("6. Order", 100, True),
)
FORECAST = (
    ("Pipeline", "pipeline", True),
    ("Best case", "best_case", True),
    ("Commit", "commit", True),
    ("Omitted", "omitted", False),
)
LOSS_REASONS = ("Price", "Lost to a competitor", "No decision", "Timing", "Product fit")
DEAL_TYPES = ("New business", "Upsell", "Renewal")


def create(apps, schema_editor):
    Stage = apps.get_model("opportunities", "Stage")
    for order, (name, probability, won) in enumerate(STAGES, start=1):
        Stage.objects.get_or_create(
            name=name,
            defaults={"order": order * 10, "default_probability": probability, "is_won_stage": won},
        )
    ForecastCategory = apps.get_model("opportunities", "ForecastCategory")
    for order, (name, kind, counts) in enumerate(FORECAST, start=1):
        ForecastCategory.objects.get_or_create(
            name=name, defaults={"order": order * 10, "kind": kind, "counts_in_forecast": counts}
        )
    for model_name, names in (("LossReason", LOSS_REASONS), ("DealType", DEAL_TYPES)):
        model = apps.get_model("opportunities", model_name)
        for order, name in enumerate(names, start=1):
            model.objects.get_or_create(name=name, defaults={"order": order * 10})


def remove(apps, schema_editor):
    for model_name in ("Stage", "ForecastCategory", "LossReason", "DealType"):
        apps.get_model("opportunities", model_name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_opportunities_lines_lookups")]

    operations = [migrations.RunPython(create, remove)]
