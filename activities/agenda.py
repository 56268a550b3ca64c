"""The agenda's days: the company time zone, day boundaries and the overdue/today/week buckets.

Every date here is a calendar date in the company's time zone (settings.TIME_ZONE), whatever
the server's or the database's zone. "Now" and "today" are parameters, so tests pin them.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Bucket(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    EARLIER = "earlier", _("Done earlier")
    TODAY = "today", _("Today")
    THIS_WEEK = "this_week", _("This week")
    LATER = "later", _("Later")


def company_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def company_today(now: datetime | None = None) -> date:
    """The company's calendar date at `now` (default: the current moment)."""
    return timezone.localtime(now or timezone.now(), company_tz()).date()


def day_start(day: date) -> datetime:
    """The first moment of `day` in the company's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), company_tz())


def week_end(today: date) -> date:
    """The Sunday closing `today`'s (ISO, Monday-first) week."""
    return today + timedelta(days=6 - today.weekday())


def bucket_of(day: date, *, is_done: bool, today: date) -> Bucket:
    """The agenda bucket of an activity on local date `day`, seen on `today`.

    Before today: overdue when not done, else "done earlier"; then today; then the rest of
    this week (up to Sunday); then later.
    """
    if day < today:
        return Bucket.EARLIER if is_done else Bucket.OVERDUE
    if day == today:
        return Bucket.TODAY
    if day <= week_end(today):
        return Bucket.THIS_WEEK
    return Bucket.LATER


def bucket_for(activity, *, today: date) -> Bucket:
    return bucket_of(activity.local_date, is_done=activity.is_done, today=today)


def bucket_filters(today: date) -> dict[Bucket, Q]:
    """Each bucket as a filter on `start`, by the same day boundaries as `bucket_of`."""
    midnight = day_start(today)
    tomorrow = day_start(today + timedelta(days=1))
    next_week = day_start(week_end(today) + timedelta(days=1))
    return {
        Bucket.OVERDUE: Q(is_done=False, start__lt=midnight),
        Bucket.EARLIER: Q(is_done=True, start__lt=midnight),
        Bucket.TODAY: Q(start__gte=midnight, start__lt=tomorrow),
        Bucket.THIS_WEEK: Q(start__gte=tomorrow, start__lt=next_week),
        Bucket.LATER: Q(start__gte=next_week),
    }


def bucket_counts(queryset, *, today: date) -> dict[Bucket, int]:
    """How many activities of `queryset` fall in each bucket (one query)."""
    filters = bucket_filters(today)
    counts = queryset.order_by().aggregate(
        # Counted by `start` (never null), not the id: an index of (owner, start) that holds
        # no id then answers the count alone (`activity_owner_not_done`).
        **{bucket.value: Count("start", filter=q) for bucket, q in filters.items()}
    )
    return {bucket: counts[bucket.value] for bucket in Bucket}


def due_counts(queryset, *, today: date) -> dict[Bucket, int]:
    """How many activities of `queryset` are overdue and how many are today's, where the
    queryset holds only what is due (`ActivityQuerySet.due_by(today)`: not done, before
    tomorrow): `bucket_counts`' two figures for it, by the same day boundaries.

    Its rows counted (`COUNT(*)`, and the starts from midnight on): at 1,000,000 activities the
    seed's busiest salesperson has 19,600 due, which `bucket_counts`' five filtered counts
    sent to a parallel index scan of 20-27 ms on a loaded machine (workers started for a
    few milliseconds of work); this one reads the same partial index alone and serially in
    3-8 ms (`activity_owner_not_done`; EXPLAIN ANALYZE, load 5). Checked against
    `bucket_counts` by `tests/activities/test_agenda.py`.
    """
    counts = queryset.order_by().aggregate(
        due=Count("*"), today=Count("start", filter=Q(start__gte=day_start(today)))
    )
    return {Bucket.OVERDUE: counts["due"] - counts["today"], Bucket.TODAY: counts["today"]}


def group_by_bucket(activities: Iterable, *, today: date) -> list[tuple[Bucket, list]]:
    """The rows of one agenda page under their bucket headings, in the rows' order.

    Each row also gets `is_overdue` for its badge.
    """
    groups: list[tuple[Bucket, list]] = []
    for activity in activities:
        bucket = bucket_for(activity, today=today)
        activity.is_overdue = bucket == Bucket.OVERDUE
        if not groups or groups[-1][0] != bucket:
            groups.append((bucket, []))
        groups[-1][1].append(activity)
    return groups
