"""Lookup names per language for what existing installations have: every name is kept as the
English one; the shipped lookups (0003_classification_lookups, seed_demo's areas and
industries) that still have their shipped name get the other languages."""

from django.db import migrations

MODELS = ("BusinessArea", "Segment", "Industry", "CustomerType", "ContactRole", "LeadSource")

# The shipped name → its name per language; the English one becomes the `name` column.
SHIPPED = {
    "BusinessArea": {
        "Öst": {"en": "East", "sv": "Öst", "nb": "Øst", "pl": "Wschód", "de": "Ost"},
        "Väst": {"en": "West", "sv": "Väst", "nb": "Vest", "pl": "Zachód", "de": "West"},
        "Syd": {"en": "South", "sv": "Syd", "nb": "Sør", "pl": "Południe", "de": "Süd"},
        "Norr": {"en": "North", "sv": "Norr", "nb": "Nord", "pl": "Północ", "de": "Nord"},
    },
    "Industry": {
        "Manufacturing": {"en": "Manufacturing", "sv": "Tillverkning", "nb": "Industri", "pl": "Produkcja", "de": "Fertigung"},
        "Retail": {"en": "Retail", "sv": "Detaljhandel", "nb": "Varehandel", "pl": "Handel detaliczny", "de": "Einzelhandel"},
        "Construction": {"en": "Construction", "sv": "Bygg", "nb": "Bygg og anlegg", "pl": "Budownictwo", "de": "Bauwesen"},
        "Healthcare": {"en": "Healthcare", "sv": "Vård och omsorg", "nb": "Helse", "pl": "Ochrona zdrowia", "de": "Gesundheitswesen"},
        "IT services": {"en": "IT services", "sv": "IT-tjänster", "nb": "IT-tjenester", "pl": "Usługi IT", "de": "IT-Dienstleistungen"},
        "Energy": {"en": "Energy", "sv": "Energi", "nb": "Energi", "pl": "Energetyka", "de": "Energie"},
    },
    "CustomerType": {
        "Customer": {"en": "Customer", "sv": "Kund", "nb": "Kunde", "pl": "Klient", "de": "Kunde"},
        "Prospect": {"en": "Prospect", "sv": "Prospekt", "nb": "Prospekt", "pl": "Potencjalny klient", "de": "Interessent"},
        "Partner": {"en": "Partner", "sv": "Partner", "nb": "Partner", "pl": "Partner", "de": "Partner"},
        "Former customer": {"en": "Former customer", "sv": "Tidigare kund", "nb": "Tidligere kunde", "pl": "Były klient", "de": "Ehemaliger Kunde"},
    },
    "Segment": {
        "Enterprise": {"en": "Enterprise", "sv": "Storföretag", "nb": "Store bedrifter", "pl": "Duże przedsiębiorstwa", "de": "Großunternehmen"},
        "Mid-market": {"en": "Mid-market", "sv": "Medelstora företag", "nb": "Mellomstore bedrifter", "pl": "Średnie firmy", "de": "Mittelstand"},
        "Small business": {"en": "Small business", "sv": "Småföretag", "nb": "Småbedrifter", "pl": "Małe firmy", "de": "Kleinunternehmen"},
        "Public sector": {"en": "Public sector", "sv": "Offentlig sektor", "nb": "Offentlig sektor", "pl": "Sektor publiczny", "de": "Öffentlicher Sektor"},
    },
    "ContactRole": {
        "Decision maker": {"en": "Decision maker", "sv": "Beslutsfattare", "nb": "Beslutningstaker", "pl": "Decydent", "de": "Entscheider"},
        "Economic buyer": {"en": "Economic buyer", "sv": "Budgetansvarig", "nb": "Budsjettansvarlig", "pl": "Dysponent budżetu", "de": "Budgetverantwortlicher"},
        "Influencer": {"en": "Influencer", "sv": "Påverkare", "nb": "Påvirker", "pl": "Osoba wpływająca", "de": "Beeinflusser"},
        "User": {"en": "User", "sv": "Användare", "nb": "Bruker", "pl": "Użytkownik", "de": "Anwender"},
        "Technical contact": {"en": "Technical contact", "sv": "Teknisk kontakt", "nb": "Teknisk kontakt", "pl": "Kontakt techniczny", "de": "Technischer Ansprechpartner"},
    },
    "LeadSource": {
        "Website": {"en": "Website", "sv": "Webbplats", "nb": "Nettsted", "pl": "Strona internetowa", "de": "Website"},
        "Referral": {"en": "Referral", "sv": "Rekommendation", "nb": "Anbefaling", "pl": "Polecenie", "de": "Empfehlung"},
        "Trade fair": {"en": "Trade fair", "sv": "Mässa", "nb": "Messe", "pl": "Targi", "de": "Messe"},
        "Cold call": {"en": "Cold call", "sv": "Kall kontakt", "nb": "Kald oppringning", "pl": "Zimny telefon", "de": "Kaltakquise"},
        "Partner": {"en": "Partner", "sv": "Partner", "nb": "Partner", "pl": "Partner", "de": "Partner"},
        "Campaign": {"en": "Campaign", "sv": "Kampanj", "nb": "Kampanje", "pl": "Kampania", "de": "Kampagne"},
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
    translate(apps, [f"accounts.{name}" for name in MODELS], SHIPPED)


def backwards(apps, schema_editor):
    untranslate(apps, [f"accounts.{name}" for name in MODELS], SHIPPED)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_lookup_name_translations")]

    operations = [migrations.RunPython(forwards, backwards)]
