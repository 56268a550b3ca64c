from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from pipeline_crm.templatetags.crm import count, money

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


_FIGURE_FORMATS = {"total": money, "weighted": money, "margin": money, "count": count}


@register.simple_tag
def figure_cells(figures, columns: str) -> str:
    """The number cells of a report's `Figures` (`reports.figures`), each linked to the deals
    behind it: `columns` names them in order ("total weighted count")."""
    cells = (
        (linked(figures.url, _FIGURE_FORMATS[name](getattr(figures, name))),)
        for name in columns.split()
    )
    return format_html_join("", '<td class="num">{}</td>', cells)
