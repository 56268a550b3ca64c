"""An account export imports back as it is: the same accounts, matched by name, none added,
formula-like names without the apostrophe the export protects them with."""

import pytest
from django.urls import reverse

from accounts.import_service import import_accounts
from accounts.models import Account

from ..factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

NAMES = ["=1+1+cmd|' /C calc'!A0", "＝SUM(1)", "-Minus AB", "@Home AB", "Plain AB"]


@pytest.fixture
def accounts(salesperson):
    for name in NAMES:
        account = AccountFactory(name=name, owner=salesperson, city="+46 city")
        ContactFactory(account=account)
    return Account.objects.order_by("pk")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_without_duplicates(client_for, manager, accounts, fmt):
    before = list(accounts.values_list("pk", "name", "city", "owner_id", "segment_id"))
    response = client_for(manager).get(reverse("accounts:list"), {"export": fmt})
    data = b"".join(response.streaming_content)

    result = import_accounts(data, filename=f"accounts.{fmt}", dry_run=False, user=manager)

    assert result.errors == []
    assert result.created_accounts == 0
    assert list(accounts.values_list("pk", "name", "city", "owner_id", "segment_id")) == before


def test_a_name_with_its_own_apostrophe_keeps_it(manager):
    data = b"Name\r\n'tis AB\r\n'=1+1\r\n"
    import_accounts(data, filename="accounts.csv", dry_run=False, user=manager)
    assert set(Account.objects.values_list("name", flat=True)) == {"'tis AB", "=1+1"}
