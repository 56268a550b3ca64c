"""Hostile values in every request parameter the views read and in every id of a path: never a
5xx (DESIGN.md: no input, however hostile, gives a 500). A bad value is a 400 or a form error.

Which parameters a view reads is recorded while it answers a plain request (the page's own
GET parameters and its form's fields), so a parameter added tomorrow is swept tomorrow. Each
GET parameter and each POST parameter a view reads itself is swept alone (one bad value must
not hide another); a form's fields are swept together, as a form validates each field on its
own, and with more values (overlong text, not-a-number, malformed dates).

The admin is Django's: its search parameter and the ids in its paths are swept, once per
ModelAdmin class.
"""

import pytest

from .routes import NOT_SWEPT, admin_kind
from .sweep import Request, build_url, failure, reading_params, role_client, send, url_patterns
from .targets import target

pytestmark = pytest.mark.usefixtures("quiet_request_log")

# One of each kind that broke a page once: Unicode digits (`isdigit()` is true, `int()` fails),
# a NUL (PostgreSQL refuses it in text), a number past every column, a negative, a date out of
# bounds, SQL and HTML metacharacters (which are also a malformed number and date).
HOSTILE = ("²", "\x00", "9" * 25, "-1", "9999-12-31", "' OR 1=1 --\"><script>%_\\")
# What is posted (a form's fields, swept together, and the few parameters a view reads itself)
# also gets zero, a malformed date, an overlong text and not-a-number.
HOSTILE_POST = (*HOSTILE, "0", "0000-00-00", "x" * 3000, "NaN")
# In a path: what an id converter lets through, and what it should never see.
HOSTILE_IDS = ("0", "9" * 25, "²", "-1", "\x00", "x" * 300)
# The admin's search, and its object ids.
ADMIN_PARAMS = ("q",)
ADMIN_HOSTILE = ("\x00", "²", "9" * 25, "x" * 3000)
# Who sends them: the superuser reaches every view and every branch of a form.
SENDER = "superuser"
DISCOVERY = "_sweep"  # makes request.GET non-empty, as a filter form needs to be bound

AREAS = ("site", "accounts", "contacts", "opportunities", "activities", "forecasting", "admin")


@pytest.fixture
def recording(settings):
    """Views answer through request dicts that note the keys they read (sweep.py)."""
    settings.MIDDLEWARE = ["tests.security.sweep.RecordParamsMiddleware", *settings.MIDDLEWARE]


def _area(pattern) -> str:
    if pattern.is_admin:
        return "admin"
    return pattern.key.split(":")[0] if ":" in pattern.key else "site"


def _params_read(client, where) -> dict:
    with reading_params() as read_on_get:
        send(client, Request("get", where.url, {**where.query, DISCOVERY: "1"}, where.headers))
    with reading_params() as read_on_post:
        send(client, Request("post", where.url, {**where.post(), DISCOVERY: "1"}, where.headers))
    return {"GET": read_on_get["GET"] - {DISCOVERY}, "POST": read_on_post["POST"] - {DISCOVERY}}


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:24]}…' ({len(value)} characters)"


def hostile_requests(client, where) -> list[Request]:
    """Every request the sweep sends for one pattern of the CRM."""
    url, headers, requests = where.url, where.headers, []
    read = _params_read(client, where)
    for name in sorted(read["GET"]):
        for value in HOSTILE:
            label = f"GET ?{name}={_shown(value)}"
            requests.append(Request("get", url, {**where.query, name: value}, headers, label=label))
    fields = sorted(read["POST"])
    if where.route.data == "form" and fields:
        for value in HOSTILE_POST:
            data = (lambda v: lambda: {**where.post(), **dict.fromkeys(fields, v)})(value)
            label = f"POST every field of the form = {_shown(value)}"
            requests.append(Request("post", url, data, headers, label=label))
    else:
        for name in fields:
            for value in HOSTILE_POST:
                data = (lambda n, v: lambda: {**where.post(), n: v})(name, value)
                label = f"POST {name}={_shown(value)}"
                requests.append(Request("post", url, data, headers, label=label))
    for index, arg in enumerate(where.pattern.args):
        for value in HOSTILE_IDS:
            path = build_url(where.pattern, where.args, raw={index: value})
            label = f"GET with {arg}={_shown(value)}"
            requests.append(Request("get", path, where.query, headers, label=label))
    return requests


def admin_requests(where) -> list[Request]:
    """The admin's search and page parameters on its lists, its ids on its object pages."""
    kind, requests = admin_kind(where.pattern), []
    if kind == "changelist":
        for name in ADMIN_PARAMS:
            for value in ADMIN_HOSTILE:
                label = f"GET ?{name}={_shown(value)}"
                requests.append(Request("get", where.url, {name: value}, label=label))
    elif kind in ("change", "simple_history"):
        for index, arg in enumerate(where.pattern.args):
            for value in ADMIN_HOSTILE:
                path = build_url(where.pattern, where.args, raw={index: value})
                requests.append(Request("get", path, label=f"GET with {arg}={_shown(value)}"))
    return requests


@pytest.mark.parametrize("area", AREAS)
def test_hostile_values_never_give_a_5xx(world, recording, area):
    client = role_client(world.user(SENDER))
    sent, problems, admins_seen = 0, [], set()
    for pattern in url_patterns():
        if _area(pattern) != area or pattern.key in NOT_SWEPT:
            continue
        where = target(pattern, world, client)
        if pattern.is_admin:
            admin_class = (type(pattern.model_admin), admin_kind(pattern))
            if admin_class in admins_seen:
                continue  # the same code with another model
            admins_seen.add(admin_class)
            requests = admin_requests(where)
        else:
            requests = hostile_requests(client, where)
        for request in requests:
            outcome = send(client, request)
            sent += 1
            if outcome.status >= 500:
                problems.append(
                    f"{pattern.key} {request.url} {request.label}: "
                    f"{outcome.status} {failure(outcome)}"
                )
    print(f"{area}: {sent} hostile requests")
    assert not problems, f"{len(problems)} requests gave a 5xx:\n" + "\n".join(problems)
