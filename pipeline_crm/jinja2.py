"""The Jinja2 environment of the table rows in jinja/ (see TEMPLATES).

Those templates hold no words of their own: their labels come from Python (`gettext` there, so
`makemessages` finds them), and figures and dates go through the same filters as elsewhere, so
they follow the active locale.
"""

from django.template.defaultfilters import date
from jinja2 import Environment

from .templatetags.crm import money


def environment(**options) -> Environment:
    env = Environment(**options)  # Django's backend passes autoescape=True
    env.filters.update(money=money, date=date)
    return env
