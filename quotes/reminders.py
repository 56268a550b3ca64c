"""Quotes nearing their valid-until date remind their owner, in the daily e-mail and on the
dashboard (`activities.reminder_sources`). The owner is the quote's kept one (`Quote.owner`,
`kept_owner`: the deal's owner, copied by a trigger), read from the quote's own row and index,
not through a join with its deal (issue 18: a quote reminds its owner)."""

from collections import defaultdict
from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from activities.reminder_sources import ReminderItem

from .models import Quote, QuoteSettings

LABEL = _("Quote valid until")
DEFAULT_REMINDER_DAYS = QuoteSettings._meta.get_field("reminder_days").default
REMINDED_FIELDS = (
    "number",
    "valid_until",
    "owner",
    "opportunity__name",
    "opportunity__account__name",
)


def quotes_expiring_soon(
    user_ids: list[int], today: date, limit: int | None = None
) -> dict[int, list[ReminderItem]]:
    """Each user's outstanding quotes valid until today … today + the company's reminder
    days: two queries whatever the number of users. The window is read first so that the
    quotes outside it stay in the database, and one user's `limit` is the query's: the seed's
    busiest salesperson has 10,000 outstanding quotes of 200,000, 1,000 of them in the window,
    and the dashboard shows 25 (reading every one took it over a second of CPU)."""
    days = QuoteSettings.objects.filter(pk=1).values_list("reminder_days", flat=True).first()
    window = DEFAULT_REMINDER_DAYS if days is None else days
    quotes = (
        Quote.objects.outstanding()
        .filter(
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=window),
            owner__in=user_ids,
        )
        .select_related("opportunity", "opportunity__account")
        .only(*REMINDED_FIELDS)
        .order_by("valid_until", "pk")
    )
    if limit is not None and len(user_ids) == 1:
        quotes = quotes[:limit]  # one user's first `limit` (`other_reminders` cuts the rest)
    found = defaultdict(list)
    for quote in quotes:
        found[quote.owner_id].append(
            ReminderItem(
                day=quote.valid_until,
                label=LABEL,
                title=f"{quote.number} · {quote.opportunity.name}",
                detail=quote.opportunity.account.name,
                url=reverse("quotes:detail", args=[quote.pk]),
            )
        )
    return found
