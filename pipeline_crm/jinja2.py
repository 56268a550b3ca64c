"""The Jinja2 environment of the table rows in jinja/ (see TEMPLATES).

Those templates hold no words of their own: their labels come from Python (`gettext` there, so
`makemessages` finds them), and figures and dates go through the same filters as elsewhere, so
they follow the active locale. Addresses come from `url()` (Django's `reverse`), the CSRF field
from Django's own `csrf_input` (given the request).

Why: the deal list's and the quote list's rows and the board's cards are the pages' hottest
loops. Checked by the list and board tests and `tests/pipeline_crm/test_jinja2.py` (`url()`
equals `reverse`).
"""

import html

from django.template import engines
from django.template.defaultfilters import capfirst, date, time
from django.urls import get_script_prefix, reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import Environment, pass_context

from .page_formats import PageFormats


def environment(**options) -> Environment:
    from .users import display_name

    env = Environment(**options)  # Django's backend passes autoescape=True
    env.filters.update(money=_money, date=_date, name=_name, time=time, display_name=display_name)
    env.filters.update(capfirst=capfirst, shown=shown)
    env.globals.update(url=url, translate_with=translate_with)
    return env


# The filters read the render's `formats` (`render` adds one): the language's formats resolved
# once per render, not per cell (`pipeline_crm.page_formats`). Without it, the plain filters.
@pass_context
def _money(context, value) -> str:
    formats = context.get("formats")
    if formats is None:
        from .templatetags.crm import money  # the tags render with this module

        return money(value)
    return formats.money(value)


@pass_context
def _date(context, value, format_name: str | None = None) -> str:
    formats = context.get("formats")
    if formats is None:
        return date(value, format_name)
    return formats.date(value, format_name)


@pass_context
def _name(context, row) -> str:
    """`{{ deal.stage|name }}`: a lookup row's name in the user's language ("" for none)."""
    formats = context.get("formats")
    if formats is None:
        return "" if row is None else row.name
    return formats.name(row)


def shown(value) -> SafeString:
    """`{{ value|shown }}` prints `value` as the Django template language prints `{{ value }}`:
    in local time, localized, escaped by Django (`render_value_in_context`), so a row moved
    to Jinja2 writes the same bytes (Jinja2's own escaping writes `'` as `&#39;`)."""
    if type(value) is str:  # most values: what Django's `escape` does, without its wrappers
        return SafeString(html.escape(value))
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def translate_with(text: str, **values) -> SafeString:
    """`{{ translate_with(labels.due, date=...) }}`: `{% blocktranslate with date=... %}` of
    Django templates, given the translated `text`: printed as it is, its values as `shown`."""
    return SafeString(text % {name: shown(value) for name, value in values.items()})


def url(name: str, *args) -> str:
    """`{{ url("opportunities:detail", deal.pk) }}`: the `{% url %}` of Django templates.

    A route taking one id is reversed once per process (and script prefix), with a marker id
    that is then replaced by each row's: fifty rows of two links each would otherwise cost a
    hundred `reverse` calls, 3–4 ms of the list's budget. The address still comes from the
    URLconf alone; anything else is reversed as it is.
    """
    if len(args) == 1 and isinstance(args[0], int):
        key = (name, get_script_prefix())
        parts = _ID_ROUTES.get(key)
        if parts is None:
            parts = _ID_ROUTES[key] = reverse(name, args=[_MARKER]).split(str(_MARKER))
        if len(parts) == 2:
            return f"{parts[0]}{args[0]}{parts[1]}"
    return reverse(name, args=args)


_MARKER = 987654321987654321  # an id no route's pattern holds elsewhere
_ID_ROUTES: dict[tuple[str, str], list[str]] = {}


def render(template_name: str, context: dict, request=None) -> SafeString:
    """`template_name` (jinja/) rendered with `context`, for a Django template to print.

    With the `request`, Django's backend adds `csrf_input` and `csrf_token` to the context.
    The template escapes everything it prints (autoescape), so its output is safe HTML. The
    filters `money`, `date` and `name` use the render's `formats` (`PageFormats`).
    """
    template = engines["jinja2"].get_template(template_name)
    return mark_safe(template.render({"formats": PageFormats(), **context}, request))


def translated(labels: dict) -> dict:
    """`labels` (lazy translations) in the active language, translated once per page."""
    return {key: str(label) for key, label in labels.items()}
