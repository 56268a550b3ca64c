from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from accounts.models import Account, Contact

__all__ = ["dashboard", "login_not_required", "permission_denied"]


def dashboard(request):
    """The user's own counts and shortcuts; later capabilities add their panels."""
    user = request.user
    context = {
        "my_accounts": Account.objects.active().owned_by(user).count(),
        "all_accounts": Account.objects.active().count(),
        "all_contacts": Contact.objects.active().count(),
        "recent_accounts": Account.objects.owned_by(user)
        .select_related("business_area")
        .order_by("-updated_at")[:8],
    }
    return render(request, "dashboard.html", context)


@requires_csrf_token
def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)
