"""Issue 15.1: every date a user or an import sets on a deal lies in 1900-01-01..2199-12-31."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from opportunities.models import Opportunity

from ..factories import OpportunityFactory
from .test_import_opportunities import run

pytestmark = pytest.mark.django_db

DATES = ("expected_close_date", "stage_date", "next_action_date", "closed_date")


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_an_imported_close_date_out_of_bounds_is_a_row_error(value, salesperson):
    result = run({"Expected close date": value})
    assert [(e.row, e.column) for e in result.errors] == [(2, "Expected close date")]
    assert "between" in result.errors[0].message
    assert not Opportunity.objects.exists()


def test_an_imported_closed_date_out_of_bounds_is_a_row_error(salesperson):
    result = run({"Status": "won", "Stage": "Order", "Closed date": "0001-01-01"})
    assert "between" in result.errors[0].message


def test_the_bounds_themselves_import(salesperson):
    result = run({"Expected close date": "2199-12-31"}, {"Expected close date": "1900-01-01"})
    assert result.errors == []


@pytest.mark.parametrize("name", DATES)
def test_full_clean_refuses_a_deal_date_out_of_bounds(name):
    deal = OpportunityFactory()
    setattr(deal, name, date(1, 1, 1))
    with pytest.raises(ValidationError) as error:
        deal.full_clean()
    assert name in error.value.message_dict


@pytest.mark.parametrize("name", DATES)
def test_the_database_refuses_a_deal_date_out_of_bounds(name):
    deal = OpportunityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=deal.pk).update(**{name: date(9999, 12, 31)})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="drops a constraint in the test")
def test_the_migration_moves_deal_dates_into_bounds():
    repair = __import__(
        "opportunities.migrations.0011_repair_dates_out_of_bounds", fromlist=["move_into_bounds"]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE opportunities_opportunity DROP CONSTRAINT opportunity_dates_in_bounds"
        )
    early, late, fine = OpportunityFactory(), OpportunityFactory(), OpportunityFactory()
    Opportunity.objects.filter(pk=early.pk).update(
        expected_close_date=date(1, 1, 1), next_action_date=date(1899, 12, 31)
    )
    Opportunity.objects.filter(pk=late.pk).update(stage_date=date(9999, 12, 31))
    before = Opportunity.objects.get(pk=fine.pk)

    repair.move_into_bounds(apps, None)

    early.refresh_from_db()
    late.refresh_from_db()
    assert early.expected_close_date == early.next_action_date == date(1900, 1, 1)
    assert late.stage_date == date(2199, 12, 31)
    after = Opportunity.objects.get(pk=fine.pk)
    assert [getattr(after, n) for n in DATES] == [getattr(before, n) for n in DATES]


@pytest.mark.parametrize("name", ["close_from", "close_to", "closed_from", "closed_to"])
def test_a_list_date_out_of_bounds_is_an_error_next_to_the_field(name, client_for, salesperson):
    from django.urls import reverse

    response = client_for(salesperson).get(reverse("opportunities:list"), {name: "9999-12-31"})
    assert response.status_code == 200
    assert "Enter a date between" in response.text
    assert 'value="9999-12-31"' in response.text  # what was typed stays


def test_the_board_refuses_a_close_date_out_of_bounds(client_for, salesperson):
    from django.urls import reverse

    response = client_for(salesperson).get(
        reverse("opportunities:board"), {"close_to": "0000-01-01"}
    )
    assert response.status_code == 200
