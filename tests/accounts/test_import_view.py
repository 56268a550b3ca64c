import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.import_service import import_accounts
from accounts.models import Account
from pipeline_crm.import_pages import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

URL = reverse("accounts:import")


def upload(text: str, name: str = "accounts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\ufeff" + text).encode(), content_type="text/csv")


GOOD = "Name;City;Contact first name\r\nAcme AB;Oslo;Anna\r\nBeta AB;Bergen;Bo\r\n"
BAD = "Name;Employees\r\nAcme AB;5\r\nBeta AB;many\r\n"


def test_manager_gets_the_form_with_dry_run_checked_and_the_columns(client_for, manager):
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    assert response.context["form"]["dry_run"].value() is True
    assert "Contact e-mail" in response.text
    assert 'enctype="multipart/form-data"' in response.text


@pytest.mark.parametrize("user", ["salesperson", "groupless_user"])
def test_salesperson_gets_403_on_get_and_post(client_for, request, user):
    client = client_for(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"template": "1"}).status_code == 403
    response = client.post(URL, {"file": upload(GOOD)})
    assert response.status_code == 403
    assert not Account.objects.exists()


def test_manager_imports_a_file_and_returns_to_the_list(client_for, manager):
    response = client_for(manager).post(URL, {"file": upload(GOOD)}, follow=True)

    assert response.redirect_chain == [(reverse("accounts:list"), 302)]
    assert "Accounts created: 2" in response.text
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme AB", "Beta AB"]
    assert Account.objects.get(name="Acme AB").history.get().history_user == manager


def test_dry_run_shows_what_would_change_and_saves_nothing(client_for, manager):
    response = client_for(manager).post(URL, {"file": upload(GOOD), "dry_run": "on"})

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created_accounts, result.created_contacts) == (2, 2)
    assert "Nothing was saved" in response.text
    assert not Account.objects.exists()


def test_row_errors_are_shown_with_row_numbers_and_nothing_is_saved(client_for, manager):
    response = client_for(manager).post(URL, {"file": upload(BAD)})

    assert response.status_code == 200
    error = "Employees: “many” is not a number such as 1920000 (no grouping)."
    assert f'<td class="num">3</td><td class="wrap">{error}</td>' in response.text
    assert not Account.objects.exists()


def test_xlsx_upload_is_accepted(client_for, manager):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Employees"])
    workbook.active.append(["Acme AB", 12])
    data = io.BytesIO()
    workbook.save(data)
    file = SimpleUploadedFile("accounts.xlsx", data.getvalue())

    response = client_for(manager).post(URL, {"file": file})

    assert response.status_code == 302
    assert Account.objects.get().employees == 12


def test_too_big_file_is_a_field_error(client_for, manager):
    big = SimpleUploadedFile("accounts.csv", b"Name\r\n" + b"x" * MAX_UPLOAD_BYTES)

    response = client_for(manager).post(URL, {"file": big})

    assert response.status_code == 200
    assert response.context["form"].has_error("file", "too_big")
    assert "The file is larger than 5.0\xa0MB" in response.context["form"].errors["file"][0]
    assert not Account.objects.exists()


def test_wrong_extension_is_a_field_error(client_for, manager):
    response = client_for(manager).post(URL, {"file": upload(GOOD, name="accounts.txt")})

    assert response.status_code == 200
    assert response.context["form"].has_error("file", "invalid_extension")
    assert "Allowed extensions are: csv, xlsx" in response.text
    assert not Account.objects.exists()


def test_example_file_imports_as_it_is(client_for, manager):
    response = client_for(manager).get(URL, {"template": "1"})

    assert response["Content-Disposition"].startswith("attachment")
    result = import_accounts(response.content, filename="example.csv", dry_run=True)
    assert result.errors == []
    assert (result.created_accounts, result.created_contacts) == (1, 1)


def test_a_nul_character_in_a_cell_is_a_row_error(client_for, manager):
    response = client_for(manager).post(
        URL, {"file": upload("Name;City\r\nAcme AB;Oslo\r\nEvil\x00AB;Bergen\r\n")}
    )
    assert response.status_code == 200
    assert [str(error) for error in response.context["result"].errors] == [
        "Row 3, Name: The cell holds a NUL character (\\0); remove it from the file."
    ]
    assert not Account.objects.exists()
