"""The Jinja2 environment of the table rows in jinja/ (see TEMPLATES).

Those templates hold no words of their own: their labels come from Python (`gettext` there, so
`makemessages` finds them), and figures and dates go through the same filters as elsewhere, so
they follow the active locale.
"""

from django.template import engines
from django.template.defaultfilters import date
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment


def environment(**options) -> Environment:
    from .templatetags.crm import money  # the tags render with this module

    env = Environment(**options)  # Django's backend passes autoescape=True
    env.filters.update(money=money, date=date)
    return env


def render(template_name: str, context: dict) -> SafeString:
    """`template_name` (jinja/) rendered with `context`, for a Django template to print.

    The template escapes everything it prints (autoescape), so its output is safe HTML.
    """
    return mark_safe(engines["jinja2"].get_template(template_name).render(context))


def translated(labels: dict) -> dict:
    """`labels` (lazy translations) in the active language, translated once per page."""
    return {key: str(label) for key, label in labels.items()}
