"""Pages in Swedish and German read in the words of their catalogues (locale/<lang>/django.po):
the deal list and board with a retired stage, the budget grid, the reports, the jobs page, the
400 page and the password reset pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from forecasting.models import Budget
from opportunities.models import Stage

from ..factories import BusinessAreaFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

WORDS = {
    "sv": {
        "list": ["Affärer", "Affärens eller kontots namn"],
        "board": [
            "Tavla",
            "ur bruk",
            "Används inte längre: flytta de här affärerna till ett aktivt steg.",
        ],
        "budgets": ["Budgetar för", "Affärsområdena", "Ur bruk", "Spara budgetar"],
        "budget": ["Budgetjämförelse", "Affärsområdet används inte längre"],
        "pipeline": ["Pipeline per affärsområde", "ur bruk"],
        "jobs": ["Mina jobb", "Du har inga jobb ännu."],
        "bad": ["Felaktig begäran", "”before” måste vara ett heltal, inte ”x”."],
        "login": ["Glömt lösenordet?"],
        "reset": ["Återställ ditt lösenord", "E-postadress", "Skicka länken"],
    },
    "de": {
        "list": ["Verkaufschancen", "Name der Verkaufschance oder Firma"],
        "board": [
            "Board",
            "stillgelegt",
            "Nicht mehr in Gebrauch: Verschieben Sie diese Verkaufschancen in eine aktive Phase.",
        ],
        "budgets": ["Budgets für", "Die Geschäftsbereiche", "Stillgelegt", "Budgets speichern"],
        "budget": ["Budgetvergleich", "Dieser Geschäftsbereich wird nicht mehr verwendet"],
        "pipeline": ["Pipeline nach Geschäftsbereich", "stillgelegt"],
        "jobs": ["Meine Jobs", "Sie haben noch keine Jobs."],
        "bad": ["Ungültige Anfrage", "„before“ muss eine ganze Zahl sein, nicht „x“."],
        "login": ["Passwort vergessen?"],
        "reset": ["Passwort zurücksetzen", "E-Mail-Adresse", "Link senden"],
    },
}


def _get(client, language, url, data=None, status=200):
    # A report without a period redirects to its default one.
    response = client.get(url, data or {}, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status
    assert response.headers["Content-Language"] == language
    return response.content.decode()


def _assert_words(html, words):
    for word in words:
        assert word in html, word


@pytest.fixture
def retired(salesperson):
    """A deal of Alice's in a retired stage and a retired business area with a budget."""
    area = BusinessAreaFactory(name="Nord", is_active=False)
    Budget.objects.create(
        business_area=area, month=date.today().replace(day=1), amount=Decimal("4000.00")
    )
    deal = OpportunityFactory(
        owner=salesperson, stage=Stage.objects.get(name="Qualified"), business_area=area
    )
    Stage.objects.filter(name="Qualified").update(is_active=False)
    return deal


@pytest.mark.parametrize("language", sorted(WORDS))
def test_deal_pages_read_in_the_language(language, client_for, salesperson, retired):
    client = client_for(salesperson)
    words = WORDS[language]
    _assert_words(_get(client, language, reverse("opportunities:list")), words["list"])
    _assert_words(_get(client, language, reverse("opportunities:board")), words["board"])
    history = reverse("opportunities:history", args=[retired.pk])
    html = _get(client, language, history, {"before": "x-0-1"}, status=400)
    _assert_words(html, words["bad"])
    _assert_words(_get(client, language, reverse("jobs:list")), words["jobs"])


@pytest.mark.parametrize("language", sorted(WORDS))
def test_reports_and_budgets_read_in_the_language(language, client_for, manager, retired):
    client = client_for(manager)
    words = WORDS[language]
    budgets = _get(client, language, reverse("forecasting:budgets"), {"year": date.today().year})
    _assert_words(budgets, words["budgets"])
    budget = _get(client, language, reverse("forecasting:budget"))
    _assert_words(budget, words["budget"])
    pipeline = _get(client, language, reverse("forecasting:pipeline"))
    _assert_words(pipeline, words["pipeline"])


@pytest.mark.parametrize("language", sorted(WORDS))
def test_login_and_password_reset_read_in_the_language(language, client):
    words = WORDS[language]
    _assert_words(_get(client, language, reverse("login")), words["login"])
    _assert_words(_get(client, language, reverse("password_reset")), words["reset"])
