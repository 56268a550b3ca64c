import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pipeline_crm.settings import env_bool

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "raw,expected", [("1", True), ("yes", True), ("False", False), ("0", False)]
)
def test_env_bool_reads_the_documented_values(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")


def test_deploy_check_passes_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-" + "y" * 30,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "crm.example.com",
    }
    env.pop("DJANGO_HTTPS", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


PG = "postgres://postgres@127.0.0.1:5432/pipeline_crm"


def test_prepared_statements_are_off_unless_asked_for():
    from .environment import read_settings

    off = read_settings({"DATABASE_URL": PG}, "DATABASES", drop=("DJANGO_PG_PREPARE",))
    assert off.returncode == 0, off.stderr
    assert "prepare_threshold" not in off.stdout and "server_side_binding" not in off.stdout
    on = read_settings({"DATABASE_URL": PG, "DJANGO_PG_PREPARE": "3"}, "DATABASES")
    assert on.returncode == 0, on.stderr
    assert "'prepare_threshold': 3" in on.stdout and "'server_side_binding': True" in on.stdout
