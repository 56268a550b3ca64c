"""Reminders other apps add (a quote nearing its valid-until date), without activities
importing them: an app registers a source in its `AppConfig.ready()`.

A source is a function `(user_ids, today) -> {user_id: [ReminderItem, …]}` that reads the
items of all the given users in a fixed number of queries; the daily e-mail asks once for
every user, the dashboard's panel for one.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReminderItem:
    day: date  # the date the item is about (shown; past dates are marked)
    label: str  # what it is, a lazy translation: shown in the reader's language
    title: str  # names, numbers: not translated
    detail: str
    url: str  # a path; the e-mail puts the CRM's address before it


# (user ids, today, limit) -> each user's items; with a limit, each user's first `limit` by day
# are enough (the dashboard shows that many; the e-mail asks for all).
Source = Callable[[list[int], date, int | None], dict[int, list[ReminderItem]]]
_SOURCES: list[Source] = []


def register(source: Source) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def other_reminders(
    user_ids: Iterable[int], *, today: date, limit: int | None = None
) -> dict[int, list[ReminderItem]]:
    """Every registered source's items per user, each user's sorted by day; with `limit`,
    each user's first `limit` of them."""
    user_ids = list(user_ids)
    found: dict[int, list[ReminderItem]] = defaultdict(list)
    for source in _SOURCES:
        for user_id, items in source(user_ids, today, limit).items():
            found[user_id].extend(items)
    return {
        user_id: sorted(items, key=lambda item: item.day)[:limit]
        for user_id, items in found.items()
    }
