"""Roles: a user's role is their group; a superuser or staff user is an administrator.

A user in no group has the salesperson's rights.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from .lookups import versioned

SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales manager"


def _group_names(user: User) -> frozenset[str]:
    # Kept on the user object for the request's checks, and cached under the lookup version,
    # which group changes and memberships retire.
    if not hasattr(user, "_crm_group_names"):
        user._crm_group_names = versioned(
            f"user-groups:{user.pk}",
            lambda: frozenset(user.groups.values_list("name", flat=True)),
        )
    return user._crm_group_names


def is_admin(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_staff)


def is_manager(user: User | AnonymousUser) -> bool:
    """Sales managers and administrators: edit every deal, delete, edit budgets."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or SALES_MANAGER in _group_names(user)


def role_name(user: User) -> str:
    if is_admin(user):
        return _("Administrator")
    if is_manager(user):
        return _("Sales manager")
    return _("Salesperson")
