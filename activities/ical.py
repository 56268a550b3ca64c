"""A user's activities as an iCalendar (RFC 5545) feed, built with the icalendar library.

Timed activities are VEVENTs with DTSTART/DTEND in UTC; one without an end lasts
DEFAULT_DURATION (RFC 5545 wants DTEND after DTSTART). Tasks are all-day VEVENTs on their due
date (DTSTART;VALUE=DATE, DTEND the day after): calendar apps show those everywhere, while
VTODO support is patchy. Done activities stay in the feed with "✓" before their summary.
The feed covers FEED_PAST back and everything ahead, at most FEED_LIMIT events (the soonest).
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Activity, ActivityType

logger = logging.getLogger(__name__)

DEFAULT_DURATION = timedelta(minutes=30)
FEED_PAST = timedelta(days=90)
FEED_LIMIT = 5_000


def feed_queryset(user, *, now: datetime):
    """The user's own activities from FEED_PAST before `now` on (unordered, unlimited)."""
    return Activity.objects.owned_by(user).filter(start__gte=now - FEED_PAST)


def feed_activities(user, *, now: datetime | None = None):
    """The activities a user's feed lists, soonest first, at most FEED_LIMIT."""
    now = now or timezone.now()
    return (
        feed_queryset(user, now=now)
        .select_related("type", "account", "contact", "opportunity")
        .order_by("start", "pk")[:FEED_LIMIT]
    )


def feed_version(user, *, now: datetime | None = None) -> str:
    """A fingerprint of what the feed would hold (one query), for ETag and caching.

    It changes when an activity in the window is added, changed or deleted, and daily as the
    window moves; renaming an account or a type shows once the cached copy expires.
    """
    now = now or timezone.now()
    seen = feed_queryset(user, now=now).aggregate(n=Count("pk"), last=Max("updated_at"))
    raw = f"{user.pk}:{now.date()}:{seen['n']}:{seen['last']}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Labels:
    """Translated words and URLs made once per feed rather than once per event."""

    account: str
    contact: str
    deal: str
    kinds: dict
    url_head: str
    url_tail: str

    @classmethod
    def make(cls, absolute_url: Callable[[str], str]) -> "_Labels":
        sample = absolute_url(reverse("activities:detail", args=[0]))
        head, _zero, tail = sample.rpartition("/0/")
        return cls(
            account=_("Account"),
            contact=_("Contact"),
            deal=_("Deal"),
            kinds={kind.value: str(kind.label) for kind in ActivityType.Kind},
            url_head=f"{head}/",
            url_tail=f"/{tail}",
        )

    def url(self, activity: Activity) -> str:
        return f"{self.url_head}{activity.pk}{self.url_tail}"


def _description(activity: Activity, labels: _Labels) -> str:
    lines = [f"{labels.account}: {activity.account.name}"]
    if activity.contact:
        lines.append(f"{labels.contact}: {activity.contact.full_name}")
    if activity.opportunity:
        lines.append(f"{labels.deal}: {activity.opportunity.name}")
    if activity.notes:
        lines += ["", activity.notes]
    return "\n".join(lines)


def activity_event(activity: Activity, *, labels: _Labels, host: str, stamp: datetime) -> Event:
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
        has_end = activity.end is not None and activity.end > activity.start
        event.add("dtstart", start)
        event.add("dtend", activity.end.astimezone(UTC) if has_end else start + DEFAULT_DURATION)
    summary = f"{activity.type.name}: {activity.subject}"
    event.add("summary", f"✓ {summary}" if activity.is_done else summary)
    event.add("description", _description(activity, labels))
    event.add("categories", [labels.kinds.get(activity.type.kind, activity.type.kind)])
    event.add("status", "CONFIRMED")
    event.add("url", labels.url(activity))
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
    labels = _Labels.make(absolute_url)
    stamp = now.astimezone(UTC)
    for event in feed_events(feed_activities(user, now=now), labels=labels, host=host, stamp=stamp):
        calendar.add_component(event)
    return calendar.to_ical()


def feed_events(activities: Iterable[Activity], **kwargs):
    """The events of `activities`, leaving out (and logging) one whose dates cannot be written,
    such as a task due on the last day Python knows: one row never breaks a user's feed."""
    for activity in activities:
        try:
            yield activity_event(activity, **kwargs)
        except (OverflowError, ValueError):
            logger.warning("Activity %s left out of the iCalendar feed", activity.pk, exc_info=True)
