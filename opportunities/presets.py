"""Stage presets an administrator can load: (name, default probability, won stage, description)."""

from django.utils.translation import gettext_lazy as _

SHORT = (
    ("1. Prospect", 10, False, "A possible deal: who, what, when and how much."),
    ("2. Qualified", 20, False, "Need, budget and decision maker confirmed."),
    ("3. Quote sent", 25, False, "A quote or proposal is with the customer."),
    ("4. Short list", 50, False, "We are on the customer's short list."),
    ("5. Final negotiation", 75, False, "Negotiating price and terms."),
    ("6. Order", 100, True, "The customer signed: the deal is won."),
)

# Seed 001 (Polish sales funnel): 17 stages with their percentages; "Należność 100" is won.
SEED_001 = (
    ("Nowy Prospekt", 0, False, "Potencjalny Klient (Prospekt) w przyszłości."),
    ("Informacje o potrzebie", 1, False, "Dane niezbędne do rozpoznania Prospektu."),
    ("Firma", 2, False, "Pierwsze nawiązanie kontaktu z Prospektem."),
    ("Spotkanie", 3, False, "Pierwsze spotkanie z Prospektem."),
    ("Analiza możliwości", 5, False, "Zebranie i zaznajomienie się z potrzebami Prospektu."),
    ("Rozwój Projektu", 10, False, "Przygotowanie propozycji Projektu."),
    ("Prezentacja Projektu", 15, False, "Prezentacja Projektu zaspokajającego potrzeby Prospektu."),
    ("Ocena ze strony Prospektu", 20, False, "Informacja o ocenie zaproponowanego Projektu."),
    ("Przygotowanie Projektu 2", 25, False, "Firma przygotowuje rozwiązanie numer 2."),
    ("Prezentacja Projektu 2", 30, False, "Prezentacja Projektu 2 dla Prospektu."),
    ("Ocena ze strony Prospektu Projektu 2", 35, False, "Ocena zaproponowanego Projektu 2."),
    ("Negocjacje", 40, False, "Negocjacje: cena, warunki dostawy, serwis, gwarancja, jakość."),
    ("Negocjacje 2", 50, False, "2. etap negocjacji, bez zobowiązań finansowych."),
    ("Zamówienie", 80, False, "Prospekt podpisał zamówienie, umowę."),
    ("Dostawa", 85, False, "Podpisanie protokołu realizacji Projektu."),
    ("Faktura", 95, False, "Wystawienie faktury za dostarczone rozwiązanie."),
    ("Należność 100", 100, True, "Otrzymanie 100% należności od Klienta."),
)

PRESETS = {
    "short": (_("Short default set (6 stages)"), SHORT),
    "seed001": (_("17-stage sales funnel (seed 001)"), SEED_001),
}
