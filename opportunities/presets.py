"""Stage presets an administrator can load: (name, default probability, won stage, description)."""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SHORT = (
    ("Prospect", 10, False, "A possible deal: who, what, when and how much."),
    ("Qualified", 20, False, "Need, budget and decision maker confirmed."),
    ("Quote sent", 25, False, "A quote or proposal is with the customer."),
    ("Short list", 50, False, "We are on the customer's short list."),
    ("Final negotiation", 75, False, "Negotiating price and terms."),
    ("Order", 100, True, "The customer signed: the deal is won."),
)

# Seed 001 (Polish sales funnel): 17 stages with their percentages; "Należność 100" (in English
# "Paid in full") is won. Its names are the seed's Polish ones, in NAMES under "pl".
SEED_001 = (
    ("New prospect", 0, False, "Potencjalny Klient (Prospekt) w przyszłości."),
    ("Needs information", 1, False, "Dane niezbędne do rozpoznania Prospektu."),
    ("Company", 2, False, "Pierwsze nawiązanie kontaktu z Prospektem."),
    ("First meeting", 3, False, "Pierwsze spotkanie z Prospektem."),
    ("Needs analysis", 5, False, "Zebranie i zaznajomienie się z potrzebami Prospektu."),
    ("Project development", 10, False, "Przygotowanie propozycji Projektu."),
    ("Project presentation", 15, False, "Prezentacja Projektu zaspokajającego potrzeby Prospektu."),
    ("Prospect's evaluation", 20, False, "Informacja o ocenie zaproponowanego Projektu."),
    ("Project 2 preparation", 25, False, "Firma przygotowuje rozwiązanie numer 2."),
    ("Project 2 presentation", 30, False, "Prezentacja Projektu 2 dla Prospektu."),
    ("Prospect's evaluation of project 2", 35, False, "Ocena zaproponowanego Projektu 2."),
    ("Negotiation", 40, False, "Negocjacje: cena, warunki dostawy, serwis, gwarancja, jakość."),
    ("Negotiation 2", 50, False, "2. etap negocjacji, bez zobowiązań finansowych."),
    ("Order signed", 80, False, "Prospekt podpisał zamówienie, umowę."),
    ("Delivery", 85, False, "Podpisanie protokołu realizacji Projektu."),
    ("Invoice", 95, False, "Wystawienie faktury za dostarczone rozwiązanie."),
    ("Paid in full", 100, True, "Otrzymanie 100% należności od Klienta."),
)

# Each preset stage's name in the other languages, by its English name (the stage's `name`
# column). Loading a preset fills the languages a stage has no name in; an administrator's
# own names stay. Unique per language across both presets, as a stage's name is.
NAMES = {
    "Prospect": {"sv": "Prospekt", "nb": "Prospekt", "pl": "Prospekt", "de": "Interessent"},
    "Qualified": {
        "sv": "Kvalificerad",
        "nb": "Kvalifisert",
        "pl": "Zakwalifikowany",
        "de": "Qualifiziert",
    },
    "Quote sent": {
        "sv": "Offert skickad",
        "nb": "Tilbud sendt",
        "pl": "Oferta wysłana",
        "de": "Angebot versendet",
    },
    "Short list": {
        "sv": "Kortlista",
        "nb": "Kortliste",
        "pl": "Krótka lista",
        "de": "Engere Wahl",
    },
    "Final negotiation": {
        "sv": "Slutförhandling",
        "nb": "Sluttforhandling",
        "pl": "Negocjacje końcowe",
        "de": "Schlussverhandlung",
    },
    "Order": {"sv": "Order", "nb": "Ordre", "pl": "Zlecenie", "de": "Auftrag"},
    "New prospect": {
        "sv": "Nytt prospekt",
        "nb": "Nytt prospekt",
        "pl": "Nowy Prospekt",
        "de": "Neuer Interessent",
    },
    "Needs information": {
        "sv": "Behovsinformation",
        "nb": "Behovsinformasjon",
        "pl": "Informacje o potrzebie",
        "de": "Bedarfsinformationen",
    },
    "Company": {"sv": "Företaget", "nb": "Bedriften", "pl": "Firma", "de": "Unternehmen"},
    "First meeting": {
        "sv": "Första möte",
        "nb": "Første møte",
        "pl": "Spotkanie",
        "de": "Erstgespräch",
    },
    "Needs analysis": {
        "sv": "Behovsanalys",
        "nb": "Behovsanalyse",
        "pl": "Analiza możliwości",
        "de": "Bedarfsanalyse",
    },
    "Project development": {
        "sv": "Projektutveckling",
        "nb": "Prosjektutvikling",
        "pl": "Rozwój Projektu",
        "de": "Projektentwicklung",
    },
    "Project presentation": {
        "sv": "Projektpresentation",
        "nb": "Prosjektpresentasjon",
        "pl": "Prezentacja Projektu",
        "de": "Projektpräsentation",
    },
    "Prospect's evaluation": {
        "sv": "Kundens utvärdering",
        "nb": "Kundens vurdering",
        "pl": "Ocena ze strony Prospektu",
        "de": "Bewertung durch den Interessenten",
    },
    "Project 2 preparation": {
        "sv": "Förberedelse av projekt 2",
        "nb": "Forberedelse av prosjekt 2",
        "pl": "Przygotowanie Projektu 2",
        "de": "Vorbereitung Projekt 2",
    },
    "Project 2 presentation": {
        "sv": "Presentation av projekt 2",
        "nb": "Presentasjon av prosjekt 2",
        "pl": "Prezentacja Projektu 2",
        "de": "Präsentation Projekt 2",
    },
    "Prospect's evaluation of project 2": {
        "sv": "Kundens utvärdering av projekt 2",
        "nb": "Kundens vurdering av prosjekt 2",
        "pl": "Ocena ze strony Prospektu Projektu 2",
        "de": "Bewertung von Projekt 2 durch den Interessenten",
    },
    "Negotiation": {
        "sv": "Förhandling",
        "nb": "Forhandling",
        "pl": "Negocjacje",
        "de": "Verhandlung",
    },
    "Negotiation 2": {
        "sv": "Förhandling 2",
        "nb": "Forhandling 2",
        "pl": "Negocjacje 2",
        "de": "Verhandlung 2",
    },
    "Order signed": {
        "sv": "Order undertecknad",
        "nb": "Ordre signert",
        "pl": "Zamówienie",
        "de": "Auftrag unterschrieben",
    },
    "Delivery": {"sv": "Leverans", "nb": "Levering", "pl": "Dostawa", "de": "Lieferung"},
    "Invoice": {"sv": "Faktura", "nb": "Faktura", "pl": "Faktura", "de": "Rechnung"},
    "Paid in full": {
        "sv": "Fullt betald",
        "nb": "Fullt betalt",
        "pl": "Należność 100",
        "de": "Vollständig bezahlt",
    },
}


def stage_name(english: str, language: str | None = None) -> str:
    """A preset stage's name in `language` (default: the active one; English (UK) reads the
    English), its English name where NAMES has none."""
    language = (language or get_language() or "en").split("-")[0]
    return NAMES.get(english, {}).get(language, english)


def english_name(text: str) -> str:
    """The English name of the preset stage named `text` in any language (ignoring case and
    surrounding spaces); `text` itself when no preset stage has that name."""
    wanted = text.strip().casefold()
    for english, names in NAMES.items():
        if wanted in {english.casefold(), *(name.casefold() for name in names.values())}:
            return english
    return text


PRESETS = {
    "short": (_("Short default set (6 stages)"), SHORT),
    "seed001": (_("17-stage sales funnel (seed 001)"), SEED_001),
}
