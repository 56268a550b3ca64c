"""Where each URL pattern is swept: its URL on the world's objects, the GET parameters its
page needs, and the data a POST sends (the page's own form as a browser fills it, or what
another page's button posts)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType

from .html_forms import main_form
from .routes import ROUTES, Route
from .sweep import Pattern, Request, build_url, send
from .world import World


@dataclass
class Target:
    pattern: Pattern
    route: Route | None  # None for the admin's patterns
    args: list
    query: dict
    post: object  # a function giving the POST data afresh
    headers: dict

    @property
    def url(self) -> str:
        return build_url(self.pattern, self.args)


def route_args(route: Route, world: World) -> list:
    return [kind[1:] if kind.startswith("=") else world.ids[kind] for kind in route.args]


def admin_args(pattern: Pattern, world: World) -> list:
    """An existing object of the pattern's model (its first), or an id no row has."""
    model = pattern.model_admin.model if pattern.model_admin else None
    first = model._default_manager.order_by("pk").first() if model else None
    values = []
    for name in pattern.args:
        if name in ("object_id", "id", "_0"):
            values.append(first.pk if first else 999_999)
        elif name == "_1":  # simple_history's record of the object
            record = first.history.order_by("pk").first() if first else None
            values.append(record.pk if record else 999_999)
        elif name == "content_type_id":
            values.append(ContentType.objects.get_for_model(world.objects["account"]).pk)
        elif name == "app_label":
            values.append("accounts")
        elif name == "url":
            values.append("no-such-page/")
        else:
            raise AssertionError(f"{pattern.key}: no value for {name}")
    return values


def page_form_data(client, url: str, query: dict) -> dict | None:
    """The data of the page's own form, as the browser of `client`'s user would post it."""
    page = send(client, Request("get", url, query))
    form = main_form(page.response.content.decode(), url)
    return form.data() if form else None


def target(pattern: Pattern, world: World, superuser_client) -> Target:
    route = ROUTES.get(pattern.key)
    if route is None:
        return Target(pattern, None, admin_args(pattern, world), {}, dict, {})
    args = route_args(route, world)
    url = build_url(pattern, args)
    query = route.query(world) if route.query else {}
    if route.data == "form":
        form = page_form_data(superuser_client, url, query)
        post_data = route.post_data(world, form)
        post = lambda: dict(post_data)  # noqa: E731
    else:
        post = lambda: route.post_data(world, None)  # noqa: E731
    headers = {"HX-Request": "true"} if route.htmx else {}
    return Target(pattern, route, args, query, post, headers)


def encode(query: dict) -> str:
    return urlencode(query, doseq=True)
