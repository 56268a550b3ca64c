"""The deal page asks once whether the user may change the deal; its panels read the answer."""

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


def test_a_co_responsible_is_checked_once_and_may_add_quotes_and_documents(
    client_for, co_responsible, shared_deal, django_assert_max_num_queries
):
    html, checks = _page(client_for(co_responsible), shared_deal, django_assert_max_num_queries)
    assert checks == 1
    assert reverse("quotes:create", args=[shared_deal.pk]) in html
    assert 'name="file"' in html  # the document upload form


def test_an_outsider_is_checked_once_and_may_add_neither(
    client_for, other_salesperson, shared_deal, django_assert_max_num_queries
):
    html, checks = _page(client_for(other_salesperson), shared_deal, django_assert_max_num_queries)
    assert checks == 1
    assert reverse("quotes:create", args=[shared_deal.pk]) not in html
    assert 'name="file"' not in html
