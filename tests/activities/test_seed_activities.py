from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from activities.models import Activity

from ..factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def seed(n: int) -> str:
    out = StringIO()
    call_command("seed_activities", "--activities", str(n), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def crm(salesperson, other_salesperson):
    for _ in range(4):
        deal = OpportunityFactory(owner=salesperson)
        ContactFactory.create_batch(2, account=deal.account)
    AccountFactory.create_batch(3)


def test_seed_tops_up_to_the_number_wanted(crm):
    assert "60 added" in seed(60)
    assert Activity.objects.count() == 60
    assert "15 added" in seed(75)
    assert Activity.objects.count() == 75
    assert "none added" in seed(50)
    assert Activity.objects.count() == 75


def test_seeded_activities_keep_the_rules(crm):
    seed(300)
    assert (
        not Activity.objects.exclude(contact=None).exclude(contact__account=F("account")).exists()
    )
    assert (
        not Activity.objects.exclude(opportunity=None)
        .exclude(opportunity__account=F("account"))
        .exists()
    )
    assert not Activity.objects.filter(is_done=True, completed_at=None).exists()
    assert not Activity.objects.filter(is_done=False).exclude(completed_at=None).exists()
    tasks = Activity.objects.exclude(due_date=None)
    assert tasks.exists() and not tasks.exclude(end=None).exists()
    assert Activity.objects.filter(is_done=True).exists()
    assert Activity.objects.filter(is_done=False).exists()


def test_seed_needs_accounts_and_users():
    with pytest.raises(CommandError):
        seed(10)
