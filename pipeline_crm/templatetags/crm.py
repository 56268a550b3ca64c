from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language_info

from pipeline_crm import exports, history, jinja2, lookups, users
from pipeline_crm.numbers import grouped_count

register = template.Library()


@register.filter
def money(value) -> str:
    """A Decimal amount with two places in the active locale (sv: 1 920 000,00)."""
    if value is None or value == "":
        return ""
    return number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)


@register.filter
def display_name(user) -> str:
    """A person as every page names them (`pipeline_crm.users.display_name`)."""
    return users.display_name(user)


@register.filter
def count(value) -> str:
    """A whole number grouped in the active locale (sv: 23 525), for counts of deals."""
    if value is None or value == "":
        return ""
    return grouped_count(value)


# Each language's name in itself, as the language picker shows it; the two Englishes by their
# region, since Django calls them "English" and "British English" and both write English.
LOCAL_NAMES = {"en": "English (US)", "en-gb": "English (UK)"}


@register.simple_tag
def site_languages() -> list[tuple[str, str]]:
    """(code, name in that language) of each language of the site, for the language picker."""
    return [
        (code, LOCAL_NAMES.get(code) or get_language_info(code)["name_local"])
        for code, _name in settings.LANGUAGES
    ]


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with `kwargs` replaced (pagination, sorting, exports)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag
def excel_csv_label() -> str:
    """The name of the CSV export for Excel in the user's language (pipeline_crm.exports)."""
    return exports.excel_csv_label()


@register.simple_tag(takes_context=True)
def lookups_version(context) -> str:
    """The lookup version, to key `{% cache %}` fragments built only from lookup tables."""
    return lookups.lookups_version(context.get("request"))


@register.filter
def panel_key(filterset) -> str:
    """What a filter panel shows: its fields' values, without paging or sorting."""
    data = filterset.form.data
    if not hasattr(data, "getlist"):
        return ""
    return urlencode([(name, v) for name in filterset.form.fields for v in data.getlist(name)])


@register.simple_tag
def jinja_rows(template_name: str, table) -> str:
    """The rows of `table`'s page rendered by the Jinja2 template `template_name` (jinja/),
    given the `records` and what the table's `row_context()` adds.

    """
    records = [row.record for row in table.paginated_rows]
    return jinja2.render(template_name, {"records": records, **table.row_context()})


@register.simple_tag
def history_entries(entries) -> str:
    """The entries of a page of history, by Jinja2 (`pipeline_crm.history.entries_html`)."""
    return history.entries_html(entries)
