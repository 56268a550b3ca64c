"""docker-compose.yml, deploy/Caddyfile and the Dockerfile, checked by parsing them (our
machines have no Docker daemon): only the proxy is published, it sets the forwarded headers,
and the CRM believes them from the proxy alone."""

import ipaddress
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def caddyfile(compose) -> str:
    (mount,) = [
        volume
        for volume in compose["services"]["proxy"]["volumes"]
        if volume.split(":")[1] == "/etc/caddy/Caddyfile"
    ]
    return (ROOT / mount.split(":")[0]).read_text()


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each Dockerfile instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def interpolate(value: str, env: dict) -> str:
    """Compose's `${NAME:-default}` and `${NAME:?error}`, from `env` or the default."""

    def one(match):
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in env:
            return env[name]
        if op == ":-":
            return rest
        raise KeyError(name)

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", one, str(value))


def proxy_address(services) -> str:
    return services["proxy"]["networks"]["edge"]["ipv4_address"]


def test_only_the_proxy_is_published(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    targets = {str(port).split(":")[-1] for port in services["proxy"]["ports"]}
    assert targets == {"80", "443", "443/udp"}


def test_gunicorn_is_reachable_only_on_the_proxys_network(services):
    web = services["web"]
    assert "ports" not in web
    assert [str(port) for port in web["expose"]] == ["8000"]
    assert "edge" in web["networks"]
    on_edge = {
        name for name, service in services.items() if "edge" in (service.get("networks") or {})
    }
    assert on_edge == {"web", "proxy"}


def test_the_proxy_passes_requests_to_gunicorn_with_the_forwarded_headers(compose):
    text = caddyfile(compose)
    # The directive's block ends at a line holding only its closing brace.
    block = re.search(r"reverse_proxy\s+web:8000\s*\{\n(.*?)\n\s*\}\s*$", text, re.S | re.M)
    block = block.group(1)
    headers = dict(re.findall(r"header_up\s+(\S+)\s+(\S+)", block))
    assert headers == {"X-Forwarded-Proto": "{scheme}", "X-Forwarded-For": "{remote_host}"}
    assert "{$CRM_DOMAIN:localhost}" in text
    assert compose["services"]["proxy"]["image"].startswith("caddy:2")


def test_the_crm_trusts_only_the_proxys_fixed_address(compose, services):
    address = proxy_address(services)
    (subnet,) = [item["subnet"] for item in compose["networks"]["edge"]["ipam"]["config"]]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    environment = services["web"]["environment"]
    assert environment["DJANGO_TRUSTED_PROXIES"] == address
    # gunicorn's own scheme headers (X-Forwarded-Ssl, …) pass through the proxy: never trusted
    assert "GUNICORN_FORWARDED_ALLOW_IPS" not in environment
    assert interpolate(environment["DJANGO_HTTPS"], {}) == "1"


def test_the_image_believes_no_proxy_by_itself_and_runs_gunicorn_unprivileged():
    instructions = dockerfile()
    env = " ".join(args for name, args in instructions if name == "ENV")
    assert "DJANGO_TRUSTED_PROXIES" not in env
    assert "DJANGO_HTTPS=0" not in env and "DJANGO_DEBUG" not in env
    assert "GUNICORN_BIND=0.0.0.0:8000" in env
    assert [args for name, args in instructions if name == "EXPOSE"] == ["8000"]
    names = [name for name, _args in instructions]
    user = [args for name, args in instructions if name == "USER"][-1]
    assert user not in ("root", "0")
    assert names.index("USER") < names.index("CMD")
    (cmd,) = [args for name, args in instructions if name == "CMD"]
    assert cmd == '["gunicorn", "-c", "gunicorn.conf.py", "pipeline_crm.wsgi"]'


def test_the_image_leaves_the_local_secret_key_and_venv_out():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".secret_key", ".venv", ".git", "db.sqlite3", "media"} <= ignored


def test_the_compose_environment_passes_the_deploy_check(services):
    secret = "x" * 20 + "-compose-secret-" + "y" * 30
    web = {
        name: interpolate(value, {"DJANGO_SECRET_KEY": secret})
        for name, value in services["web"]["environment"].items()
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, **web},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_a_request_through_the_proxy_is_https_and_a_direct_one_is_redirected(
    client, settings, services
):
    settings.TRUSTED_PROXIES = [services["web"]["environment"]["DJANGO_TRUSTED_PROXIES"]]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    url = reverse("login")

    through_proxy = client.get(
        url, REMOTE_ADDR=proxy_address(services), HTTP_X_FORWARDED_PROTO="https"
    )
    direct = client.get(url, REMOTE_ADDR="172.30.0.9", HTTP_X_FORWARDED_PROTO="https")

    assert through_proxy.status_code == 200
    assert direct.status_code == 301 and direct["Location"].startswith("https://")


def test_migrations_run_once_as_their_own_step_before_the_app_starts(services):
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["environment"]["DATABASE_URL"] == services["web"]["environment"]["DATABASE_URL"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    # No other service, and not the image on start, applies migrations.
    (cmd,) = [args for name, args in dockerfile() if name == "CMD"]
    assert "migrate" not in cmd
    others = [name for name, service in services.items() if name != "migrate"]
    assert not any("migrate" in str(services[name].get("command", "")) for name in others)
