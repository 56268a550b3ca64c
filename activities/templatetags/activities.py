"""Panels other pages include with one line each: `{% load activities %}` and then

- `{% activities_for account %}` (or a contact, or a deal): its activities and the inline form;
- `{% documents_for account %}` (or a deal): its documents and the upload form;
- `{% previous_next_activity opportunity %}`: the deal's previous and next activity, next action;
- `{% my_reminders user %}`: the dashboard's overdue and today's activities and due deals.

Each renders in a fixed number of queries, whatever the number of rows.
"""

from django import template

from ..agenda import company_today
from ..panels import (
    activities_panel,
    activity_items,
    documents_panel,
    previous_next,
    reminders_for,
)

register = template.Library()


def _base(context) -> dict:
    return {"request": context.get("request"), "user": context.get("user")}


@register.inclusion_tag("activities/partials/activities_panel.html", takes_context=True)
def activities_for(context, obj):
    base = _base(context)
    request = context["request"]
    return {**base, **activities_panel(request.user, obj, request=request)}


@register.inclusion_tag("activities/partials/documents_panel.html", takes_context=True)
def documents_for(context, obj):
    base = _base(context)
    request = context["request"]
    return {**base, **documents_panel(request.user, obj, request=request)}


@register.inclusion_tag("activities/partials/previous_next.html", takes_context=True)
def previous_next_activity(context, opportunity):
    request = context["request"]
    return {**_base(context), **previous_next(opportunity, request.user, request)}


@register.inclusion_tag("activities/partials/reminders.html", takes_context=True)
def my_reminders(context, user, due_deals=None):
    """The user's reminders; `due_deals`, where the page counted the user's open deals whose
    next action is due already (the salesperson's dashboard, `totals_per_stage`)."""
    today = company_today()
    request = context.get("request")
    reminders = reminders_for(user, today=today, request=request, deal_count=due_deals)
    return {
        **_base(context),
        "reminders": reminders,
        "activity_items": activity_items(reminders.activities, request),
        "today": today,
    }
