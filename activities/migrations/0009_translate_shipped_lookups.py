"""Activity type names per language: every name is kept as the English one, and the shipped
types (0002_default_activity_types) that still have their shipped name get the others."""

from django.db import migrations

MODELS = ("ActivityType",)

# The shipped name → its name per language; the English one stays the `name` column.
SHIPPED = {
    "ActivityType": {
        "Meeting": {"en": "Meeting", "sv": "Möte", "nb": "Møte", "pl": "Spotkanie", "de": "Termin"},
        "Phone call": {"en": "Phone call", "sv": "Telefonsamtal", "nb": "Telefonsamtale", "pl": "Rozmowa telefoniczna", "de": "Telefonat"},
        "E-mail": {"en": "E-mail", "sv": "E-post", "nb": "E-post", "pl": "E-mail", "de": "E-Mail"},
        "Seminar": {"en": "Seminar", "sv": "Seminarium", "nb": "Seminar", "pl": "Seminarium", "de": "Seminar"},
        "Task": {"en": "Task", "sv": "Uppgift", "nb": "Oppgave", "pl": "Zadanie", "de": "Aufgabe"},
        "Note": {"en": "Note", "sv": "Anteckning", "nb": "Notat", "pl": "Notatka", "de": "Notiz"},
    },
}


def _free(model, field, text, pk) -> bool:
    return not model.objects.filter(**{field: text}).exclude(pk=pk).exists()


def translate(apps, model_names, shipped):
    """Fill the language columns: the English one from `name`, then the shipped translations
    of the rows that still have their shipped name, never over a name already given or
    taken."""
    for model_name in model_names:
        model = apps.get_model(*model_name.split("."))
        names = shipped.get(model_name.split(".")[1], {})
        for row in model.objects.order_by("pk"):
            original = row.name
            if row.name_en is None or row.name_en == original:
                row.name_en = row.name
            for language, text in names.get(original, {}).items():
                field = f"name_{language}"
                given = getattr(row, field)
                if given is not None and not (language == "en" and given == original):
                    continue
                if _free(model, field, text, row.pk):
                    setattr(row, field, text)
            if row.name_en != row.name and _free(model, "name", row.name_en, row.pk):
                row.name = row.name_en  # the `name` column holds the English name
            row.save()


def untranslate(apps, model_names, shipped):
    """Back to the shipped names in the `name` column (the language columns go with the
    schema migration before this one)."""
    for model_name in model_names:
        model = apps.get_model(*model_name.split("."))
        for original, names in shipped.get(model_name.split(".")[1], {}).items():
            if _free(model, "name", original, None):
                model.objects.filter(name=names["en"]).update(name=original)


def forwards(apps, schema_editor):
    translate(apps, [f"activities.{name}" for name in MODELS], SHIPPED)


def backwards(apps, schema_editor):
    untranslate(apps, [f"activities.{name}" for name in MODELS], SHIPPED)


class Migration(migrations.Migration):
    dependencies = [("activities", "0008_lookup_name_translations")]

    operations = [migrations.RunPython(forwards, backwards)]
