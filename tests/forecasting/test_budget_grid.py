"""The budget grid: numbers in the user's language, the area rule, retired areas, and the
optimistic lock between managers saving at once."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from forecasting.models import Budget
from forecasting.periods import Period
from forecasting.reports.budget import budget_for_period, budget_report

from ..factories import BusinessAreaFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("forecasting:budgets")
LANGUAGES = ("en", "sv", "nb", "pl", "de")
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def east():
    return BusinessAreaFactory(name="Öst", order=1)


@pytest.fixture
def west():
    return BusinessAreaFactory(name="Väst", order=2)


def _budget(area, month, amount, salesperson=None):
    return Budget.objects.create(
        business_area=area, month=month, amount=Decimal(amount), salesperson=salesperson
    )


def _loaded(client, **params):
    """The hidden fields a manager's grid page carries: the history mark and the originals."""
    page = client.get(URL, {"year": "2026", **params})
    grid = page.context["grid"]
    originals = {}
    for row in grid.rows():
        for cell in row["cells"]:
            if cell.editable:
                originals[f"o-{cell.name[2:]}"] = cell.original
    return {"year": "2026", "seen": grid.seen, **originals, **params}


# --- numbers in the user's language --------------------------------------------------------

TYPED = {
    "en": "1,920,000.50",
    "sv": "1 920 000,50",
    "nb": "1 920 000,50",
    "pl": "1 920 000,50",
    "de": "1.920.000,50",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cell_is_read_in_the_users_language(client_for, manager, east, language):
    response = client_for(manager).post(
        URL, {"year": "2026", f"b-{east.pk}-3": TYPED[language]}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 302
    assert Budget.objects.get().amount == Decimal("1920000.50")


@pytest.mark.parametrize(("language", "typed"), [("en", "800,000"), ("de", "800.000")])
def test_thousands_in_the_languages_grouping_are_thousands(
    client_for, manager, east, language, typed
):
    client_for(manager).post(
        URL, {"year": "2026", f"b-{east.pk}-1": typed}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert Budget.objects.get().amount == Decimal("800000.00")


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "800.000"), ("sv", "800,000"), ("nb", "800,000"), ("pl", "800,000"), ("de", "800,000")],
)
def test_an_ambiguous_cell_saves_nothing_and_keeps_the_input(
    client_for, manager, east, language, typed
):
    response = client_for(manager).post(
        URL,
        {"year": "2026", f"b-{east.pk}-1": "1000", f"b-{east.pk}-2": typed},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert f'value="{typed}"' in response.text
    assert response.context["grid"].errors[f"b-{east.pk}-2"]
    assert not Budget.objects.exists()


@pytest.mark.parametrize("typed", ["1e20", "NaN", "Infinity", "100000000000000000000", "-5"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_impossible_budget_is_a_cell_error(client_for, manager, east, language, typed):
    response = client_for(manager).post(
        URL, {"year": "2026", f"b-{east.pk}-1": typed}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    assert response.context["grid"].errors[f"b-{east.pk}-1"]
    assert not Budget.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_grid_shows_amounts_in_the_users_language(client_for, manager, east, language):
    _budget(east, date(2026, 1, 1), "1920000.50")
    page = client_for(manager).get(URL, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE=language)
    assert f'value="{TYPED[language].replace(" ", chr(160))}"' in page.text


# --- the area's budget by the rule ---------------------------------------------------------


def test_a_month_with_salesperson_budgets_shows_their_sum(
    client_for, manager, salesperson, other_salesperson, west
):
    """Väst, December: the area row says 2,577,272.42, the rule says the people's sum."""
    december = date(2026, 12, 1)
    _budget(west, december, "2577272.42")
    _budget(west, december, "700000.00", salesperson)
    _budget(west, december, "620579.57", other_salesperson)
    _budget(west, date(2026, 11, 1), "1000.00")
    page = client_for(manager).get(URL, {"year": "2026"})
    grid = page.context["grid"]
    row = next(row for row in grid.rows() if row["area"] == west)
    cell = row["cells"][11]
    assert cell.amount == Decimal("1320579.57")
    assert not cell.editable
    assert cell.split.own == Decimal("2577272.42")
    assert row["total"] == Decimal("1321579.57")
    assert grid.grand_total == Decimal("1321579.57")
    # The budget comparison for the year says the same.
    assert budget_for_period(YEAR) == {west.pk: Decimal("1321579.57")}
    assert "1,320,579.57" in page.text
    assert f'name="b-{west.pk}-12"' not in page.text  # changed per salesperson


def test_every_total_is_the_sum_of_its_cells(client_for, manager, salesperson, east, west):
    _budget(east, date(2026, 1, 1), "100.10")
    _budget(east, date(2026, 2, 1), "50.00", salesperson)
    _budget(west, date(2026, 1, 1), "0.05")
    grid = client_for(manager).get(URL, {"year": "2026"}).context["grid"]
    rows = list(grid.rows())
    for row in rows:
        assert row["total"] == sum(cell.amount for cell in row["cells"])
    for i, total in enumerate(grid.column_totals):
        assert total == sum(row["cells"][i].amount for row in rows)
    assert grid.grand_total == sum(row["total"] for row in rows) == Decimal("150.15")


def test_the_salesperson_view_edits_their_own_budgets(client_for, manager, salesperson, east):
    _budget(east, date(2026, 1, 1), "999.00")
    client = client_for(manager)
    data = _loaded(client, salesperson=salesperson.pk)
    client.post(URL, {**data, f"b-{east.pk}-1": "5000"})
    assert Budget.objects.get(salesperson=salesperson).amount == Decimal("5000.00")
    assert Budget.objects.get(salesperson=None).amount == Decimal("999.00")


def test_a_deactivated_salespersons_budgets_are_shown_not_changed(
    client_for, manager, salesperson, east
):
    _budget(east, date(2026, 1, 1), "700.00", salesperson)
    salesperson.is_active = False
    salesperson.save()
    client = client_for(manager)
    page = client.get(URL, {"year": "2026", "salesperson": salesperson.pk})
    assert "700.00" in page.text and f'name="b-{east.pk}-1"' not in page.text
    response = client.post(
        URL, {"year": "2026", "salesperson": salesperson.pk, f"b-{east.pk}-1": "5"}
    )
    assert response.status_code == 200
    assert Budget.objects.get().amount == Decimal("700.00")


# --- retired areas --------------------------------------------------------------------------


def test_a_retired_area_with_budgets_is_shown_marked_and_counted(client_for, manager, east):
    retired = BusinessAreaFactory(name="Nord", order=3, is_active=False)
    BusinessAreaFactory(name="Syd", order=4, is_active=False)  # retired, no budgets
    _budget(retired, date(2026, 5, 1), "4000.00")
    _budget(east, date(2026, 5, 1), "1000.00")
    page = client_for(manager).get(URL, {"year": "2026"})
    grid = page.context["grid"]
    rows = {row["area"].name: row for row in grid.rows()}
    assert set(rows) == {"Öst", "Nord"}
    assert rows["Nord"]["is_retired"] and rows["Nord"]["total"] == Decimal("4000.00")
    assert grid.grand_total == Decimal("5000.00")
    assert "Retired" in page.text
    assert f'name="b-{retired.pk}-5"' not in page.text


def test_a_retired_areas_cells_are_not_saved(client_for, manager):
    retired = BusinessAreaFactory(name="Nord", is_active=False)
    _budget(retired, date(2026, 5, 1), "4000.00")
    client_for(manager).post(URL, {"year": "2026", f"b-{retired.pk}-5": "1"})
    assert Budget.objects.get().amount == Decimal("4000.00")


def test_budget_comparison_includes_retired_areas_marked(client_for, manager, east):
    retired = BusinessAreaFactory(name="Nord", order=3, is_active=False)
    _budget(retired, date(2026, 5, 1), "4000.00")
    report = budget_report(Period(date(2026, 5, 1), date(2026, 5, 31)), {})
    assert [row.area for row in report.rows] == [retired]
    assert report.total.budget == Decimal("4000.00")
    page = client_for(manager).get(reverse("forecasting:budget"), {"pick": "2026-05"})
    assert "Retired" in page.text


# --- the optimistic lock ------------------------------------------------------------------


def test_a_cell_saved_meanwhile_is_a_conflict_naming_who(client_for, manager, east):
    other = UserFactory(username="maria", first_name="Maria", last_name="Berg", is_superuser=True)
    _budget(east, date(2026, 1, 1), "100.00")
    client = client_for(manager)
    mine = _loaded(client)
    theirs = Client()
    theirs.force_login(other)
    assert theirs.post(URL, {**_loaded(theirs), f"b-{east.pk}-1": "200"}).status_code == 302

    response = client.post(URL, {**mine, f"b-{east.pk}-1": "300", f"b-{east.pk}-2": "50"})
    assert response.status_code == 409
    assert "Maria Berg" in response.text
    assert 'value="300"' in response.text and 'value="50"' in response.text
    assert Budget.objects.get(month=date(2026, 1, 1)).amount == Decimal("200.00")
    assert not Budget.objects.filter(month=date(2026, 2, 1)).exists()

    # Saved again from the page that named the conflict: the user's value wins, knowingly.
    grid = response.context["grid"]
    again = {f"o-{k[2:]}": v for k, v in grid.originals.items()}
    client.post(URL, {**mine, **again, f"b-{east.pk}-1": "300", f"b-{east.pk}-2": "50"})
    assert Budget.objects.get(month=date(2026, 1, 1)).amount == Decimal("300.00")


def test_saves_of_different_cells_both_hold(client_for, manager, east):
    other = UserFactory(username="maria", is_superuser=True)
    client = client_for(manager)
    mine = _loaded(client)
    theirs = Client()
    theirs.force_login(other)
    theirs.post(URL, {**_loaded(theirs), f"b-{east.pk}-2": "200"})
    assert client.post(URL, {**mine, f"b-{east.pk}-1": "100"}).status_code == 302
    assert sorted(Budget.objects.values_list("amount", flat=True)) == [
        Decimal("100.00"),
        Decimal("200.00"),
    ]


def test_a_cell_the_user_left_alone_is_not_written_back(client_for, manager, east):
    _budget(east, date(2026, 1, 1), "100.00")
    other = UserFactory(username="maria", is_superuser=True)
    client = client_for(manager)
    mine = _loaded(client)
    theirs = Client()
    theirs.force_login(other)
    theirs.post(URL, {**_loaded(theirs), f"b-{east.pk}-1": "200"})
    # The page still shows 100.00 in January; the user changes only February.
    response = client.post(URL, {**mine, f"b-{east.pk}-1": "100.00", f"b-{east.pk}-2": "7"})
    assert response.status_code == 302
    assert Budget.objects.get(month=date(2026, 1, 1)).amount == Decimal("200.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_managers_saving_the_same_month_at_once_never_fail():
    """Eight managers create the same cell at once: one saves, the others get the conflict
    (or, typing the same amount, nothing to do); no IntegrityError, no lost save."""
    area = BusinessAreaFactory(name="Mitt")
    users = [UserFactory(username=f"boss{n}", is_superuser=True) for n in range(8)]
    barrier = threading.Barrier(len(users), timeout=20)
    statuses, errors = [], []

    def save(user, amount):
        try:
            client = Client()
            client.force_login(user)
            data = _loaded(client)
            barrier.wait()
            response = client.post(URL, {**data, f"b-{area.pk}-6": amount})
            statuses.append((amount, response.status_code))
        except Exception as error:  # the test reports any, an IntegrityError above all
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(user, f"{1000 + n}")) for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    saved = [amount for amount, status in statuses if status == 302]
    assert len(saved) == 1
    assert sorted(status for _amount, status in statuses) == [302] + [409] * 7
    assert Budget.objects.get().amount == Decimal(saved[0])


@pytest.mark.parametrize("areas", [2, 12])
def test_grid_query_count_is_fixed(
    client_for, manager, salesperson, areas, django_assert_max_num_queries
):
    for n in range(areas):
        area = BusinessAreaFactory(name=f"Area {n}", is_active=n % 3 != 0)
        for month in range(1, 13):
            _budget(area, date(2026, month, 1), "10.00")
            _budget(area, date(2026, month, 1), "5.00", salesperson)
    client = client_for(manager)
    with django_assert_max_num_queries(16):
        client.get(URL, {"year": "2026"})


def test_a_month_made_of_salespeople_budgets_takes_no_area_row(
    client_for, manager, salesperson, east
):
    _budget(east, date(2026, 1, 1), "700.00", salesperson)
    client_for(manager).post(URL, {"year": "2026", f"b-{east.pk}-1": "5"})
    assert not Budget.objects.filter(salesperson=None).exists()
