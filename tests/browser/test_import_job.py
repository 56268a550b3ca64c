"""A big import goes through a background job: the upload lands on the job's page, which waits
for the worker, follows its progress and shows the result."""

import threading

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from accounts.models import Account
from jobs.models import Job
from pipeline_crm.import_pages import JOB_ROWS

from .helpers import screenshot

pytestmark = pytest.mark.browser

ROWS = JOB_ROWS + 100


@pytest.fixture
def worker(settings, tmp_path):
    """Tasks wait in the database; `start()` runs the worker in a thread until none is left."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    threads = []

    def run():
        try:
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="browser-test",
                excluded_queue_names=[],
            ).run()
        finally:
            connection.close()

    def start():
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    for thread in threads:
        thread.join(timeout=120)


def test_a_big_import_runs_as_a_job_to_its_result_page(
    page, live_server, login, manager, worker, tmp_path
):
    lines = ["Name;City"] + [f"Job test {n:05d} AB;Uppsala" for n in range(ROWS)]
    path = tmp_path / "accounts.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    login(page, live_server, manager, next_path="/accounts/import/")

    page.locator("#id_file").set_input_files(str(path))
    page.locator("#id_dry_run").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()

    job = Job.objects.get()
    assert page.url == f"{live_server.url}/jobs/{job.pk}/"
    expect(page.locator("#job-state")).to_have_text("Waiting")
    expect(page.locator("#job-progress")).to_be_visible()
    screenshot(page, "job-waiting")

    worker()

    expect(page.locator("#import-summary")).to_contain_text("Import done", timeout=120_000)
    expect(page.locator("#job-state")).to_have_text("Done")
    expect(page.locator("#import-summary dd").first).to_have_text(str(ROWS))
    screenshot(page, "job-import-done")
    assert Account.objects.filter(name__startswith="Job test").count() == ROWS

    with page.expect_navigation():
        page.get_by_role("link", name="My jobs").first.click()
    expect(page.locator("#jobs")).to_contain_text(job.name)
