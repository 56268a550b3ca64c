"""A user's activities as an iCalendar (RFC 5545) feed, built with the icalendar library.

Timed activities are VEVENTs with DTSTART/DTEND in UTC; one without an end lasts
DEFAULT_DURATION (RFC 5545 wants DTEND after DTSTART). Tasks are all-day VEVENTs on their due
date (DTSTART;VALUE=DATE, DTEND the day after): calendar apps show those everywhere, while
VTODO support is patchy. Done activities stay in the feed with "✓" before their summary.
The feed covers FEED_PAST back and everything ahead (at most FEED_LIMIT events).
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Activity

DEFAULT_DURATION = timedelta(minutes=30)
FEED_PAST = timedelta(days=180)
FEED_LIMIT = 10_000


def feed_activities(user, *, now: datetime | None = None):
    """The activities a user's feed lists: their own, from FEED_PAST ago on, at most FEED_LIMIT."""
    now = now or timezone.now()
    return (
        Activity.objects.owned_by(user)
        .filter(start__gte=now - FEED_PAST)
        .select_related("type", "account", "contact", "opportunity")
        .order_by("start", "pk")[:FEED_LIMIT]
    )


def _description(activity: Activity) -> str:
    lines = [f"{_('Account')}: {activity.account.name}"]
    if activity.contact:
        lines.append(f"{_('Contact')}: {activity.contact.full_name}")
    if activity.opportunity:
        lines.append(f"{_('Deal')}: {activity.opportunity.name}")
    if activity.notes:
        lines += ["", activity.notes]
    return "\n".join(lines)


def activity_event(activity: Activity, *, url: str, host: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("last-modified", activity.updated_at.astimezone(UTC))
    if activity.due_date is not None:
        event.add("dtstart", activity.due_date)
        event.add("dtend", activity.due_date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        start = activity.start.astimezone(UTC)
        end = (
            activity.end.astimezone(UTC) if activity.end and activity.end > activity.start else None
        )
        event.add("dtstart", start)
        event.add("dtend", end or start + DEFAULT_DURATION)
    summary = f"{activity.type.name}: {activity.subject}"
    event.add("summary", f"✓ {summary}" if activity.is_done else summary)
    event.add("description", _description(activity))
    event.add("categories", [activity.type.get_kind_display()])
    event.add("status", "CONFIRMED")
    event.add("url", url)
    return event


def build_calendar(
    user, *, absolute_url: Callable[[str], str], host: str, now: datetime | None = None
) -> bytes:
    """The user's feed as iCalendar bytes; `absolute_url(path)` makes each event's URL."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Pipeline CRM//Activities//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Pipeline CRM: %(user)s") % {"user": user.get_username()})
    stamp = now.astimezone(UTC)
    for activity in feed_activities(user, now=now):
        calendar.add_component(
            activity_event(
                activity, url=absolute_url(activity.get_absolute_url()), host=host, stamp=stamp
            )
        )
    return calendar.to_ical()
