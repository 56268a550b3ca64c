"""Importing budgets from CSV: the `import_budgets` service and its upload page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forecasting.import_service import import_budgets
from forecasting.models import Budget
from pipeline_crm.history import Origin
from pipeline_crm.numbers import MACHINE

from ..factories import BusinessAreaFactory

pytestmark = pytest.mark.django_db

URL = reverse("forecasting:budget_import")
JAN = date(2026, 1, 1)


def csv_bytes(*rows, header=("Business area", "Month", "Amount", "Salesperson")) -> bytes:
    lines = [";".join(header), *(";".join(row) for row in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def run(*rows, dry_run=False, user=None, number_format=MACHINE, **kwargs):
    return import_budgets(
        csv_bytes(*rows, **kwargs),
        filename="budgets.csv",
        dry_run=dry_run,
        user=user,
        number_format=number_format,
    )


def errors_of(result) -> list[tuple[int | None, str]]:
    return [(error.row, error.column) for error in result.errors]


def amounts() -> dict:
    return {
        (b.business_area.name, b.month, b.salesperson and b.salesperson.username): b.amount
        for b in Budget.objects.select_related("business_area", "salesperson")
    }


@pytest.fixture
def north():
    return BusinessAreaFactory(name="Nord")


@pytest.fixture
def east():
    return BusinessAreaFactory(name="Öst")


def test_rows_create_area_and_salesperson_budgets(north, east, salesperson):
    result = run(
        ["Nord", "2026-01", "1 920 000,50", ""],
        ["Öst", "2026-02", "125000.5", ""],
        ["Nord", "2026-01", "60\u00a0000", "alice"],
        number_format="sv",
    )
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert amounts() == {
        ("Nord", JAN, None): Decimal("1920000.50"),
        ("Öst", date(2026, 2, 1), None): Decimal("125000.50"),
        ("Nord", JAN, "alice"): Decimal("60000.00"),
    }


def test_area_and_salesperson_match_ignoring_case_and_spaces(north, salesperson):
    result = run(["  NORD ", "2026-01", "100", " ALICE "])
    assert result.errors == []
    assert amounts() == {("Nord", JAN, "alice"): Decimal("100.00")}


def test_salesperson_column_may_be_left_out(north):
    result = run(["2026-01", "100", "Nord"], header=("Month", "Amount", "business area"))
    assert result.errors == []
    assert amounts() == {("Nord", JAN, None): Decimal("100.00")}


def test_an_existing_budget_gets_the_new_amount_with_history(north, salesperson, manager):
    area_budget = Budget.objects.create(business_area=north, month=JAN, amount=Decimal(100))
    own = Budget.objects.create(
        business_area=north, month=JAN, salesperson=salesperson, amount=Decimal(50)
    )

    result = run(["Nord", "2026-01", "250", ""], user=manager)

    assert (result.created, result.updated) == (0, 1)
    area_budget.refresh_from_db()
    own.refresh_from_db()
    assert (area_budget.amount, own.amount) == (Decimal("250.00"), Decimal("50.00"))
    record = area_budget.history.latest()
    assert (record.history_type, record.history_change_reason) == ("~", Origin.IMPORT)
    assert record.history_user == manager


def test_a_created_budget_is_in_the_history_as_an_import(north, manager):
    run(["Nord", "2026-01", "100", ""], user=manager)
    record = Budget.objects.get().history.get()
    assert (record.history_type, record.history_change_reason) == ("+", Origin.IMPORT)
    assert record.history_user == manager


def test_an_unchanged_budget_is_not_saved_again(north):
    budget = Budget.objects.create(business_area=north, month=JAN, amount=Decimal(100))
    result = run(["Nord", "2026-01", "100.00", ""])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert budget.history.count() == 1


def test_every_bad_cell_is_an_error_with_its_row_and_column(north, salesperson):
    result = run(
        ["Nord", "2026-01", "100", ""],
        ["Söder", "2026-01", "100", ""],
        ["Nord", "2026-13", "100", ""],
        ["Nord", "Jan 2026", "100", ""],
        ["Nord", "2026-02", "lots", ""],
        ["Nord", "2026-03", "-5", ""],
        ["Nord", "2026-04", "1.005", ""],
        ["Nord", "2026-05", "100", "nobody"],
        ["", "", "", ""],
        ["", "2026-06", "", ""],
    )
    assert errors_of(result) == [
        (3, "Business area"),
        (4, "Month"),
        (5, "Month"),
        (6, "Amount"),
        (7, "Amount"),
        (8, "Amount"),
        (9, "Salesperson"),
        (11, "Business area"),
        (11, "Amount"),
    ]
    assert str(result.errors[0]) == "Row 3, Business area: Unknown value “Söder”; use one of: Nord."
    assert str(result.errors[1]) == "Row 4, Month: “2026-13” is not a month as YYYY-MM."
    assert str(result.errors[6]) == "Row 9, Salesperson: No user has the username “nobody”."
    assert result.created == 0
    assert not Budget.objects.exists()


def test_an_inactive_area_is_refused(north):
    BusinessAreaFactory(name="Retired", is_active=False)
    result = run(["Retired", "2026-01", "100", ""])
    assert [str(error) for error in result.errors] == [
        "Row 2, Business area: “Retired” is no longer in use."
    ]


def test_the_same_budget_on_two_rows_is_an_error(north, salesperson):
    result = run(
        ["Nord", "2026-01", "100", ""],
        ["Nord", "2026-01", "100", "alice"],
        ["nord", "2026-01", "200", ""],
    )
    assert [str(error) for error in result.errors] == [
        "Row 4: Row 2 already sets this budget (area, month and salesperson)."
    ]
    assert not Budget.objects.exists()


def test_blank_rows_keep_the_spreadsheet_row_numbers(north):
    data = csv_bytes(["Nord", "2026-01", "100", ""], ["Nord", "2026-02", "x", ""])
    data = data.replace(b"\r\nNord;2026-02", b"\r\n\r\n;;;\r\nNord;2026-02")
    result = import_budgets(data, filename="budgets.csv", dry_run=False)
    assert errors_of(result) == [(5, "Amount")]


def test_dry_run_counts_and_writes_nothing(north):
    Budget.objects.create(business_area=north, month=JAN, amount=Decimal(100))
    result = run(["Nord", "2026-01", "150", ""], ["Nord", "2026-02", "150", ""], dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 1, True)
    assert amounts() == {("Nord", JAN, None): Decimal("100.00")}


def test_a_missing_column_is_a_file_error(north):
    result = run(["Nord", "100"], header=("Business area", "Amount"))
    assert [(error.row, str(error)) for error in result.errors] == [
        (None, "The required column “Month” is missing.")
    ]


def test_only_csv_files_are_read(north):
    result = import_budgets(csv_bytes(), filename="budgets.xlsx", dry_run=True)
    assert [str(error) for error in result.errors] == ["The file must be a .csv file."]


# --- the page --------------------------------------------------------------------------------


def upload(data: bytes, name: str = "budgets.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_page_is_under_reports_budgets():
    assert URL == "/reports/budgets/import/"


def test_manager_gets_the_form_with_dry_run_checked_and_the_columns(client_for, manager):
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    assert response.context["form"]["dry_run"].value() is True
    html = response.content.decode()
    assert "<code>Salesperson</code>" in html
    assert "style=" not in html and "<script>" not in html  # strict CSP


@pytest.mark.parametrize("user", ["salesperson", "groupless_user"])
def test_others_get_403_on_get_and_post(client_for, request, north, user):
    client = client_for(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"template": "1"}).status_code == 403
    response = client.post(URL, {"file": upload(csv_bytes(["Nord", "2026-01", "100", ""]))})
    assert response.status_code == 403
    assert not Budget.objects.exists()


def test_manager_imports_and_returns_to_the_budget_grid(client_for, manager, north):
    data = csv_bytes(["Nord", "2026-01", "100", ""], ["Nord", "2026-02", "200", ""])
    response = client_for(manager).post(URL, {"file": upload(data)}, follow=True)
    assert response.redirect_chain == [(reverse("forecasting:budgets"), 302)]
    assert "Budgets created: 2" in response.content.decode()
    assert Budget.objects.get(month=JAN).history.get().history_user == manager


def test_dry_run_shows_the_summary_and_saves_nothing(client_for, manager, north):
    data = csv_bytes(["Nord", "2026-01", "100", ""])
    response = client_for(manager).post(URL, {"file": upload(data), "dry_run": "on"})
    assert response.status_code == 200
    assert response.context["result"].created == 1
    assert 'id="import-summary"' in response.content.decode()
    assert not Budget.objects.exists()


def test_errors_are_listed_with_row_and_column(client_for, manager, north):
    data = csv_bytes(["Nord", "2026-01", "100", ""], ["Nord", "2026-02", "lots", ""])
    response = client_for(manager).post(URL, {"file": upload(data)})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<td class="num">3</td><td class="wrap">Amount</td>'
        '<td class="wrap">“lots” is not a number such as' in html
    )
    assert not Budget.objects.exists()


def test_an_xlsx_upload_is_a_field_error(client_for, manager):
    response = client_for(manager).post(URL, {"file": upload(b"x", name="budgets.xlsx")})
    assert response.status_code == 200
    assert response.context["form"].has_error("file", "invalid_extension")


def test_the_example_file_imports_as_it_is(client_for, manager, north):
    response = client_for(manager).get(URL, {"template": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="budget-import-template.csv"'
    assert response.content.decode("utf-8-sig").splitlines()[0] == (
        "Business area;Month;Amount;Salesperson"
    )
    result = import_budgets(response.content, filename="example.csv", dry_run=True)
    assert (result.errors, result.created) == ([], 1)


@pytest.mark.parametrize("month", ["0000-01", "1899-12", "2200-01", "9999-12"])
def test_a_month_out_of_bounds_is_a_row_error(north, month):
    result = run(["Nord", month, "100", ""])
    assert errors_of(result) == [(2, "Month")]
    assert "between" in result.errors[0].message
    assert not Budget.objects.exists()


def test_the_database_refuses_a_budget_month_out_of_bounds(north):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(business_area=north, month=date(2200, 1, 1))


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="drops a constraint in the test",
)
def test_the_migration_deletes_budgets_of_months_out_of_bounds(north):
    from django.apps import apps
    from django.db import connection

    repair = __import__(
        "forecasting.migrations.0002_repair_dates_out_of_bounds", fromlist=["delete_out_of_bounds"]
    )
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE forecasting_budget DROP CONSTRAINT budget_month_in_bounds")
    for month in (date(1, 1, 1), date(2200, 1, 1), JAN):
        Budget.objects.create(business_area=north, month=month, amount=Decimal("1.00"))
    repair.delete_out_of_bounds(apps, None)
    assert list(Budget.objects.values_list("month", flat=True)) == [JAN]


def test_amounts_are_machine_format_unless_the_user_declares_a_language(north):
    for typed in ("1 920 000,50", "1,920,000.50", "800,000", "12,50", "1e5"):
        assert errors_of(run(["Nord", "2026-01", typed, ""])) == [(2, "Amount")], typed
    assert run(["Nord", "2026-01", "1920000.50", ""]).errors == []


@pytest.mark.parametrize(
    ("number_format", "typed"),
    [
        ("en", "1,920,000.50"),
        ("sv", "1 920 000,50"),
        ("nb", "1 920 000,50"),
        ("pl", "1 920 000,50"),
        ("de", "1.920.000,50"),
    ],
)
def test_amounts_in_a_declared_language(north, number_format, typed):
    assert run(["Nord", "2026-01", typed, ""], number_format=number_format).errors == []
    assert Budget.objects.get().amount == Decimal("1920000.50")


def test_an_ambiguous_amount_in_a_declared_language_is_refused(north):
    result = run(["Nord", "2026-01", "800,000", ""], number_format="de")
    assert errors_of(result) == [(2, "Amount")]
    assert "800.000" in str(result.errors[0])


def test_a_deactivated_salesperson_gets_no_budget(north, salesperson):
    salesperson.is_active = False
    salesperson.save()
    result = run(["Nord", "2026-01", "100", "alice"])
    assert errors_of(result) == [(2, "Salesperson")]
    assert "deactivated" in str(result.errors[0])
    assert not Budget.objects.exists()


def test_the_page_offers_the_number_format_and_uses_it(client_for, manager, north):
    client = client_for(manager)
    page = client.get(URL)
    assert 'name="number_format"' in page.text and "1920000.00" in page.text
    upload = SimpleUploadedFile("b.csv", csv_bytes(["Nord", "2026-01", "1.920.000,50", ""]))
    response = client.post(URL, {"file": upload, "number_format": "de"})
    assert response.status_code == 302
    assert Budget.objects.get().amount == Decimal("1920000.50")
