"""Who may do what with a deal: one helper per action, checked on the object."""

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.db.models import Value
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from pipeline_crm.roles import is_manager

from .models import Opportunity, responsible_condition

DEAL_JOINS = ("account", "owner", "stage", "business_area")


def can_edit(
    user, opportunity: Opportunity, *, co_responsible: Collection[int] | None = None
) -> bool:
    """Managers and administrators edit every deal; a salesperson their own or co-owned ones.

    `co_responsible`: the deal's co-responsible user ids, where the page reads them anyway
    (the deal page), so that the answer costs no query of its own."""
    if is_manager(user):
        return True
    annotated = getattr(opportunity, "user_can_edit", None)
    if annotated is not None:
        return annotated
    return opportunity.is_responsible(user, co_responsible=co_responsible)


def can_reassign(user, opportunity: Opportunity) -> bool:
    """Only the deal's owner and managers change its owner or its co-responsible users
    (DESIGN.md, Roles): a co-responsible cannot make themselves the owner."""
    return is_manager(user) or opportunity.owner_id == user.pk


def with_edit_flag(queryset, user):
    """Annotate `user_can_edit` on each deal in one query (lists, board, bulk)."""
    if is_manager(user):
        return queryset.annotate(user_can_edit=Value(True))
    return queryset.annotate(user_can_edit=responsible_condition(user))


def get_opportunity(pk: int, queryset=None, *, joins=DEAL_JOINS) -> Opportunity:
    """Every user sees every deal; `queryset` may annotate it (the deal page's stale flag).

    Only the relations every page of a deal shows are joined (`joins`); the other lookups
    load when a template reads them, one small query each, or come from the lookup cache
    (the deal page). Joining all ten cost PostgreSQL 8 ms of planning for one row.
    """
    queryset = Opportunity.objects.all() if queryset is None else queryset
    return get_object_or_404(queryset.select_related(*joins), pk=pk)


def get_opportunity_for_edit(request, pk: int) -> Opportunity:
    """404 when missing, 403 when the user may not edit, close or reopen this deal."""
    opportunity = get_opportunity(pk)
    if not can_edit(request.user, opportunity):
        raise PermissionDenied(
            _("Only the deal's owner, its co-responsible users and sales managers can change it.")
        )
    return opportunity


def get_opportunity_for_delete(request, pk: int) -> Opportunity:
    opportunity = get_opportunity(pk)
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can delete deals."))
    return opportunity
