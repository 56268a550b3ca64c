"""The machinery of the sweeps: every URL pattern from the resolver, a client per role, a
fingerprint of every table, and a record of the request parameters a view reads.

Each request runs in a savepoint that is rolled back afterwards (and the client's cookies
restored), so every request of a sweep meets the same world, whatever the one before did.
"""

import hashlib
from dataclasses import dataclass, field
from urllib.parse import quote

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Tables left out of the fingerprint: a session is what logging in and out writes.
UNFINGERPRINTED = {"django_session"}


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the resolver: `key` is its namespaced name, or its route when it has
    none (the admin's redirects); `args` are the names of its captured parameters, in order."""

    key: str
    route: str
    callback: object
    args: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def model_admin(self):
        """The ModelAdmin serving this pattern, for the admin's views (also a ModelAdmin's
        own extra views, whose wrapper keeps the bound method)."""
        from django.contrib.admin import ModelAdmin

        view = self.callback
        while view is not None:
            if isinstance(getattr(view, "model_admin", None), ModelAdmin):
                return view.model_admin
            if isinstance(getattr(view, "__self__", None), ModelAdmin):
                return view.__self__
            view = getattr(view, "__wrapped__", None)
        return None


def _captured(pattern) -> tuple[str, ...]:
    regex = pattern.pattern.regex
    named = sorted(regex.groupindex.items(), key=lambda item: item[1])
    if named:
        return tuple(name for name, _index in named)
    return tuple(f"_{i}" for i in range(regex.groups))


def url_patterns(resolver=None, prefix: str = "", namespace: str = "", captured=()) -> list:
    """Every leaf pattern under `resolver` (the root URLconf by default)."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            found += url_patterns(entry, route, inner, captured + _captured(entry))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            found.append(
                Pattern(
                    key=name or route,
                    route=route,
                    callback=entry.callback,
                    args=captured + _captured(entry),
                )
            )
    return found


# --- building a URL ------------------------------------------------------------------------------

_SENTINEL = 918273645  # stands for an argument while reversing, then replaced


def build_url(pattern: Pattern, args: list, *, raw: dict | None = None) -> str:
    """The URL of `pattern` with `args`; `raw` maps an argument's index to a value put in the
    path as it is (percent-encoded), even one the converter would refuse (`²`, a NUL)."""
    from django.urls import NoReverseMatch, reverse

    raw = raw or {}
    for shape in ("{}", "sweep-sentinel-{}-sweep"):  # digits, or a token's letters
        stand_ins = {i: shape.format(_SENTINEL + i) for i in raw}
        values = [stand_ins.get(i, value) for i, value in enumerate(args)]
        try:
            url = _reverse(pattern, values, reverse)
        except NoReverseMatch:
            continue
        for i, value in raw.items():
            url = url.replace(stand_ins[i], quote(str(value), safe=""), 1)
        return url
    raise NoReverseMatch(f"{pattern.key}: no stand-in fits {pattern.route}")


def _reverse(pattern: Pattern, values: list, reverse) -> str:
    if pattern.key != pattern.route:
        return reverse(pattern.key, args=values)
    # An unnamed pattern: fill its route's groups by hand.
    import re

    route = "/" + pattern.route.replace("^", "").replace("$", "")
    parts = iter(str(value) for value in values)
    route = re.sub(r"<[^>]+>|\([^)]*\)", lambda _m: next(parts), route)
    return route


# --- requests -----------------------------------------------------------------------------------


def role_client(user) -> Client:
    """A client logged in as `user` (None: anonymous) that returns 500 responses instead of
    raising, so a sweep can list every failure."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def fingerprint() -> dict[str, str]:
    """Per table: its row count and a hash of every row, for every model including history
    tables and many-to-many tables. Equal fingerprints: nothing was written."""
    prints = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.blake2b("\n".join(rows).encode(), digest_size=12).hexdigest()
            prints[table] = f"{len(rows)}:{digest}"
    return prints


_TABLES: list[str] = []


def _tables() -> list[str]:
    if not _TABLES:
        _TABLES.extend(
            sorted(
                {
                    model._meta.db_table
                    for model in apps.get_models(include_auto_created=True)
                    if model._meta.managed and not model._meta.proxy
                }
                - UNFINGERPRINTED
            )
        )
    return _TABLES


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table))


