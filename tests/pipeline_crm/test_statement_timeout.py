"""Issue 15.2: every web request has a database statement timeout, the last guard against a
request that would hold a worker (and the database) for minutes; commands have none."""

import os
import runpy
from pathlib import Path
from time import perf_counter

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.db.utils import OperationalError
from psycopg.errors import QueryCanceled

from pipeline_crm.db import is_statement_timeout, limit_web_statements

ROOT = Path(__file__).resolve().parents[2]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statement timeout is PostgreSQL's"
)


def _timeout_of_a_new_connection() -> str:
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]
    finally:
        fresh.close()


@pytest.fixture
def web_process():
    """This process as wsgi.py makes it: connections opened from now on are limited."""
    limit_web_statements()
    yield
    connection_created.disconnect(dispatch_uid="pipeline_crm.limit_statements")


@on_postgresql
@pytest.mark.django_db
def test_a_web_connection_has_the_statement_timeout(web_process, settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 30
    assert _timeout_of_a_new_connection() == "30s"


@on_postgresql
@pytest.mark.django_db
def test_zero_turns_it_off(web_process, settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 0
    assert _timeout_of_a_new_connection() == "0"


@on_postgresql
@pytest.mark.django_db
def test_a_command_has_no_statement_timeout():
    assert _timeout_of_a_new_connection() == "0"


def test_wsgi_limits_the_web_process():
    import importlib

    import pipeline_crm.wsgi  # the module gunicorn and runserver load

    importlib.reload(pipeline_crm.wsgi)
    assert connection_created.disconnect(dispatch_uid="pipeline_crm.limit_statements")


@on_postgresql
@pytest.mark.django_db
@pytest.mark.urls("tests.pipeline_crm.slow_urls")
def test_a_cancelled_statement_is_a_503_page_at_once(client_for, salesperson, settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 1
    with connection.cursor() as cursor:  # as limit_statements does, for this test only
        cursor.execute("SELECT set_config('statement_timeout', '200ms', true)")
    client = client_for(salesperson)
    started = perf_counter()
    response = client.get("/slow/")
    assert perf_counter() - started < 10  # the view's statement alone takes 20 s
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "took too long" in response.text
    assert client.get("/").status_code == 200  # the connection serves the next request


def test_only_a_cancelled_statement_is_a_timeout():
    try:
        try:
            raise QueryCanceled("canceling statement due to statement timeout")
        except QueryCanceled as cause:
            raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        assert is_statement_timeout(error)
    assert not is_statement_timeout(OperationalError("server closed the connection"))
    assert not is_statement_timeout(ValueError("a bug"))


def _gunicorn_config(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_the_statement_timeout_is_below_gunicorns(monkeypatch):
    for name in ("GUNICORN_TIMEOUT", "GUNICORN_THREADS", "DJANGO_STATEMENT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = _gunicorn_config(monkeypatch)
    assert config["threads"] > 1 and 0 < config["statement_timeout"] < config["timeout"]


@pytest.mark.parametrize("seconds", ["60", "90", "0"])
def test_gunicorn_refuses_a_statement_timeout_that_cannot_guard(monkeypatch, seconds):
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    with pytest.raises(RuntimeError, match="DJANGO_STATEMENT_TIMEOUT"):
        _gunicorn_config(monkeypatch, DJANGO_STATEMENT_TIMEOUT=seconds, GUNICORN_THREADS="2")


def test_a_negative_statement_timeout_is_a_configuration_error():
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_STATEMENT_TIMEOUT": "-5"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DJANGO_STATEMENT_TIMEOUT" in result.stderr
