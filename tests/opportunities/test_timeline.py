"""A deal's timeline: its stages with the day each was entered and the days spent in it, read
from its history in one query (issue 19)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Stage
from opportunities.timeline import deal_timeline

from ..factories import LossReasonFactory
from ..forecasting.test_as_of import at, change, created
from ..history_rows import remove_behind_the_guard

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)


def stage(name: str) -> Stage:
    return Stage.objects.get(name=name)


def _entries(deal, today=TODAY):
    return [
        (entry.kind, entry.stage_id, entry.entered, entry.left, entry.days)
        for entry in deal_timeline(deal.pk, today=today)
    ]


@pytest.fixture
def moved_deal(salesperson):
    """Prospect on 1 March, Qualified on 11 March (a save in between that keeps the stage),
    Quote sent on 1 April, won on 20 April."""
    deal = created(at(date(2025, 3, 1)), owner=salesperson, stage=stage("Prospect"))
    change(deal, at(date(2025, 3, 5)), amount=Decimal("5000.00"))
    change(deal, at(date(2025, 3, 11)), stage=stage("Qualified"))
    change(deal, at(date(2025, 4, 1), 23, 30), stage=stage("Quote sent"))
    won = date(2025, 4, 20)
    change(deal, at(won), status="won", probability=100, closed_date=won)
    return deal


def test_each_stage_with_its_days_up_to_the_close(moved_deal):
    assert _entries(moved_deal) == [
        ("stage", stage("Prospect").pk, date(2025, 3, 1), date(2025, 3, 11), 10),
        ("stage", stage("Qualified").pk, date(2025, 3, 11), date(2025, 4, 1), 21),
        # Entered at 23:30 Stockholm time: that is 1 April there, 31 March in UTC.
        ("stage", stage("Quote sent").pk, date(2025, 4, 1), date(2025, 4, 20), 19),
        ("won", stage("Quote sent").pk, date(2025, 4, 20), None, None),
    ]


def test_the_current_stage_runs_up_to_today(salesperson):
    deal = created(at(date(2025, 6, 1)), owner=salesperson)
    change(deal, at(date(2025, 6, 10)), stage=stage("Short list"))

    assert _entries(deal)[-1] == ("stage", stage("Short list").pk, date(2025, 6, 10), None, 20)
    assert deal_timeline(deal.pk, today=TODAY)[-1].is_current


def test_a_reopened_deal_enters_its_stage_again(salesperson):
    deal = created(at(date(2025, 5, 1)), owner=salesperson)
    change(deal, at(date(2025, 5, 4)), status="lost", loss_reason=LossReasonFactory())
    change(deal, at(date(2025, 5, 9)), status="open", loss_reason=None)

    kinds = [(kind, entered, days) for kind, _stage, entered, _left, days in _entries(deal)]
    assert kinds == [
        ("stage", date(2025, 5, 1), 3),
        ("lost", date(2025, 5, 4), None),
        ("stage", date(2025, 5, 9), 52),
    ]


def test_moving_back_and_forth_makes_a_visit_each_time(salesperson):
    deal = created(at(date(2025, 5, 1)), owner=salesperson)
    change(deal, at(date(2025, 5, 2)), stage=stage("Qualified"))
    change(deal, at(date(2025, 5, 2), 15), stage=stage("Prospect"))

    assert [(s, d) for _k, s, _e, _l, d in _entries(deal, date(2025, 5, 3))] == [
        (stage("Prospect").pk, 1),
        (stage("Qualified").pk, 0),
        (stage("Prospect").pk, 1),
    ]


def test_other_deals_histories_do_not_mix_in(moved_deal, salesperson):
    other = created(at(date(2025, 3, 2)), owner=salesperson, stage=stage("Short list"))

    assert len(_entries(moved_deal)) == 4
    assert [kind for kind, *_rest in _entries(other)] == ["stage"]


def test_timeline_is_one_query(moved_deal, django_assert_num_queries):
    with django_assert_num_queries(1):
        deal_timeline(moved_deal.pk, today=TODAY)


def test_deal_page_shows_the_timeline(client_for, salesperson, moved_deal):
    response = client_for(salesperson).get(reverse("opportunities:detail", args=[moved_deal.pk]))

    html = response.content.decode()
    assert 'id="timeline"' in html
    timeline = html[html.index('id="timeline"') :]
    assert timeline.index("Prospect") < timeline.index("Qualified")
    assert "21 days" in timeline


def test_deal_page_query_count_does_not_grow_with_the_history(
    client_for, salesperson, django_assert_max_num_queries
):
    deal = created(at(date(2025, 3, 1)), owner=salesperson)
    client = client_for(salesperson)
    url = reverse("opportunities:detail", args=[deal.pk])
    client.get(url)  # fill the lookup caches
    with django_assert_max_num_queries(30) as short:
        client.get(url)
    for day, name in enumerate(["Qualified", "Quote sent", "Short list", "Prospect"]):
        change(deal, at(date(2025, 3, 2 + day)), stage=stage(name))
    with django_assert_max_num_queries(len(short.captured_queries)):
        client.get(url)


def test_a_deleted_stage_in_the_history_still_has_its_entry(client_for, salesperson):
    temporary = Stage.objects.create(name="Temporary", order=15, default_probability=15)
    deal = created(at(date(2025, 3, 1)), owner=salesperson, stage=stage("Prospect"))
    change(deal, at(date(2025, 3, 4)), stage=temporary)
    change(deal, at(date(2025, 3, 11)), stage=stage("Qualified"))
    temporary_id = temporary.pk
    remove_behind_the_guard(temporary)

    response = client_for(salesperson).get(reverse("opportunities:detail", args=[deal.pk]))

    assert [entry[1:] for entry in _entries(deal)][1] == (
        temporary_id,
        date(2025, 3, 4),
        date(2025, 3, 11),
        7,
    )
    assert response.status_code == 200
    timeline = response.content.decode().split('id="timeline"')[1]
    assert "7 days" in timeline
