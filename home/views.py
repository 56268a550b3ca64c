from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token

from accounts.models import Account, Contact
from forecasting.dashboard import budget_status, open_groups, team_attention, team_pipeline
from opportunities.models import Opportunity
from pipeline_crm.models import CompanySettings
from pipeline_crm.roles import is_manager

__all__ = ["bad_request", "dashboard", "login_not_required", "permission_denied"]


def dashboard(request):
    """A salesperson's own figures and what needs doing; a manager's, the team's."""
    user = request.user
    today = timezone.localdate()
    company = CompanySettings.load()
    if is_manager(user):
        return _manager_dashboard(request, today=today, company=company)
    mine = Opportunity.objects.open().owned_by(user)
    # Summed part by part (owned, shared): each part reads one index (`owned_by_parts`).
    pipeline = {"count": 0, "amount": 0, "weighted": 0, "stale": 0}
    for part in Opportunity.objects.open().owned_by_parts(user):
        figures = part.totals(stale=(today, company.stale_days), in_forecast=True)
        for name in pipeline:
            pipeline[name] += figures[name]
    context = {
        "today": today,
        "currency": company.currency,
        "my_accounts": Account.objects.active().owned_by(user).count(),
        "all_contacts": Contact.objects.active().count(),
        "my_pipeline": pipeline,
        "my_stale": mine.stale(today, company.stale_days)
        .select_related("account", "stage")
        .order_by("expected_close_date")[:8],
        "my_stale_count": pipeline["stale"],
        "my_closing": mine.filter(expected_close_date__gte=today)
        .select_related("account", "stage")
        .order_by("expected_close_date")[:8],
        "recent_accounts": Account.objects.owned_by(user)
        .select_related("business_area")
        .order_by("-updated_at")[:6],
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
