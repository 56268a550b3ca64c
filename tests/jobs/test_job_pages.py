"""Big imports and exports go to a background job; its page shows progress and the result,
to its owner only. Tasks run at once here (the immediate backend); tests/jobs/test_worker.py
runs them through the worker."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account
from jobs.models import Job

from ..factories import AccountFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = "Name;City\r\nAcme AB;Oslo\r\nBeta AB;Bergen\r\nGamma AB;Kiruna\r\n"


def upload(text: str = ACCOUNTS, name: str = "accounts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_long_import_goes_to_a_job_and_its_page(client_for, manager, small_jobs):
    client = client_for(manager)
    response = client.post(reverse("accounts:import"), {"file": upload()}, follow=True)
    job = Job.objects.get()
    assert response.redirect_chain == [(job.get_absolute_url(), 302)]
    assert job.owner == manager and job.status == Job.Status.DONE
    assert job.done == job.total == 3
    assert Account.objects.count() == 3
    assert "Import done" in response.text and "Accounts created" in response.text
    assert 'hx-trigger="every 2s"' not in response.text  # finished: the page stops asking


def test_a_dry_run_job_saves_nothing_and_shows_what_it_would_do(client_for, manager, small_jobs):
    client = client_for(manager)
    response = client.post(
        reverse("accounts:import"), {"file": upload(), "dry_run": "on"}, follow=True
    )
    assert "Dry run: the file can be imported" in response.text
    assert Job.objects.get().result["summary"][0] == {
        "label": "Accounts created",
        "value": "3",
        "wide": False,
    }
    assert not Account.objects.exists()


def test_a_job_with_row_errors_lists_them_and_saves_nothing(client_for, manager, small_jobs):
    text = "Name;Employees\r\nAcme AB;5\r\nBeta AB;many\r\nGamma AB;7\r\n"
    response = client_for(manager).post(
        reverse("accounts:import"), {"file": upload(text)}, follow=True
    )
    assert "The file has errors: nothing was saved" in response.text
    assert Job.objects.get().result["errors"][0]["row"] == 3
    assert not Account.objects.exists()


def test_a_deal_import_job_keeps_the_page_options(client_for, admin_user, salesperson, small_jobs):
    from tests.opportunities.test_import_opportunities import csv_bytes

    data = csv_bytes({"Stage": "Brand new"}, {}, {})
    response = client_for(admin_user).post(
        reverse("opportunities:import"),
        {"file": SimpleUploadedFile("deals.csv", data), "create_lookups": "on"},
        follow=True,
    )
    job = Job.objects.get()
    assert job.params["options"] == {"create_lookups": True, "number_format": "machine"}
    assert job.status == Job.Status.DONE and not job.result["errors"]
    assert "Brand new" in response.text


def test_a_file_declaring_too_many_rows_is_refused_before_any_job(client_for, manager):
    from tests.pipeline_crm.test_import_files import declared_xlsx

    upload_ = SimpleUploadedFile("big.xlsx", declared_xlsx("A1:Z2000000"))
    response = client_for(manager).post(reverse("accounts:import"), {"file": upload_})
    assert response.status_code == 200
    assert "more than 100,000 rows" in response.text
    assert not Job.objects.exists()


def test_a_short_file_is_still_imported_in_the_request(client_for, manager):
    response = client_for(manager).post(reverse("accounts:import"), {"file": upload()})
    assert response.status_code == 302 and response.url == reverse("accounts:list")
    assert not Job.objects.exists()


def test_only_the_owner_sees_a_job(client_for, manager, salesperson, small_jobs):
    client_for(manager).post(reverse("accounts:import"), {"file": upload()})
    job = Job.objects.get()
    other = client_for(salesperson)
    assert other.get(job.get_absolute_url()).status_code == 403
    assert other.get(reverse("jobs:download", args=[job.pk])).status_code == 403
    assert job.name not in other.get(reverse("jobs:list")).text
    assert other.get(reverse("jobs:detail", args=[job.pk + 1000])).status_code == 404


def test_the_job_list_shows_the_users_jobs(client_for, manager, small_jobs):
    client = client_for(manager)
    client.post(reverse("accounts:import"), {"file": upload()})
    response = client.get(reverse("jobs:list"))
    assert Job.objects.get().name in response.text


def test_a_running_job_page_asks_again_for_its_status(client_for, manager):
    job = Job.objects.create(
        owner=manager, name="Import", runner="x", status=Job.Status.RUNNING, done=50, total=200
    )
    client = client_for(manager)
    response = client.get(job.get_absolute_url())
    assert 'hx-trigger="every 2s"' in response.text
    assert 'value="25"' in response.text and "50 of 200 rows" in response.text
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert partial.text.startswith('<div id="job-status"')
    assert partial["Vary"] == "HX-Request" or "HX-Request" in partial["Vary"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_big_export_goes_to_a_job_with_a_download(client_for, manager, small_jobs, fmt):
    AccountFactory.create_batch(3)
    client = client_for(manager)
    response = client.get(reverse("accounts:list"), {"export": fmt})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.status == Job.Status.DONE and job.result["rows"] == 3
    page = client.get(job.get_absolute_url())
    assert "Export ready" in page.text
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="accounts-')
    body = b"".join(download.streaming_content)
    if fmt == "csv":
        assert body.decode("utf-8-sig").count("\r\n") == 4
    else:
        assert body.startswith(b"PK")


def test_a_big_deal_export_goes_to_a_job(client_for, manager, small_jobs):
    from ..factories import OpportunityFactory

    OpportunityFactory.create_batch(3, owner=manager)
    response = client_for(manager).get(
        reverse("opportunities:list"), {"export": "csv", "scope": "all", "status": ""}
    )
    job = Job.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.result["rows"] == 3 and job.result["filename"].startswith("opportunities-")


def test_send_reminders_runs_as_a_job(salesperson, capsys):
    call_command("send_reminders", "--background", "--dry-run", "--date", "2026-03-02")
    job = Job.objects.get()
    assert job.owner is None and job.status == Job.Status.DONE
    assert "Would send 0 reminder e-mails for 2026-03-02" in job.result["output"]


@pytest.mark.parametrize("count", [5, 50])
def test_the_job_list_runs_the_same_queries_for_5_and_50_jobs(
    client_for, manager, django_assert_max_num_queries, count
):
    Job.objects.bulk_create(
        Job(owner=manager, name=f"Job {n}", runner="x", status=Job.Status.DONE)
        for n in range(count)
    )
    client = client_for(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("jobs:list"))
    assert response.text.count('<tr><td><a href="/jobs/') == count
