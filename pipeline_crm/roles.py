"""Roles: a user's role is their group, recognised by the group's fixed role key
(`GroupRole`), never by its name, which an administrator may rename.

Only a superuser is an administrator. Staff status lets a user into the Django admin as far
as their model permissions go and gives nothing in the CRM's own pages. A user in no group
has the salesperson's rights.
"""

from django.contrib.auth.models import AnonymousUser, Group, User
from django.utils.translation import gettext as _

from .lookups import versioned
from .models import Role

# The names the migration gives the role groups (the contract); an administrator may rename
# them, so code finds a role's group with `role_group`, never by these names.
SALESPERSON = "Salesperson"
SALES_MANAGER = "Sales manager"


def _memberships(user: User) -> tuple[frozenset[str], frozenset[str]]:
    """The names of the user's groups and the role keys they carry, in one query.

    Kept on the user object for the request's checks, and cached under the lookup version,
    which group changes, role keys and memberships retire."""
    if not hasattr(user, "_crm_memberships"):

        def load():
            rows = list(user.groups.values_list("name", "crm_role__key"))
            return (
                frozenset(name for name, _key in rows),
                frozenset(key for _name, key in rows if key),
            )

        user._crm_memberships = versioned(f"user-groups:{user.pk}", load)
    return user._crm_memberships


def _group_names(user: User) -> frozenset[str]:
    """The names of the user's groups (for display; roles are read with `role_keys`)."""
    return _memberships(user)[0]


def role_keys(user: User) -> frozenset[str]:
    """The `Role` keys of the user's groups."""
    return _memberships(user)[1]


def role_group(key: Role | str) -> Group:
    """The group that gives the role `key`, whatever it is called now."""
    return Group.objects.get(crm_role__key=key)


def is_admin(user: User | AnonymousUser) -> bool:
    """Administrators: superusers only (staff status is the Django admin's business)."""
    return user.is_authenticated and user.is_superuser


def is_manager(user: User | AnonymousUser) -> bool:
    """Sales managers and administrators: edit every deal, delete, edit budgets."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or Role.SALES_MANAGER in role_keys(user)


def role_name(user: User) -> str:
    if is_admin(user):
        return _("Administrator")
    if is_manager(user):
        return _("Sales manager")
    return _("Salesperson")
