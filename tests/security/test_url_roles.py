"""Every URL pattern of the resolver, for every role, GET and POST, on Alice's objects
(readthedocs' privacy sweep): each role gets the status DESIGN.md's role table promises, a
request that may not write writes nothing (row counts and a fingerprint of every table,
history included), and no page shows anyone but Alice her secrets (her private saved report,
her calendar token).

A new URL pattern fails `test_every_pattern_is_swept` until routes.py says what it answers.
"""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from .routes import (
    ADMIN_LOGIN,
    ADMIN_PUBLIC,
    LOGIN,
    NOT_SWEPT,
    ROUTES,
    admin_expectation,
)
from .sweep import (
    Request,
    failure,
    fingerprint,
    role_client,
    send_all,
    url_patterns,
)
from .targets import target
from .world import ROLES

pytestmark = pytest.mark.usefixtures("quiet_request_log")


def test_every_pattern_is_swept():
    unknown = [
        pattern.key
        for pattern in url_patterns()
        if pattern.key not in ROUTES
        and pattern.key not in NOT_SWEPT
        and pattern.key not in ADMIN_PUBLIC
        and not (pattern.is_admin and admin_expectation(pattern))
    ]
    assert not unknown, f"URL patterns the sweep does not know (add them to routes.py): {unknown}"


def _matches(expected, response) -> bool:
    status = response.status_code
    if expected == LOGIN:
        return status == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    if expected == ADMIN_LOGIN:
        return status == 302 and response["Location"].startswith(
            ("/admin/login/", resolve_url(settings.LOGIN_URL))
        )
    if isinstance(expected, set):
        return status in expected
    return status == expected


def _expected(pattern, route, role, method, world):
    index = ROLES.index(role)
    if route is not None:
        return (route.get if method == "get" else route.post)[index]
    if pattern.key in ADMIN_PUBLIC:
        row = ADMIN_PUBLIC[pattern.key][method]
        return row[index] if row else None
    model = pattern.model_admin.model if pattern.model_admin else None
    exists = model is None or model._default_manager.exists()
    statuses = admin_expectation(pattern, exists=exists)[0 if method == "get" else 1]
    return statuses if role == "superuser" else ADMIN_LOGIN


def sweep_requests(world, role, superuser_client) -> list:
    """For each pattern, a GET and a POST as `role`, with what each should answer."""
    requests = []
    for pattern in url_patterns():
        if pattern.key in NOT_SWEPT:
            continue
        where = target(pattern, world, superuser_client)
        writers = where.route.writers if where.route else {"superuser"}
        if pattern.key in ADMIN_PUBLIC and ADMIN_PUBLIC[pattern.key]["post"] is None:
            writers = set(ROLES)  # logging out is recorded
        for method in ("get", "post"):
            request = Request(
                method,
                where.url,
                data=where.query if method == "get" else where.post,
                headers=where.headers,
                may_write=method == "post" and role in writers,
                label=f"{method.upper()} {pattern.key} ({where.url})",
            )
            requests.append((request, _expected(pattern, where.route, role, method, world)))
    return requests


def _disclosed(world, role, response) -> list[str]:
    if role == "owner" or getattr(response, "streaming", False):
        return []
    body = response.content.decode(errors="replace")
    return [secret for secret, owner in world.secrets.items() if owner != role and secret in body]


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_designed(world, role):
    client = role_client(world.user(role))
    superuser = client if role == "superuser" else role_client(world.user("superuser"))
    requests = sweep_requests(world, role, superuser)
    baseline = fingerprint()
    outcomes = send_all(client, [request for request, _expected in requests], baseline=baseline)
    problems = []
    for (request, expected), outcome in zip(requests, outcomes, strict=True):
        response = outcome.response
        if expected is not None and not _matches(expected, response):
            where = response.get("Location", "") if outcome.status in (301, 302) else ""
            problems.append(
                f"{request.label}: {outcome.status} {where} {failure(outcome)}, expected {expected}"
            )
        if outcome.written:
            problems.append(f"{request.label}: wrote {', '.join(outcome.written)}")
        if leaked := _disclosed(world, role, response):
            problems.append(f"{request.label}: shows {leaked}")
    assert not problems, f"{role}: {len(problems)} problems\n" + "\n".join(problems)
