from django.db import migrations

# name, kind, order: the six types of the issue; administrators rename or add in the admin.
TYPES = (
    ("Meeting", "meeting", 10),
    ("Phone call", "call", 20),
    ("E-mail", "email", 30),
    ("Seminar", "seminar", 40),
    ("Task", "task", 50),
    ("Note", "note", 60),
)


def add_types(apps, schema_editor):
    ActivityType = apps.get_model("activities", "ActivityType")
    for name, kind, order in TYPES:
        ActivityType.objects.get_or_create(name=name, defaults={"kind": kind, "order": order})


def remove_types(apps, schema_editor):
    ActivityType = apps.get_model("activities", "ActivityType")
    Activity = apps.get_model("activities", "Activity")
    used = Activity.objects.values("type_id")
    ActivityType.objects.filter(name__in=[t[0] for t in TYPES]).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_activities_documents")]

    operations = [migrations.RunPython(add_types, remove_types)]
