"""Every URL, every role (readthedocs' privacy sweep): anonymous users go to the login page,
each role gets exactly the status the role table in DESIGN.md promises."""

import pytest
from django.urls import reverse

from .factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

# (url name, args key, expected GET status per role: salesperson (not owner), owner, manager, admin)
PAGES = [
    ("dashboard", None, (200, 200, 200, 200)),
    ("password_change", None, (200, 200, 200, 200)),
    ("accounts:list", None, (200, 200, 200, 200)),
    ("accounts:create", None, (200, 200, 200, 200)),
    ("accounts:import", None, (403, 403, 200, 200)),
    ("accounts:detail", "account", (200, 200, 200, 200)),
    ("accounts:edit", "account", (200, 200, 200, 200)),
    ("accounts:delete", "account", (403, 403, 200, 200)),
    ("contacts:list", None, (200, 200, 200, 200)),
    ("contacts:create", None, (200, 200, 200, 200)),
    ("contacts:detail", "contact", (200, 200, 200, 200)),
    ("contacts:edit", "contact", (200, 200, 200, 200)),
    ("contacts:delete", "contact", (403, 403, 200, 200)),
    ("opportunities:list", None, (200, 200, 200, 200)),
    ("opportunities:board", None, (200, 200, 200, 200)),
    ("opportunities:create", None, (200, 200, 200, 200)),
    ("opportunities:import", None, (403, 403, 200, 200)),
    ("opportunities:detail", "deal", (200, 200, 200, 200)),
    ("opportunities:edit", "deal", (403, 200, 200, 200)),
    ("opportunities:close_won", "deal", (403, 200, 200, 200)),
    ("opportunities:close_lost", "deal", (403, 200, 200, 200)),
    ("opportunities:delete", "deal", (403, 403, 200, 200)),
    ("forecasting:index", None, (200, 200, 200, 200)),
    ("forecasting:budgets", None, (200, 200, 200, 200)),
    ("forecasting:budget_import", None, (403, 403, 200, 200)),
    ("forecasting:pipeline", None, (302, 302, 302, 302)),  # → the current quarter
    ("forecasting:budget", None, (302, 302, 302, 302)),
    ("forecasting:funnel", None, (200, 200, 200, 200)),
    ("forecasting:salespeople", None, (302, 302, 302, 302)),
    ("forecasting:winloss", None, (302, 302, 302, 302)),
    ("forecasting:trend", None, (302, 302, 302, 302)),
    ("forecasting:effort", None, (302, 302, 302, 302)),
    ("activities:agenda", None, (200, 200, 200, 200)),
    ("activities:create", None, (200, 200, 200, 200)),
    ("activities:calendar", None, (200, 200, 200, 200)),
    ("admin:index", None, (302, 302, 302, 200)),
]


@pytest.fixture
def objects(salesperson):
    account = AccountFactory()
    return {
        "account": [account.pk],
        "contact": [ContactFactory(account=account).pk],
        "deal": [OpportunityFactory(owner=salesperson, account=account).pk],
    }


@pytest.mark.parametrize("name,key,expected", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_per_role(
    client, objects, salesperson, other_salesperson, manager, admin_user, name, key, expected
):
    url = reverse(name, args=objects[key] if key else None)
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user, status in zip(
        (other_salesperson, salesperson, manager, admin_user), expected, strict=True
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, (name, user.username)
