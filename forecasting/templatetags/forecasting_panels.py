from django import template

from ..reports.funnel import funnel_chart, funnel_report

register = template.Library()


@register.inclusion_tag("forecasting/partials/funnel_panel.html")
def funnel_panel(user=None, grouped=None) -> dict:
    """A compact funnel of every open deal for the dashboard; with `user`, only the deals that
    user owns or shares ("mine"). A few queries (every deal's from the kept totals), none with
    `grouped` (`funnel_report`)."""
    report = funnel_report(None, {}, mine=user, grouped=grouped)
    return {"report": report, "chart": funnel_chart(report, compact=True), "mine": user is not None}
