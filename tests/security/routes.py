"""What every URL pattern answers each role: DESIGN.md's role table, route by route.

Every pattern the resolver knows must be listed here (or, for the admin, match one of its
kinds); a new view makes `test_every_pattern_is_swept` fail until its row is added. A row names
the objects its URL takes (kinds of `World.ids`), the status each role gets on GET and on POST
(in the order of `ROLES`), which roles' POST may write, and what is posted: the page's own
form as a browser would submit it ("form"), or the data a button of another page posts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from .world import ROLES, World

LOGIN = "login"  # a redirect to the login page
ADMIN_LOGIN = "admin login"  # a redirect to the admin's login page, or to the site's

# anonymous, owner, co-responsible, other salesperson, groupless, manager, superuser
EVERYONE = (LOGIN, 200, 200, 200, 200, 200, 200)
MANAGERS = (LOGIN, 403, 403, 403, 403, 200, 200)
DEAL_EDITORS = (LOGIN, 200, 200, 403, 403, 200, 200)
NOT_ALLOWED = (LOGIN, 405, 405, 405, 405, 405, 405)  # a POST-only view's GET, and the reverse
REDIRECT = (LOGIN, 302, 302, 302, 302, 302, 302)
MANAGERS_REDIRECT = (LOGIN, 403, 403, 403, 403, 302, 302)


def _row(anonymous, signed_in) -> tuple:
    return (anonymous, *([signed_in] * 6))


SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EDITORS = frozenset({"owner", "co_responsible", "manager", "superuser"})
MANAGER_ROLES = frozenset({"manager", "superuser"})


@dataclass(frozen=True)
class Route:
    get: tuple
    post: tuple
    args: tuple = ()  # kinds of World.ids; "=text" is the text itself
    writers: frozenset = frozenset()  # roles whose POST may write
    query: Callable[[World], dict] | None = None  # GET parameters a page needs to show itself
    data: object = "form"  # "form", or a function of the world giving the POST data
    fill: Callable[[World], dict] | None = None  # what a user types into the page's form
    htmx: bool = False  # the view answers htmx requests only (a fragment)
    notes: str = ""

    def post_data(self, world: World, form_data: dict | None) -> dict:
        if callable(self.data):
            return self.data(world)
        return {**(form_data or {}), **(self.fill(world) if self.fill else {})}


def _this_year(world: World) -> dict:
    return {"pick": str(date.today().year)}


def _version(kind: str):
    return lambda world: {"version": world.objects[kind].version}


def _upload(world: World) -> dict:
    return {"file": SimpleUploadedFile("notes.txt", b"Meeting notes\n")}


def _budget_cell(world: World) -> dict:
    area = world.objects["account"].business_area_id
    return {"year": date.today().year, f"b-{area}-1": "1000.00"}


def _nothing(world: World) -> dict:
    return {}


REPORT = Route(get=EVERYONE, post=REDIRECT, query=_this_year, data=_nothing)

ROUTES: dict[str, Route] = {
    "dashboard": Route(EVERYONE, EVERYONE, data=_nothing),
    "login": Route(
        get=_row(200, 302),  # a signed-in user is sent on to the dashboard
        post=_row(200, 302),
        notes="an empty login form: a failed attempt would be written by the lockout",
    ),
    "logout": Route(
        get=_row(LOGIN, 405),
        post=_row(LOGIN, LOGIN),
        writers=SIGNED_IN,  # the lockout's access log records when the session ended
        data=_nothing,
    ),
    "password_change": Route(EVERYONE, EVERYONE, data=_nothing),
    "password_change_done": Route(EVERYONE, NOT_ALLOWED),
    # password reset: anyone, signed in or not; the page says the same whatever the address
    "password_reset": Route(
        _row(200, 200),
        _row(302, 302),
        fill=lambda world: {"email": world.user("owner").email},
    ),
    "password_reset_done": Route(_row(200, 200), _row(405, 405)),
    "password_reset_confirm": Route(
        _row(200, 200),  # a link that is no one's: "invalid link"
        _row(200, 200),
        args=("=Zm9v", "=bad-token"),
        data=_nothing,
    ),
    "password_reset_complete": Route(_row(200, 200), _row(405, 405)),
    "set_language": Route(
        get=_row(302, 302),
        post=_row(302, 302),
        data=lambda world: {"language": "sv", "next": "/"},
    ),
    # accounts and contacts: everyone sees and edits them; managers delete
    "accounts:list": Route(EVERYONE, EVERYONE, data=_nothing),
    "accounts:create": Route(
        EVERYONE,
        _row(LOGIN, 302),
        writers=SIGNED_IN,
        fill=lambda world: {"name": "Sweep AB"},
    ),
    "accounts:import": Route(MANAGERS, MANAGERS),
    "accounts:options": Route(EVERYONE, EVERYONE, data=_nothing, htmx=True),
    "accounts:detail": Route(EVERYONE, EVERYONE, args=("account",), data=_nothing),
    "accounts:edit": Route(EVERYONE, _row(LOGIN, 302), args=("account",), writers=SIGNED_IN),
    "accounts:history": Route(EVERYONE, NOT_ALLOWED, args=("account",), data=_nothing),
    "accounts:delete": Route(
        MANAGERS,
        (LOGIN, 403, 403, 403, 403, 409, 409),  # it has deals: protected
        args=("account",),
        data=_nothing,
    ),
    "contacts:list": Route(EVERYONE, EVERYONE, data=_nothing),
    "contacts:create": Route(
        EVERYONE,
        _row(LOGIN, 302),
        writers=SIGNED_IN,
        fill=lambda world: {"account": world.ids["account"], "first_name": "Sven"},
    ),
    "contacts:detail": Route(EVERYONE, EVERYONE, args=("contact",), data=_nothing),
    "contacts:edit": Route(EVERYONE, _row(LOGIN, 302), args=("contact",), writers=SIGNED_IN),
    "contacts:history": Route(EVERYONE, NOT_ALLOWED, args=("contact",), data=_nothing),
    "contacts:delete": Route(
        MANAGERS,
        (LOGIN, 403, 403, 403, 403, 302, 302),
        args=("contact",),
        writers=MANAGER_ROLES,
        data=_nothing,
    ),
    # deals: everyone sees them; the owner, co-responsible users and managers change them
    "opportunities:list": Route(EVERYONE, EVERYONE, data=_nothing),
    "opportunities:create": Route(
        EVERYONE,
        _row(LOGIN, 302),
        writers=SIGNED_IN,
        fill=lambda world: {"account": world.ids["account"], "name": "Sweep deal"},
    ),
    "opportunities:bulk": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        writers=EDITORS,
        data=lambda world: {
            "action": "stage",
            "selected": [world.ids["deal"]],
            "stage": world.ids["next_stage"],
        },
    ),
    "opportunities:board": Route(EVERYONE, EVERYONE, data=_nothing),
    "opportunities:board_column": Route(EVERYONE, EVERYONE, args=("stage",), data=_nothing),
    "opportunities:import": Route(MANAGERS, MANAGERS),
    "opportunities:contact_options": Route(
        EVERYONE,
        EVERYONE,
        query=lambda world: {"account": world.ids["account"], "name": ""},
        data=_nothing,
        htmx=True,
    ),
    "opportunities:detail": Route(EVERYONE, EVERYONE, args=("deal",), data=_nothing),
    "opportunities:edit": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("deal",), writers=EDITORS
    ),
    "opportunities:history": Route(EVERYONE, NOT_ALLOWED, args=("deal",), data=_nothing),
    "opportunities:delete": Route(
        MANAGERS,
        (LOGIN, 403, 403, 403, 403, 302, 302),
        args=("deal",),
        writers=MANAGER_ROLES,
        data=_nothing,
    ),
    "opportunities:move": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("deal",),
        writers=EDITORS,
        data=lambda world: {
            "stage": world.ids["next_stage"],
            "version": world.objects["deal"].version,
        },
    ),
    "opportunities:reset_probability": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("deal",),
        writers=EDITORS,
        data=_version("deal"),
    ),
    "opportunities:close_won": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("deal",), writers=EDITORS
    ),
    "opportunities:close_lost": Route(
        DEAL_EDITORS,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("deal",),
        writers=EDITORS,
        fill=lambda world: {"loss_reason": world.ids["loss_reason"]},
    ),
    "opportunities:reopen": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("won_deal",), writers=EDITORS
    ),
    "opportunities:line_add": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("deal",),
        writers=EDITORS,
        data=lambda world: {"product": world.ids["product"], "quantity": "1"},
    ),
    "opportunities:line_preview": Route(
        DEAL_EDITORS,
        NOT_ALLOWED,
        args=("deal",),
        query=lambda world: {"product": world.ids["product"], "quantity": "1"},
        data=_nothing,
    ),
    "opportunities:line_remove": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("deal", "line"),
        writers=EDITORS,
        data=_nothing,
    ),
    # quotes: everyone sees them (and their PDFs); the deal's editors change them
    "quotes:list": Route(EVERYONE, EVERYONE, data=_nothing),
    "quotes:create": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("deal",),
        writers=EDITORS,
        data=_nothing,
    ),
    "quotes:detail": Route(EVERYONE, NOT_ALLOWED, args=("quote",), data=_nothing),
    "quotes:edit": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("quote",), writers=EDITORS
    ),
    "quotes:history": Route(EVERYONE, NOT_ALLOWED, args=("quote",), data=_nothing),
    "quotes:pdf": Route(EVERYONE, NOT_ALLOWED, args=("quote",), data=_nothing),
    "quotes:send": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("quote",), writers=EDITORS
    ),
    "quotes:revise": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("sent_quote",),
        writers=EDITORS,
        data=_nothing,
    ),
    "quotes:accept": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("sent_quote",),
        writers=EDITORS,
        data=_nothing,
    ),
    "quotes:decline": Route(
        DEAL_EDITORS,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("sent_quote",),
        writers=EDITORS,
    ),
    "quotes:approvals": Route(MANAGERS, NOT_ALLOWED, data=_nothing),
    "quotes:report": Route(EVERYONE, NOT_ALLOWED, query=_this_year, data=_nothing),
    "quotes:request_approval": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("quote",),
        writers=EDITORS,
        data=_nothing,
    ),
    "quotes:approve": Route(
        NOT_ALLOWED, MANAGERS_REDIRECT, args=("quote",), writers=MANAGER_ROLES, data=_nothing
    ),
    "quotes:refuse": Route(
        NOT_ALLOWED, MANAGERS_REDIRECT, args=("quote",), writers=MANAGER_ROLES, data=_nothing
    ),
    "quotes:line_add": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("quote",),
        writers=EDITORS,
        data=lambda world: {"product": world.ids["product"], "quantity": "1"},
    ),
    "quotes:line_edit": Route(
        DEAL_EDITORS,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("quote", "quote_line"),
        writers=EDITORS,
    ),
    "quotes:line_remove": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("quote", "quote_line"),
        writers=EDITORS,
        data=_nothing,
    ),
    # activities: everyone sees them; the owner, the deal's editors and managers change them
    "activities:agenda": Route(EVERYONE, EVERYONE, data=_nothing),
    "activities:create": Route(
        EVERYONE,
        _row(LOGIN, 302),
        writers=SIGNED_IN,
        fill=lambda world: {"account": world.ids["account"], "subject": "Sweep call"},
    ),
    "activities:link_options": Route(
        EVERYONE,
        NOT_ALLOWED,
        query=lambda world: {"account": world.ids["account"]},
        htmx=True,
    ),
    "activities:detail": Route(EVERYONE, EVERYONE, args=("activity",), data=_nothing),
    "activities:row": Route(EVERYONE, NOT_ALLOWED, args=("activity",), htmx=True),
    "activities:edit": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("activity",), writers=EDITORS
    ),
    "activities:done": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("activity",),
        writers=EDITORS,
        data=_nothing,
    ),
    "activities:reschedule": Route(
        DEAL_EDITORS, (LOGIN, 302, 302, 403, 403, 302, 302), args=("activity",), writers=EDITORS
    ),
    "activities:history": Route(EVERYONE, NOT_ALLOWED, args=("activity",), data=_nothing),
    "activities:delete": Route(
        DEAL_EDITORS,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("activity",),
        writers=EDITORS,
        data=_nothing,
    ),
    "activities:calendar": Route(EVERYONE, EVERYONE, data=_nothing),
    "activities:calendar_regenerate": Route(
        NOT_ALLOWED,
        REDIRECT,
        writers=SIGNED_IN,  # each their own token (the disclosure check watches Alice's)
        data=_nothing,
    ),
    "activities:ical": Route(
        _row(404, 404),  # a token that is no one's; Alice's is a secret no page shows
        _row(405, 405),
        args=("ical_token",),
        data=_nothing,
    ),
    "activities:document_upload": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("=opportunity", "deal"),
        writers=EDITORS,
        data=_upload,
    ),
    "activities:document_download": Route(EVERYONE, NOT_ALLOWED, args=("document",), data=_nothing),
    # Jobs: each user sees only their own (a superuser too); a queued job has no file yet.
    "jobs:list": Route(EVERYONE, NOT_ALLOWED, data=_nothing),
    "jobs:detail": Route(
        (LOGIN, 200, 403, 403, 403, 403, 403), NOT_ALLOWED, args=("job",), data=_nothing
    ),
    "jobs:download": Route(
        (LOGIN, 404, 403, 403, 403, 403, 403), NOT_ALLOWED, args=("job",), data=_nothing
    ),
    "activities:document_delete": Route(
        DEAL_EDITORS,
        (LOGIN, 302, 302, 403, 403, 302, 302),
        args=("document",),
        writers=EDITORS,
        data=_nothing,
    ),
    # reports: everyone reads them and saves their own; managers edit budgets
    "forecasting:index": Route(EVERYONE, EVERYONE, data=_nothing),
    "forecasting:pipeline": REPORT,
    "forecasting:budget": REPORT,
    "forecasting:budgets": Route(
        EVERYONE,
        (LOGIN, 403, 403, 403, 403, 302, 302),
        writers=MANAGER_ROLES,
        data=_budget_cell,
    ),
    "forecasting:budget_import": Route(MANAGERS, MANAGERS),
    "forecasting:funnel": Route(EVERYONE, EVERYONE, query=_this_year, data=_nothing),
    "forecasting:salespeople": REPORT,
    "forecasting:winloss": REPORT,
    "forecasting:trend": REPORT,
    "forecasting:effort": REPORT,
    "forecasting:movement": REPORT,
    # Accuracy reads periods that have ended only: last year.
    "forecasting:accuracy": Route(
        get=EVERYONE,
        post=REDIRECT,
        query=lambda world: {"pick": str(date.today().year - 1)},
        data=_nothing,
    ),
    "forecasting:velocity": REPORT,
    "forecasting:movement_deals": Route(
        get=EVERYONE,
        post=REDIRECT,
        query=lambda world: {**_this_year(world), "part": "start"},
        data=_nothing,
    ),
    "forecasting:save": Route(
        NOT_ALLOWED,
        REDIRECT,
        writers=SIGNED_IN,
        data=lambda world: {"name": "My pipeline", "kind": "pipeline", "query": "pick=2026"},
    ),
    "forecasting:saved": Route(
        (LOGIN, 302, 403, 403, 403, 403, 403),  # private: not even a manager opens it
        (LOGIN, 302, 403, 403, 403, 403, 403),
        args=("saved_report",),
        data=_nothing,
    ),
    "forecasting:saved_delete": Route(
        NOT_ALLOWED,
        (LOGIN, 302, 403, 403, 403, 403, 403),
        args=("saved_report",),
        writers=frozenset({"owner"}),
        data=_nothing,
    ),
}

# Patterns deliberately left out of the sweep, each with its reason.
NOT_SWEPT: dict[str, str] = {}


# --- the admin ----------------------------------------------------------------------------------

# Only a superuser is an administrator: everyone else is sent to the admin's login page. What
# the superuser gets depends on the ModelAdmin (some refuse adding or deleting): any of these.
ADMIN_KINDS = {
    "changelist": ({200}, {200}),
    "add": ({200, 403}, {200, 403}),
    "change": ({200}, {200, 302, 403}),  # 403: a read-only ModelAdmin refuses a change
    "delete": ({200, 403}, {200, 403}),
    "history": ({200}, {200}),
    # 404: rows a migration made have none. A POST would revert to the record: refused.
    "simple_history": ({200, 404}, {403}),
    "object": ({302}, {302}),  # <id>/ redirects to <id>/change/
    "password_change": ({200}, {200}),  # a user's password, set by the superuser
}
ADMIN_SITE = {
    "admin:index": ({200}, {200}),
    "admin:app_list": ({200}, {200}),
    "admin:password_change": ({200}, {200}),
    "admin:password_change_done": ({200}, {405}),
    "admin:autocomplete": ({403}, {405}),  # without a field to complete
    "admin:jsi18n": ({200}, {405}),
    "admin:view_on_site": ({302, 404}, {302, 404}),
    "admin:opportunities_stage_load_preset": ({200}, {200}),
}


def admin_kind(pattern) -> str | None:
    """changelist, add, change, delete, history, simple_history or object (its bare id)."""
    if pattern.model_admin is None:
        return None
    if pattern.key == pattern.route:
        return "object"
    name = pattern.key.removeprefix("admin:")
    opts = pattern.model_admin.model._meta
    kind = name.removeprefix(f"{opts.app_label}_{opts.model_name}_")
    return kind if kind in ADMIN_KINDS and kind != name else None


# An object that does not exist: the admin says so on its index page, or finds no history.
# 403: an admin that refuses the action (django-tasks-db's read-only task results) says so
# before it looks the row up.
ADMIN_MISSING = ({302, 403, 404}, {302, 403, 404})


def admin_expectation(pattern, *, exists: bool = True) -> tuple[set, set] | None:
    if pattern.key in ADMIN_SITE:
        return ADMIN_SITE[pattern.key]
    kind = admin_kind(pattern)
    if kind:
        needs_object = kind not in ("changelist", "add")
        return ADMIN_KINDS[kind] if exists or not needs_object else ADMIN_MISSING
    if pattern.route == "admin/(?P<url>.*)$":  # the admin's catch-all: an unknown page
        return ({404}, {404})
    return None


# The admin's own login and logout pages, which anyone reaches.
ADMIN_PUBLIC = {
    "admin:login": {"get": (200, 200, 200, 200, 200, 200, 302), "post": _row(200, 200)},
    "admin:logout": {"get": (ADMIN_LOGIN, 302, 302, 302, 302, 302, 405), "post": None},
}
