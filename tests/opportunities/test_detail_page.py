"""The deal page knows whether the user may change the deal from the co-responsible users it
shows (no query of its own); its panels read the answer."""

import pytest
from django.urls import reverse

from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

RESPONSIBLE_CHECK = 'SELECT 1 AS "a" FROM "opportunities_opportunity" WHERE'  # is_responsible


@pytest.fixture
def shared_deal(salesperson, co_responsible):
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    return deal


def _page(client, deal, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as captured:
        response = client.get(reverse("opportunities:detail", args=[deal.pk]))
    assert response.status_code == 200
    checks = [q for q in captured.captured_queries if RESPONSIBLE_CHECK in q["sql"]]
    return response.content.decode(), len(checks)


def test_a_co_responsible_is_checked_without_a_query_and_may_add_quotes_and_documents(
    client_for, co_responsible, shared_deal, django_assert_max_num_queries
):
    html, checks = _page(client_for(co_responsible), shared_deal, django_assert_max_num_queries)
    assert checks == 0
    assert reverse("quotes:create", args=[shared_deal.pk]) in html
    assert 'name="file"' in html  # the document upload form


def test_an_outsider_is_checked_without_a_query_and_may_add_neither(
    client_for, other_salesperson, shared_deal, django_assert_max_num_queries
):
    html, checks = _page(client_for(other_salesperson), shared_deal, django_assert_max_num_queries)
    assert checks == 0
    assert reverse("quotes:create", args=[shared_deal.pk]) not in html
    assert 'name="file"' not in html


def test_the_owner_may_change_the_deal_and_sees_its_buttons(
    client_for, salesperson, shared_deal, django_assert_max_num_queries
):
    html, checks = _page(client_for(salesperson), shared_deal, django_assert_max_num_queries)
    assert checks == 0
    assert reverse("opportunities:edit", args=[shared_deal.pk]) in html
    assert reverse("quotes:create", args=[shared_deal.pk]) in html


def test_is_responsible_reads_the_given_co_responsible_ids(
    salesperson, co_responsible, other_salesperson, shared_deal, django_assert_num_queries
):
    ids = [co_responsible.pk]
    with django_assert_num_queries(0):
        assert shared_deal.is_responsible(co_responsible, co_responsible=ids)
        assert shared_deal.is_responsible(salesperson, co_responsible=[])
        assert not shared_deal.is_responsible(other_salesperson, co_responsible=ids)
    # The same answers as the query's.
    assert shared_deal.is_responsible(co_responsible)
    assert not shared_deal.is_responsible(other_salesperson)
