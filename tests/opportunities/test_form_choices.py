"""The deal form's selects offer, from the lookup cache, exactly what their querysets select."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from opportunities.forms import OpportunityForm
from opportunities.models import Opportunity, Stage
from pipeline_crm.lookups import LookupMemoMiddleware
from tests.factories import (
    BusinessAreaFactory,
    OpportunityFactory,
    StageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SELECTS = (
    "deal_type",
    "owner",
    "co_responsible",
    "business_area",
    "source",
    "stage",
    "forecast_category",
    "competitor",
)


def _selects(opportunity, language) -> dict[str, str]:
    with translation.override(language):
        form = OpportunityForm(instance=opportunity)
        return {name: str(form[name]) for name in SELECTS}


def _in_a_request(function):
    """`function()` run as a view would: with the request's lookup memo (the cache path)."""
    return LookupMemoMiddleware(lambda request: function())(RequestFactory().get("/"))


@pytest.fixture
def lookups():
    # Names whose order differs by language, a retired area and a retired and a won stage.
    BusinessAreaFactory(name="Alpha", name_sv="Östra", order=1)
    BusinessAreaFactory(name="Beta", name_sv="Berg", order=1)
    retired = BusinessAreaFactory(name="Gamma", name_sv="Gamla", order=1, is_active=False)
    StageFactory(name="Zulu", name_sv="Avslut", order=5)
    StageFactory(name="Yankee", name_sv="Bud", order=5)
    StageFactory(name="Won", order=9, is_won_stage=True, default_probability=100)
    old_stage = StageFactory(name="Old", order=4, is_active=False)
    UserFactory(first_name="Åsa", username="asa")
    UserFactory(first_name="", username="zed")
    UserFactory(first_name="Bo", username="bo", is_active=False)
    return retired, old_stage


@pytest.mark.parametrize("language", ["en", "sv", "de"])
def test_an_edited_deals_selects_are_what_their_querysets_offer(lookups, language):
    retired_area, retired_stage = lookups
    deal = OpportunityFactory(business_area=retired_area, stage=retired_stage)
    deal = Opportunity.objects.get(pk=deal.pk)
    plain = _selects(deal, language)
    assert _in_a_request(lambda: _selects(deal, language)) == plain
    assert _in_a_request(lambda: [_selects(deal, language) for _ in range(2)][1]) == plain
    assert ("Gamla" if language == "sv" else "Gamma") in plain["business_area"]  # retired


@pytest.mark.parametrize("language", ["en", "sv"])
def test_a_new_deals_selects_are_what_their_querysets_offer(lookups, language):
    plain = _selects(Opportunity(), language)
    assert _in_a_request(lambda: _selects(Opportunity(), language)) == plain
    assert "Won" not in plain["stage"]  # a new deal is not created won


def test_a_lookup_saved_between_two_requests_is_offered_in_the_next(lookups):
    deal = OpportunityFactory()
    _in_a_request(lambda: _selects(deal, "en"))
    BusinessAreaFactory(name="Delta", order=0)
    assert "Delta" in _in_a_request(lambda: _selects(deal, "en"))["business_area"]


def test_the_edit_page_reads_no_lookup_table(
    client_for, salesperson, django_assert_max_num_queries
):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    url = reverse("opportunities:edit", args=[deal.pk])
    client.get(url)  # fills the lookup caches
    # session, user, its groups, BEGIN, the deal, the lookup version, its contacts and
    # co-responsible, the first accounts and its own, the account's contacts, COMMIT
    with django_assert_max_num_queries(13) as captured:
        assert client.get(url).status_code == 200
    read = " ".join(query["sql"] for query in captured.captured_queries)
    for table in ("opportunities_stage", "accounts_businessarea", "opportunities_dealtype"):
        assert f'FROM "{table}"' not in read


def test_a_refused_post_still_offers_the_deals_own_retired_stage(lookups):
    _area, retired_stage = lookups
    deal = OpportunityFactory(stage=retired_stage)
    active = Stage.objects.filter(is_active=True, is_won_stage=False).first()

    def stage_select():
        form = OpportunityForm({"stage": active.pk}, instance=Opportunity.objects.get(pk=deal.pk))
        assert not form.is_valid()  # no name, account, version…
        return str(form["stage"])

    plain = stage_select()
    assert _in_a_request(stage_select) == plain
    assert f'value="{retired_stage.pk}"' in plain
