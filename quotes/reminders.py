"""Quotes nearing their valid-until date remind their owner (the deal's owner), in the daily
e-mail and on the dashboard (`activities.reminder_sources`)."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from activities.reminder_sources import ReminderItem

from .models import Quote, QuoteSettings

LABEL = _("Quote valid until")
DEFAULT_REMINDER_DAYS = QuoteSettings._meta.get_field("reminder_days").default
MAX_REMINDER_DAYS = 365  # the setting's largest value


def quotes_expiring_soon(user_ids: list[int], today: date) -> dict[int, list[ReminderItem]]:
    """Each user's outstanding quotes valid until today … today + the company's reminder
    days: one query whatever the number of users (the setting rides along as a subquery)."""
    days = QuoteSettings.objects.filter(pk=1).values("reminder_days")
    quotes = (
        Quote.objects.outstanding()
        .filter(
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=MAX_REMINDER_DAYS),
            opportunity__owner__in=user_ids,
        )
        .annotate(reminder_days=Subquery(days))
        .select_related("opportunity", "opportunity__account")
        .order_by("valid_until", "pk")
    )
    found = defaultdict(list)
    for quote in quotes:
        window = DEFAULT_REMINDER_DAYS if quote.reminder_days is None else quote.reminder_days
        if quote.valid_until > today + timedelta(days=window):
            continue
        found[quote.opportunity.owner_id].append(
            ReminderItem(
                day=quote.valid_until,
                label=LABEL,
                title=f"{quote.number} · {quote.opportunity.name}",
                detail=quote.opportunity.account.name,
                url=reverse("quotes:detail", args=[quote.pk]),
            )
        )
    return found
