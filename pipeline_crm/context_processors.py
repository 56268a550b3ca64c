from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import is_admin, is_manager, role_name

# The main navigation; an entry shows once its page exists.
NAVIGATION = (
    ("dashboard", _("Dashboard"), "dashboard"),
    ("accounts", _("Accounts"), "accounts:list"),
    ("contacts", _("Contacts"), "contacts:list"),
    ("opportunities", _("Opportunities"), "opportunities:list"),
    ("activities", _("Activities"), "activities:agenda"),
    ("quotes", _("Quotes"), "quotes:list"),
    ("reports", _("Reports"), "forecasting:index"),
)


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    for key, label, name in NAVIGATION:
        try:
            items.append({"key": key, "label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    section = request.resolver_match.namespace if request.resolver_match else ""
    return {
        "nav_items": items,
        "nav_section": section or "dashboard",
        "user_is_admin": is_admin(request.user),
        "user_is_manager": is_manager(request.user),
        "user_role": role_name(request.user),
    }
