""" "Own or co-responsible", defined once (`responsible_condition`) and read everywhere alike."""

import pytest

from activities.models import Activity
from opportunities.access import can_edit, with_edit_flag
from opportunities.models import Opportunity
from tests.factories import ActivityFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(salesperson, other_salesperson):
    owned = OpportunityFactory(owner=salesperson, name="owned")
    shared = OpportunityFactory(owner=other_salesperson, name="shared")
    shared.co_responsible.add(salesperson)
    OpportunityFactory(owner=other_salesperson, name="other")
    return owned, shared


def _names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_the_queryset_the_list_and_the_python_check_agree(deals, salesperson):
    assert _names(Opportunity.objects.responsible_for(salesperson)) == {"owned", "shared"}
    assert _names(Opportunity.objects.owned_by(salesperson)) == {"owned", "shared"}
    parts = Opportunity.objects.owned_by_parts(salesperson)
    assert set().union(*map(_names, parts)) == {"owned", "shared"}
    for deal in Opportunity.objects.all():
        expected = deal.name in {"owned", "shared"}
        assert deal.is_responsible(salesperson) is expected
        assert can_edit(salesperson, deal) is expected
    flagged = with_edit_flag(Opportunity.objects.all(), salesperson)
    assert {d.name for d in flagged if d.user_can_edit} == {"owned", "shared"}
    assert {d.name for d in flagged if can_edit(salesperson, d)} == {"owned", "shared"}


def test_an_activity_on_a_deal_follows_the_deal(deals, salesperson, other_salesperson):
    owned, shared = deals
    other = Opportunity.objects.get(name="other")
    for deal in (owned, shared, other):
        ActivityFactory(owner=other_salesperson, opportunity=deal, account=deal.account)
    ActivityFactory(owner=salesperson, opportunity=None)
    flagged = Activity.objects.with_edit_flag(salesperson)
    editable = {(a.opportunity.name if a.opportunity else None) for a in flagged if a.user_can_edit}
    assert editable == {"owned", "shared", None}


def test_a_stranger_is_responsible_for_nothing(deals):
    assert not Opportunity.objects.responsible_for(UserFactory()).exists()
