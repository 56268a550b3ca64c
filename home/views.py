from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token

from accounts.models import Account
from forecasting.dashboard import (
    budget_status,
    my_open_figures,
    open_groups,
    team_attention,
    team_pipeline,
)
from opportunities.models import Opportunity
from pipeline_crm.lookups import attach_lookups
from pipeline_crm.models import CompanySettings
from pipeline_crm.roles import is_manager

__all__ = ["bad_request", "dashboard", "login_not_required", "permission_denied"]

# What the salesperson's lists of deals show, and their order.
DASHBOARD_FIELDS = ("name", "stage", "amount", "expected_close_date", "stage_date", "account__name")
CLOSING_ORDER = ("expected_close_date", "pk")


def dashboard(request):
    """A salesperson's own figures and what needs doing; a manager's, the team's."""
    user = request.user
    today = timezone.localdate()
    company = CompanySettings.load()
    if is_manager(user):
        return _manager_dashboard(request, today=today, company=company)
    deals = Opportunity.objects.open()
    # "Mine" summed per stage, part by part (owned, shared): the figures are their sum, the
    # funnel panel shows them; with the deals whose next action is due, for the reminders.
    pipeline, stages, due_deals = my_open_figures(user, today, company.stale_days)
    # The columns the lists show; their stages from the lookup cache.
    listed = deals.select_related("account").only(*DASHBOARD_FIELDS)
    stale = listed.stale(today, company.stale_days).owned_by_first(user, 8, *CLOSING_ORDER)
    closing = listed.filter(expected_close_date__gte=today).owned_by_first(user, 8, *CLOSING_ORDER)
    attach_lookups([*stale, *closing], ("stage",), request)
    # The columns the card shows; the business areas from the lookup cache.
    recent = list(
        Account.objects.owned_by(user)
        .only("name", "business_area", "updated_at")
        .order_by("-updated_at")[:6]
    )
    attach_lookups(recent, ("business_area",), request)
    context = {
        "today": today,
        "currency": company.currency,
        "my_accounts": Account.objects.active().owned_by(user).count(),
        "my_pipeline": pipeline,
        "my_stages": stages,
        "my_stale": stale,
        "my_stale_count": pipeline["stale"],
        "my_closing": closing,
        "my_due_deals": due_deals,
        "recent_accounts": recent,
    }
    return render(request, "dashboard.html", context)


def _manager_dashboard(request, *, today, company):
    """The team at a glance: budget status of this month and quarter per business area, the
    open pipeline per stage, and the deals that need attention, per salesperson."""
    groups = open_groups(today, company.stale_days)
    pipeline = team_pipeline(today, groups)
    attention = team_attention(today, company.stale_days, groups)
    context = {
        "today": today,
        "currency": company.currency,
        "budgets": budget_status(today),
        "pipeline": pipeline,
        "attention": attention,
    }
    return render(request, "dashboard_manager.html", context)


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


@requires_csrf_token
def bad_request(request, exception=None):
    """The 400 page. A `BadRequest` our parsers raise (pipeline_crm.bounds) says what was wrong
    with which value; Django's own (a bad host, too many fields) keep their details to the log."""
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"message": message}, status=400)