@dataclass
class Outcome:
    status: int
    response: object
    written: list  # tables whose rows changed (empty when nothing was written or not checked)


@dataclass
class Request:
    """A request of a sweep. `data` is a function giving the POST data afresh (an uploaded
    file is read once); `may_write` requests run alone and their writes are not checked."""

    method: str
    url: str
    data: object = None
    headers: dict = field(default_factory=dict)
    may_write: bool = False
    label: str = ""

    def send(self, client: Client):
        data = self.data() if callable(self.data) else (self.data or {})
        sender = client.get if self.method == "get" else client.post
        return sender(self.url, data, headers=self.headers)


def _restoring_cookies(client: Client, request: Request):
    saved = dict(client.cookies.items())
    try:
        return request.send(client)
    finally:
        client.cookies.clear()
        for key, morsel in saved.items():
            client.cookies[key] = morsel


def send(client: Client, request: Request, *, baseline: dict | None = None) -> Outcome:
    """One request in a savepoint that is rolled back: the world stays as it was.

    With `baseline` (a `fingerprint()`), the tables the request wrote are listed. The client's
    cookies are restored afterwards (a logout would otherwise end the role's session).
    """
    written = []
    with transaction.atomic():
        response = _restoring_cookies(client, request)
        if baseline is not None:
            written = changed_tables(baseline, fingerprint())
        transaction.set_rollback(True)
    if request.method != "get" or written:
        cache.clear()  # what a rolled-back write cached would describe rows that are gone
    return Outcome(response.status_code, response, written)


def send_all(client: Client, requests: list, *, baseline: dict, batch: int = 30) -> list:
    """The outcomes of `requests`, each checked for writes against `baseline`.

    Requests that must not write run in batches inside one savepoint with one fingerprint at
    the end (a fingerprint costs more than most requests); a batch that wrote is run again a
    request at a time to name the one that wrote.
    """
    outcomes: dict[int, Outcome] = {}
    quiet = [(i, r) for i, r in enumerate(requests) if not r.may_write]
    for i, request in enumerate(requests):
        if request.may_write:
            outcomes[i] = send(client, request)
    for start in range(0, len(quiet), batch):
        chunk = quiet[start : start + batch]
        with transaction.atomic():
            responses = [_restoring_cookies(client, request) for _i, request in chunk]
            wrote = changed_tables(baseline, fingerprint())
            transaction.set_rollback(True)
        if wrote:
            cache.clear()
            for i, request in chunk:
                outcomes[i] = send(client, request, baseline=baseline)
        else:
            for (i, _request), response in zip(chunk, responses, strict=True):
                outcomes[i] = Outcome(response.status_code, response, [])
    return [outcomes[i] for i in range(len(requests))]


def failure(outcome: Outcome) -> str:
    """What a 5xx raised, for the report of a failing sweep."""
    info = getattr(outcome.response, "exc_info", None)
    if info and info[1] is not None:
        return f"{info[0].__name__}: {str(info[1])[:160]}"
    return ""


# --- which parameters a view reads --------------------------------------------------------------

_read: dict[str, set[str]] | None = None


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes every key looked up while `reading_params()` records (a copy
    keeps its class, so a view's `request.GET.copy()` is recorded too)."""

    source = ""

    def _note(self, key):
        if _read is not None and isinstance(key, str):
            _read[self.source].add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def pop(self, key, *args):
        self._note(key)
        return super().pop(key, *args)

    def setdefault(self, key, default=None):
        self._note(key)
        return super().setdefault(key, default)


class RecordingGET(RecordingQueryDict):
    source = "GET"


class RecordingPOST(RecordingQueryDict):
    source = "POST"


class RecordParamsMiddleware:
    """Test-only: makes the request's GET and POST record the keys a view reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET.__class__ = RecordingGET
        if request.method == "POST":
            request.POST.__class__ = RecordingPOST
        return self.get_response(request)


class reading_params:
    """Context manager: the keys read from request.GET and request.POST inside it, as
    {"GET": {...}, "POST": {...}}."""

    def __enter__(self) -> dict[str, set[str]]:
        global _read
        _read = {"GET": set(), "POST": set()}
        return _read

    def __exit__(self, *exc):
        global _read
        _read = None
        return False
