from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

_BADGES = {
    "under": ("danger", _("Under budget")),
    "on": ("success", _("On budget")),
    "over": ("info", _("Over budget")),
}


@register.simple_tag
def verdict_badge(report, row) -> str:
    verdict = report.verdict(row)
    if verdict is None:
        return "—"
    css, label = _BADGES[verdict]
    return format_html('<span class="badge {} verdict-{}">{}</span>', css, verdict, label)


@register.simple_tag
def linked(url: str, text) -> str:
    """`text` as a link to `url`, or plain where the figure has no deal list (as of a past day,
    `reports.deal_list_url`)."""
    if not url:
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', url, text)
