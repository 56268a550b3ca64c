"""The worker is deployed beside the web server: in the compose file as its own service (no
Docker daemon here: the file is parsed) and by `make run`."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_compose_runs_the_worker_as_its_own_service():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    worker = services["worker"]
    assert worker["command"][:3] == ["python", "manage.py", "worker"]
    # It starts once the one-off `migrate` service has migrated the (healthy) database.
    assert worker["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert worker["environment"]["DATABASE_URL"] == services["web"]["environment"]["DATABASE_URL"]
    assert "media:/app/media" in [volume.split(" ")[0] for volume in worker["volumes"]]
    assert "ports" not in worker


def test_make_run_starts_the_worker_beside_gunicorn():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\ntest:", 1)[0]
    assert "manage.py worker" in recipe and "gunicorn" in recipe
    assert recipe.index("manage.py worker") < recipe.index("gunicorn -c")


def test_the_database_backend_is_configured():
    from pipeline_crm import settings as production  # tests switch to the immediate backend

    assert production.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert "django_tasks_db" in production.INSTALLED_APPS
