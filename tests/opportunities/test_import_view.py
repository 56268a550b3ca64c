"""The deal import page: managers upload a CSV; salespeople are refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opportunities.models import Opportunity, Stage

from .test_import_opportunities import csv_bytes

pytestmark = pytest.mark.django_db

URL = reverse("opportunities:import")


def upload(data: bytes, name: str = "deals.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_manager_sees_the_form_with_dry_run_checked(client_for, manager):
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    assert response.context["form"]["dry_run"].value() is True
    assert response.context["form"]["create_lookups"].value() is None
    html = response.content.decode()
    assert "style=" not in html and "<script>" not in html  # strict CSP


def test_manager_imports_through_the_page(client_for, manager, salesperson):
    data = csv_bytes({"Name": "Open"}, {"Name": "Won", "Status": "won"})
    response = client_for(manager).post(URL, {"file": upload(data)}, follow=True)
    assert response.redirect_chain == [(reverse("opportunities:list"), 302)]
    assert "Deals created: 2" in response.content.decode()
    assert Opportunity.objects.count() == 2
    assert Opportunity.objects.get(name="Won").history.first().history_user == manager


def test_dry_run_shows_the_summary_and_saves_nothing(client_for, admin_user, salesperson):
    data = csv_bytes({"Stage": "Discovery"})
    response = client_for(admin_user).post(
        URL, {"file": upload(data), "dry_run": "on", "create_lookups": "on"}
    )
    assert response.status_code == 200
    assert response.context["result"].created == 1
    assert "Discovery" in response.content.decode()
    assert Opportunity.objects.count() == 0


def test_a_manager_may_not_create_lookups(client_for, manager, salesperson):
    data = csv_bytes({"Stage": "Discovery"})
    response = client_for(manager).post(URL, {"file": upload(data), "create_lookups": "on"})
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].has_error("create_lookups", "admin_only")
    assert "Only an administrator can create stages" in response.content.decode()
    assert not Stage.objects.filter(name="Discovery").exists()
    assert Opportunity.objects.count() == 0


def test_an_administrator_creates_lookups(client_for, admin_user, salesperson):
    data = csv_bytes({"Stage": "Discovery"})
    response = client_for(admin_user).post(URL, {"file": upload(data), "create_lookups": "on"})
    assert response.status_code == 302
    assert Stage.objects.get(name="Discovery").default_probability == 0


def test_errors_are_listed_with_row_numbers(client_for, manager, salesperson):
    data = csv_bytes({}, {"Owner": "nobody"}, {"Status": "lost"})
    response = client_for(manager).post(URL, {"file": upload(data)})
    assert response.status_code == 200
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert errors == [(3, "Owner"), (4, "Loss reason")]
    html = response.content.decode()
    assert 'id="import-errors"' in html and '<td class="num">3</td>' in html
    assert Opportunity.objects.count() == 0


def test_a_long_error_list_shows_its_first_rows(client_for, manager, salesperson):
    data = csv_bytes(*[{"Owner": "nobody"}] * 501)
    response = client_for(manager).post(URL, {"file": upload(data)})
    assert len(response.context["shown_errors"]) == 500
    assert "Showing the first 500 of 501 problems." in response.content.decode()


def test_only_csv_files_are_accepted(client_for, manager):
    response = client_for(manager).post(URL, {"file": upload(b"x", name="deals.xlsx")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_salesperson_gets_403(client_for, salesperson, method):
    client = client_for(salesperson)
    data = {"file": upload(csv_bytes({}))} if method == "post" else {}
    assert getattr(client, method)(URL, data).status_code == 403
    assert client.get(URL, {"template": "1"}).status_code == 403
    assert Opportunity.objects.count() == 0


def test_template_download_has_the_exact_header(client_for, manager):
    response = client_for(manager).get(URL, {"template": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0] == (
        "Name,Account,Business area,Stage,Status,Owner,Expected close date,Amount,"
        "Probability,Loss reason,Closed date"
    )
