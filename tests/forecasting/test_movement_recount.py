"""The movement report, read in one statement (issue 20), recounted the straightforward way:
every history row read into Python, each deal's row as of the two days picked by hand, each
deal classified by the module doc's rules. Every part's count, sum and deals must agree."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from forecasting.asof import HistoricalOpportunity, cutoff
from forecasting.periods import Period
from forecasting.reports.movement import PART_NAMES, movement_days, movement_report

from ..factories import LossReasonFactory
from .test_as_of import at, change, created

pytestmark = pytest.mark.django_db

Q2 = Period(date(2025, 4, 1), date(2025, 6, 30))


def _as_of(rows: list[dict], day: date) -> dict:
    """{deal id: its row} as of the end of `day`: the newest row before the cut-off."""
    before, standing = cutoff(day), {}
    for row in rows:
        if row["history_date"] < before:
            standing[row["id"]] = row
    return {pk: row for pk, row in standing.items() if row["history_type"] != "-"}


def straight_movement(period: Period, filters: dict, today: date) -> dict:
    """{part: [(id, before, after, status, amount), …] the largest first}."""
    start_day, end_day = movement_days(period, today)
    rows = list(HistoricalOpportunity.objects.order_by("history_date", "history_id").values())

    def pipeline(day):
        return {
            pk: row["amount"]
            for pk, row in _as_of(rows, day).items()
            if row["status"] == "open"
            and period.start <= row["expected_close_date"] <= period.end
            and (not filters.get("owner") or row["owner_id"] == filters["owner"].pk)
        }

    at_start, at_end, at_end_all = pipeline(start_day), pipeline(end_day), _as_of(rows, end_day)
    existed = {row["id"] for row in rows if row["history_date"] < cutoff(start_day)}
    parts = {name: [] for name in PART_NAMES}

    def change_of(pk, before, after, status):
        if after > before:
            parts["increases"].append((pk, before, after, status, after - before))
        elif after < before:
            parts["decreases"].append((pk, before, after, status, before - after))

    for pk, after in at_end.items():
        before = at_start.get(pk)
        parts["end"].append((pk, before, after, "open", after))
        if before is not None:
            parts["start"].append((pk, before, after, "open", before))
            change_of(pk, before, after, "open")
        else:
            kind = "pulled_in" if pk in existed else "new"
            parts[kind].append((pk, None, after, "open", after))
    for pk, before in at_start.items():
        if pk in at_end:
            continue
        later = at_end_all.get(pk)
        after, status = (later["amount"], later["status"]) if later else (before, "")
        parts["start"].append((pk, before, after, status, before))
        change_of(pk, before, after, status)
        kind = {"won": "won", "lost": "lost"}.get(status, "pushed_out")
        parts[kind].append((pk, before, after, status, after))
    return {name: sorted(moves, key=lambda m: (-m[4], m[0])) for name, moves in parts.items()}


def _random_history(seed: int, owners: list) -> None:
    """Deals created from February to August 2025, each then re-amounted, re-dated, closed,
    deleted, in a random order of random days (some on the same instant)."""
    rng = random.Random(seed)
    reason = LossReasonFactory()
    first = date(2025, 2, 1)
    for _n in range(40):
        days = sorted(
            first + timedelta(days=rng.randrange(210)) for _ in range(rng.randrange(1, 6))
        )
        when = [at(day, rng.choice([0, 9, 12, 23]), rng.choice([0, 59])) for day in days]
        deal = created(
            when[0],
            owner=rng.choice(owners),
            amount=Decimal(rng.randrange(1, 500) * 25),
            expected_close_date=first + timedelta(days=rng.randrange(240)),
        )
        for moment in when[1:]:
            event = rng.choice(["amount", "amount", "close", "close", "won", "lost", "delete"])
            if event == "amount":
                change(deal, moment, amount=Decimal(rng.randrange(0, 500) * 25) + Decimal("0.05"))
            elif event == "close":
                change(deal, moment, expected_close_date=first + timedelta(days=rng.randrange(240)))
            elif event == "won":
                change(deal, moment, status="won", probability=100, closed_date=moment.date())
                break
            elif event == "lost":
                change(deal, moment, status="lost", probability=0, loss_reason=reason)
                break
            else:
                deal._history_date = moment
                deal.delete()
                break


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("period", "today"),
    [
        (Q2, date(2025, 9, 1)),  # over
        (Q2, date(2025, 5, 20)),  # running: it ends today
        (Period(date(2025, 3, 1), date(2025, 8, 31)), date(2025, 9, 1)),
    ],
)
def test_every_part_is_the_straight_recount(seed, period, today, salesperson, other_salesperson):
    _random_history(seed, [salesperson, other_salesperson])

    for filters in ({}, {"owner": salesperson}):
        expected = straight_movement(period, filters, today)
        report = movement_report(period, filters, today=today)
        for part in report.parts:
            moves = expected[part.name]
            assert (part.count, part.amount) == (len(moves), sum(m[4] for m in moves)), part.name
            listed = movement_report(period, filters, today=today, deals_of=part.name)
            deals = listed.part(part.name).deals
            assert [(m.id, m.before, m.after, m.status, m.amount) for m in deals] == moves
            assert listed.part(part.name).count == part.count
        assert report.start + sum(p.signed for p in report.parts if p.sign) == report.end


def test_a_part_lists_its_largest_deals_first(salesperson):
    _random_history(7, [salesperson])
    expected = straight_movement(Q2, {}, date(2025, 9, 1))

    report = movement_report(Q2, {}, today=date(2025, 9, 1), deals_of="end", most=3)

    assert len(expected["end"]) > 3
    assert [m.id for m in report.part("end").deals] == [m[0] for m in expected["end"][:3]]
    assert report.part("end").count == len(expected["end"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT setting")
def test_the_statement_puts_the_jit_setting_back(salesperson):
    _random_history(4, [salesperson])

    def jit():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit')")
            return cursor.fetchone()[0]

    before = jit()
    report = movement_report(Q2, {}, today=date(2025, 9, 1))

    assert jit() == before
    assert report.start + sum(p.signed for p in report.parts if p.sign) == report.end
