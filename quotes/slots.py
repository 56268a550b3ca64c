"""What quotes add to other apps' pages (`pipeline_crm.slots`), registered in `apps.py`."""

from opportunities.access import can_edit

from .models import Quote


def deal_quotes(request, opportunity) -> tuple[str, dict]:
    """The deal page's quotes section: its quotes and their statuses (one query)."""
    quotes = list(Quote.objects.filter(opportunity=opportunity).order_by("version"))
    for quote in quotes:
        quote.opportunity = opportunity
    user = getattr(request, "user", None)
    return "quotes/partials/deal_quotes.html", {
        "quotes": quotes,
        "can_create": user is not None and opportunity.is_open and can_edit(user, opportunity),
    }
