import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Job files go to a temporary directory, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small_jobs(monkeypatch):
    """Files of more than two rows and exports of more than two rows become jobs."""
    monkeypatch.setattr("pipeline_crm.import_pages.JOB_ROWS", 2)
    monkeypatch.setattr("pipeline_crm.exports.JOB_ROWS", 2)


@pytest.fixture
def database_backend(settings):
    """Tasks are queued in the database and wait for the worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
