"""The daily reminder e-mail: each active user's overdue and today's activities and the deals
whose next action date has come, in the user's language."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import timezone, translation

from opportunities.models import Opportunity

from .agenda import company_tz
from .models import Activity
from .panels import Reminders
from .reminder_sources import other_reminders


def user_language(user) -> str:
    """The user's chosen language when a profile holds one, else the site's default."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def daily_reminders(*, today: date) -> Iterator[tuple[object, Reminders]]:
    """(user, reminders) for every active user with an e-mail address, in three queries.

    Users with nothing due are included with empty reminders; the caller skips them.
    """
    users = list(get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk"))
    by_user: dict[int, Reminders] = {user.pk: Reminders() for user in users}
    activities = (
        Activity.objects.due_by(today)
        .filter(owner__in=[user.pk for user in users])
        .select_related("type", "account", "contact", "opportunity")
        .order_by("start", "pk")
    )
    for activity in activities.iterator(chunk_size=2000):
        reminders = by_user[activity.owner_id]
        activity.is_overdue = activity.local_date < today
        reminders.activities.append(activity)
        if activity.is_overdue:
            reminders.overdue_count += 1
        else:
            reminders.today_count += 1
    deals = {
        deal.pk: deal
        for deal in Opportunity.objects.open()
        .filter(next_action_date__lte=today)
        .select_related("account")
        .order_by("next_action_date", "pk")
    }
    responsible = defaultdict(set)
    for deal in deals.values():
        responsible[deal.pk].add(deal.owner_id)
    co = Opportunity.co_responsible.through.objects.filter(opportunity_id__in=list(deals))
    for opportunity_id, user_id in co.values_list("opportunity_id", "user_id"):
        responsible[opportunity_id].add(user_id)
    for deal in deals.values():
        for user_id in sorted(responsible[deal.pk]):
            if user_id in by_user:
                by_user[user_id].deals.append(deal)
                by_user[user_id].deal_count += 1
    for user_id, items in other_reminders(list(by_user), today=today).items():
        if user_id in by_user:
            by_user[user_id].others.extend(items)
    for user in users:
        yield user, by_user[user.pk]


def reminder_message(user, reminders: Reminders, *, today: date, base_url: str):
    """(subject, plain text, HTML) of one user's e-mail, in the user's language."""
    context = {
        "user": user,
        "reminders": reminders,
        "today": today,
        "base_url": base_url.rstrip("/"),
    }
    with translation.override(user_language(user)), timezone.override(company_tz()):
        subject = render_to_string("activities/email/reminders_subject.txt", context)
        text = render_to_string("activities/email/reminders.txt", context)
        html = render_to_string("activities/email/reminders.html", context)
    return " ".join(subject.split()), text, html
