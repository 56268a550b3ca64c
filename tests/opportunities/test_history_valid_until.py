"""Each row of a deal's history knows until when it stood (`valid_until`), kept by the database
whatever writes the history (migration 0015; forecasting.asof reads it on PostgreSQL)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.utils import timezone

from opportunities.models import STILL_CURRENT, Opportunity

from ..factories import OpportunityFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="kept by PostgreSQL triggers only"
    ),
]
History = Opportunity.history.model


def chains_hold() -> bool:
    """Every row valid until its deal's next row (history_date, history_id), the last one
    until STILL_CURRENT."""
    rows = list(History.objects.order_by("id", "history_date", "history_id"))
    for row, following in zip(rows, [*rows[1:], None], strict=True):
        same_deal = following is not None and following.id == row.id
        expected = following.history_date if same_deal else STILL_CURRENT
        if row.valid_until != expected:
            return False
    return True


def saved_three_times() -> Opportunity:
    deal = OpportunityFactory()
    for amount in ("100.00", "200.00"):
        deal.amount = amount
        deal.save()
    return deal


def test_each_save_ends_the_row_before():
    deal = saved_three_times()
    rows = list(deal.history.order_by("history_date", "history_id"))
    assert len(rows) == 3
    assert [r.valid_until for r in rows] == [
        rows[1].history_date,
        rows[2].history_date,
        STILL_CURRENT,
    ]


def test_a_row_written_for_the_past_slots_in_between():
    deal = saved_three_times()
    first = deal.history.earliest("history_date")
    old = History.objects.get(pk=first.pk)
    old.pk = None
    old.history_date = first.history_date - timedelta(days=400)
    old.amount = 5
    old.save()
    assert chains_hold()
    assert History.objects.get(pk=old.pk).valid_until == first.history_date


def test_rows_bulk_written_in_any_order_are_chained():
    deal = saved_three_times()
    now = timezone.now()
    copies = []
    for days in (10, 900, 30):
        row = deal.history.latest("history_date")
        row.pk, row.history_date = None, now - timedelta(days=days)
        copies.append(row)
    History.objects.bulk_create(copies)
    assert chains_hold()


def test_moving_a_history_date_rechains_the_deal():
    deal = saved_three_times()
    deal.history.filter(amount=100).update(history_date=timezone.now() + timedelta(days=1))
    assert chains_hold()
    newest = deal.history.order_by("-history_date").first()
    assert newest.amount == 100 and newest.valid_until == STILL_CURRENT


def test_deleting_a_row_extends_the_one_before():
    deal = saved_three_times()
    deal.history.filter(amount=200).delete()
    assert chains_hold()
    assert deal.history.get(amount=100).valid_until == STILL_CURRENT


def test_a_deleted_deal_ends_with_its_deletion_row():
    deal = saved_three_times()
    pk = deal.pk
    deal.delete()
    assert chains_hold()
    assert History.objects.get(id=pk, history_type="-").valid_until == STILL_CURRENT


def test_a_wrong_value_written_by_hand_is_put_right():
    deal = saved_three_times()
    deal.history.update(valid_until=timezone.now())
    assert chains_hold()


def test_other_deals_are_left_alone():
    deal, other = saved_three_times(), saved_three_times()
    before = list(other.history.values_list("history_id", "valid_until"))
    deal.amount = 300
    deal.save()
    assert list(other.history.values_list("history_id", "valid_until")) == before


def test_check_reports_a_disabled_trigger():
    call_command("check")
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE opportunities_historicalopportunity "
            "DISABLE TRIGGER opp_history_valid_until_insert"
        )
    with pytest.raises(SystemCheckError, match="opportunities.E003"):
        call_command("check")
