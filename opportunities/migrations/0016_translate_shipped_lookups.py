"""Lookup names per language for what existing installations have: every name is kept as the
English one; stage names lose their "N. " prefix (the order is the `order` field); the shipped
stages, presets and lookups that still have their shipped name get the other languages."""

import re

from django.db import migrations

LANGUAGES = ("en", "sv", "nb", "pl", "de")
MODELS = ("Stage", "ForecastCategory", "LossReason", "DealType", "ProductGroup")
NUMBERED = re.compile(r"^\d+\.\s+(?=\S)")

# The shipped name (as 0002_default_lookups, the presets or seed_demo made it) → its name per
# language; the English one becomes the `name` column.
SHIPPED = {
    "Stage": {
        "1. Prospect": {"en": "Prospect", "sv": "Prospekt", "nb": "Prospekt", "pl": "Prospekt", "de": "Interessent"},
        "2. Qualified": {"en": "Qualified", "sv": "Kvalificerad", "nb": "Kvalifisert", "pl": "Zakwalifikowany", "de": "Qualifiziert"},
        "3. Quote sent": {"en": "Quote sent", "sv": "Offert skickad", "nb": "Tilbud sendt", "pl": "Oferta wysłana", "de": "Angebot versendet"},
        "4. Short list": {"en": "Short list", "sv": "Kortlista", "nb": "Kortliste", "pl": "Krótka lista", "de": "Engere Wahl"},
        "5. Final negotiation": {"en": "Final negotiation", "sv": "Slutförhandling", "nb": "Sluttforhandling", "pl": "Negocjacje końcowe", "de": "Schlussverhandlung"},
        "6. Order": {"en": "Order", "sv": "Order", "nb": "Ordre", "pl": "Zlecenie", "de": "Auftrag"},
        "Nowy Prospekt": {"en": "New prospect", "sv": "Nytt prospekt", "nb": "Nytt prospekt", "pl": "Nowy Prospekt", "de": "Neuer Interessent"},
        "Informacje o potrzebie": {"en": "Needs information", "sv": "Behovsinformation", "nb": "Behovsinformasjon", "pl": "Informacje o potrzebie", "de": "Bedarfsinformationen"},
        "Firma": {"en": "Company", "sv": "Företaget", "nb": "Bedriften", "pl": "Firma", "de": "Unternehmen"},
        "Spotkanie": {"en": "First meeting", "sv": "Första möte", "nb": "Første møte", "pl": "Spotkanie", "de": "Erstgespräch"},
        "Analiza możliwości": {"en": "Needs analysis", "sv": "Behovsanalys", "nb": "Behovsanalyse", "pl": "Analiza możliwości", "de": "Bedarfsanalyse"},
        "Rozwój Projektu": {"en": "Project development", "sv": "Projektutveckling", "nb": "Prosjektutvikling", "pl": "Rozwój Projektu", "de": "Projektentwicklung"},
        "Prezentacja Projektu": {"en": "Project presentation", "sv": "Projektpresentation", "nb": "Prosjektpresentasjon", "pl": "Prezentacja Projektu", "de": "Projektpräsentation"},
        "Ocena ze strony Prospektu": {"en": "Prospect's evaluation", "sv": "Kundens utvärdering", "nb": "Kundens vurdering", "pl": "Ocena ze strony Prospektu", "de": "Bewertung durch den Interessenten"},
        "Przygotowanie Projektu 2": {"en": "Project 2 preparation", "sv": "Förberedelse av projekt 2", "nb": "Forberedelse av prosjekt 2", "pl": "Przygotowanie Projektu 2", "de": "Vorbereitung Projekt 2"},
        "Prezentacja Projektu 2": {"en": "Project 2 presentation", "sv": "Presentation av projekt 2", "nb": "Presentasjon av prosjekt 2", "pl": "Prezentacja Projektu 2", "de": "Präsentation Projekt 2"},
        "Ocena ze strony Prospektu Projektu 2": {"en": "Prospect's evaluation of project 2", "sv": "Kundens utvärdering av projekt 2", "nb": "Kundens vurdering av prosjekt 2", "pl": "Ocena ze strony Prospektu Projektu 2", "de": "Bewertung von Projekt 2 durch den Interessenten"},
        "Negocjacje": {"en": "Negotiation", "sv": "Förhandling", "nb": "Forhandling", "pl": "Negocjacje", "de": "Verhandlung"},
        "Negocjacje 2": {"en": "Negotiation 2", "sv": "Förhandling 2", "nb": "Forhandling 2", "pl": "Negocjacje 2", "de": "Verhandlung 2"},
        "Zamówienie": {"en": "Order signed", "sv": "Order undertecknad", "nb": "Ordre signert", "pl": "Zamówienie", "de": "Auftrag unterschrieben"},
        "Dostawa": {"en": "Delivery", "sv": "Leverans", "nb": "Levering", "pl": "Dostawa", "de": "Lieferung"},
        "Faktura": {"en": "Invoice", "sv": "Faktura", "nb": "Faktura", "pl": "Faktura", "de": "Rechnung"},
        "Należność 100": {"en": "Paid in full", "sv": "Fullt betald", "nb": "Fullt betalt", "pl": "Należność 100", "de": "Vollständig bezahlt"},
    },
    "ForecastCategory": {
        "Pipeline": {"en": "Pipeline", "sv": "Pipeline", "nb": "Pipeline", "pl": "Lejek", "de": "Pipeline"},
        "Best case": {"en": "Best case", "sv": "Bästa fall", "nb": "Beste tilfelle", "pl": "Najlepszy scenariusz", "de": "Best Case"},
        "Commit": {"en": "Commit", "sv": "Åtagande", "nb": "Forpliktet", "pl": "Zobowiązanie", "de": "Zugesagt"},
        "Omitted": {"en": "Omitted", "sv": "Utelämnad", "nb": "Utelatt", "pl": "Pominięte", "de": "Ausgelassen"},
    },
    "LossReason": {
        "Price": {"en": "Price", "sv": "Pris", "nb": "Pris", "pl": "Cena", "de": "Preis"},
        "Lost to a competitor": {"en": "Lost to a competitor", "sv": "Förlorad till konkurrent", "nb": "Tapt til konkurrent", "pl": "Wygrała konkurencja", "de": "An Wettbewerber verloren"},
        "No decision": {"en": "No decision", "sv": "Inget beslut", "nb": "Ingen beslutning", "pl": "Brak decyzji", "de": "Keine Entscheidung"},
        "Timing": {"en": "Timing", "sv": "Fel tidpunkt", "nb": "Feil tidspunkt", "pl": "Nieodpowiedni moment", "de": "Falscher Zeitpunkt"},
        "Product fit": {"en": "Product fit", "sv": "Produkten passade inte", "nb": "Produktet passet ikke", "pl": "Niedopasowanie produktu", "de": "Produkt passt nicht"},
    },
    "DealType": {
        "New business": {"en": "New business", "sv": "Nyförsäljning", "nb": "Nysalg", "pl": "Nowa sprzedaż", "de": "Neugeschäft"},
        "Upsell": {"en": "Upsell", "sv": "Merförsäljning", "nb": "Mersalg", "pl": "Sprzedaż dodatkowa", "de": "Zusatzverkauf"},
        "Renewal": {"en": "Renewal", "sv": "Förnyelse", "nb": "Fornyelse", "pl": "Odnowienie", "de": "Verlängerung"},
    },
    "ProductGroup": {
        "Licences": {"en": "Licences", "sv": "Licenser", "nb": "Lisenser", "pl": "Licencje", "de": "Lizenzen"},
        "Services": {"en": "Services", "sv": "Tjänster", "nb": "Tjenester", "pl": "Usługi", "de": "Dienstleistungen"},
        "Hardware": {"en": "Hardware", "sv": "Hårdvara", "nb": "Maskinvare", "pl": "Sprzęt", "de": "Hardware"},
        "Support agreements": {"en": "Support agreements", "sv": "Supportavtal", "nb": "Supportavtaler", "pl": "Umowy serwisowe", "de": "Supportverträge"},
    },
}


def _free(model, field, text, pk) -> bool:
    return not model.objects.filter(**{field: text}).exclude(pk=pk).exists()


def translate(apps, model_names, shipped, strip_numbers=()):
    """Fill the language columns: the English one from `name` (with a stage's "N. " prefix
    dropped, unless another stage has that name), then the shipped translations of the rows
    that still have their shipped name, never over a name already given or taken."""
    for model_name in model_names:
        model = apps.get_model(*model_name.split("."))
        names = shipped.get(model_name.split(".")[1], {})
        for row in model.objects.order_by("pk"):
            original = row.name
            if model_name in strip_numbers and original not in names:
                stripped = NUMBERED.sub("", original)
                if stripped != original and _free(model, "name", stripped, row.pk):
                    row.name = stripped
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
    models = [f"opportunities.{name}" for name in MODELS]
    translate(apps, models, SHIPPED, strip_numbers=("opportunities.Stage",))


def backwards(apps, schema_editor):
    untranslate(apps, [f"opportunities.{name}" for name in MODELS], SHIPPED)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0015_lookup_name_translations")]

    operations = [migrations.RunPython(forwards, backwards)]
