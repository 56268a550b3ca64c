"""What quotes add to other apps' pages (`pipeline_crm.slots`), registered in `apps.py`."""

from django.utils import timezone

from opportunities.access import can_edit
from opportunities.models import first_of_parts
from pipeline_crm.money import ZERO
from pipeline_crm.roles import is_manager

from .models import Quote

# What the panel shows of its oldest quotes, and no more: the owner is not joined and the
# quote's other columns are not read (`for_list` joined four tables and read every column;
# its planning alone took 3-6 ms a part on a loaded machine).
PANEL_JOINS = ("opportunity", "opportunity__account")
PANEL_FIELDS = ("number", "amount", "sent_at", "opportunity__name", "opportunity__account__name")


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


def outstanding_panel(request, user) -> tuple[str, dict]:
    """The dashboard's outstanding quotes: the user's own, the team's for a manager (count,
    value and the oldest; two queries a part)."""
    quotes = Quote.objects.outstanding()
    team = is_manager(user)
    # A salesperson's part by part (`owned_by_parts`), each read through its own index.
    parts = [quotes] if team else quotes.owned_by_parts(user)
    totals = {"count": 0, "amount": ZERO, "margin": ZERO}
    for part in parts:
        for name, value in part.totals().items():
            totals[name] += value
    return "quotes/partials/dashboard_panel.html", {
        "quote_totals": totals,
        "oldest_quotes": first_of_parts(
            [part.select_related(*PANEL_JOINS).only(*PANEL_FIELDS) for part in parts],
            3,
            "sent_at",
            "pk",
        ),
        "quotes_of_team": team,
        "quotes_today": timezone.localdate(),
    }
