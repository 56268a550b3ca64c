"""Issue 14, item 4: the deal import closes deals through `close_won` / `close_lost` and refuses
a deactivated owner; seed_demo and the bench commands find the roles by their key."""

import io
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from opportunities import services
from opportunities.management.commands.bench import Command as Bench
from opportunities.models import Opportunity
from pipeline_crm.models import Role
from pipeline_crm.roles import role_group

from .test_import_opportunities import errors_of, run

pytestmark = pytest.mark.django_db


def test_an_imported_won_deal_is_closed_by_the_service(salesperson):
    result = run(
        {"Status": "won", "Probability": "61", "Closed date": "2026-03-31"}, user=salesperson
    )
    assert result.errors == []
    deal = Opportunity.objects.get()
    assert (deal.status, deal.probability, deal.closed_date) == ("won", 100, date(2026, 3, 31))
    assert deal.closed_by == salesperson
    # What only the service keeps: the hand-set value a reopen gives back.
    services.reopen(deal, user=salesperson, seen_version=deal.version)
    assert (deal.probability, deal.is_probability_manual) == (61, True)


def test_an_imported_deal_in_the_won_stage_keeps_the_files_closed_date(salesperson):
    run({"Status": "won", "Stage": "Order", "Closed date": "2026-02-01"})
    deal = Opportunity.objects.get()
    assert (deal.status, deal.closed_date, deal.probability) == ("won", date(2026, 2, 1), 100)


def test_an_imported_lost_deal_is_closed_by_the_service(salesperson):
    run({"Status": "lost", "Loss reason": "Price", "Closed date": "2026-01-15"})
    deal = Opportunity.objects.get()
    assert (deal.status, deal.loss_reason.name, deal.probability) == ("lost", "Price", 0)
    assert deal.history.count() == 1  # one record per imported deal, as the file left it


def test_a_deactivated_owner_is_a_row_error(salesperson):
    salesperson.is_active = False
    salesperson.save()
    result = run({"Owner": "alice"})
    assert errors_of(result) == [(2, "Owner")]
    assert "deactivated" in str(result.errors[0])
    assert not Opportunity.objects.exists()


def _rename_role_groups():
    for group in Group.objects.filter(crm_role__isnull=False):
        group.name = f"Renamed {group.pk}"
        group.save()


def test_seed_demo_finds_the_roles_by_key():
    _rename_role_groups()
    call_command("seed_demo", deals=20, stdout=io.StringIO(), stderr=io.StringIO())
    salespeople = role_group(Role.SALESPERSON).user_set
    assert set(salespeople.values_list("username", flat=True)) == {"anna", "erik", "ingrid"}
    assert role_group(Role.SALES_MANAGER).user_set.get().username == "magnus"
    assert Opportunity.objects.filter(owner__username="anna").exists()


def test_bench_finds_the_roles_by_key(manager, salesperson):
    _rename_role_groups()
    found_manager, found_salesperson = Bench()._users()[:2]
    assert (found_manager, found_salesperson) == (manager, salesperson)
