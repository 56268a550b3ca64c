"""Who may do what with an activity or a document: one helper per model, checked on the object.

Everyone sees every activity and document (DESIGN: roles); changes are checked here.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import Account
from opportunities.access import can_edit as can_edit_deal
from opportunities.models import Opportunity
from pipeline_crm.roles import is_manager

from .models import Activity, Document


def can_edit_activity(user, activity: Activity, *, deal_editable: bool | None = None) -> bool:
    """The owner, the deal's editors (owner, co-responsible) when it is on a deal, managers.

    `deal_editable`: whether `user` may edit the activity's deal, where the caller asked
    already (a deal's panel asks once for all its activities)."""
    if is_manager(user) or activity.owner_id == user.pk:
        return True
    annotated = getattr(activity, "user_can_edit", None)
    if annotated is not None:
        return bool(annotated)
    if activity.opportunity_id is None:
        return False
    if deal_editable is not None:
        return deal_editable
    return can_edit_deal(user, activity.opportunity)


def can_upload_document(user, target: Account | Opportunity) -> bool:
    """Anyone uploads to an account; to a deal only those who may edit the deal."""
    if isinstance(target, Opportunity):
        return can_edit_deal(user, target)
    return True


def can_delete_document(user, document: Document) -> bool:
    """A deal's documents: the deal's editors. An account's: the uploader or a manager."""
    if document.opportunity_id:
        return can_edit_deal(user, document.opportunity)
    return is_manager(user) or document.uploaded_by_id == user.pk


def get_activity(pk: int, user=None) -> Activity:
    queryset = Activity.objects.for_list()
    if user is not None:
        queryset = queryset.with_edit_flag(user)
    return get_object_or_404(queryset, pk=pk)


def get_activity_for_edit(request, pk: int) -> Activity:
    """404 when missing, 403 unless the user may edit, complete, reschedule or delete it."""
    activity = get_activity(pk, request.user)
    if not can_edit_activity(request.user, activity):
        raise PermissionDenied(
            _(
                "Only the activity's owner, the deal's responsible users and sales managers "
                "can change it."
            )
        )
    return activity


def get_document(pk: int) -> Document:
    return get_object_or_404(
        Document.objects.select_related("account", "opportunity", "uploaded_by"), pk=pk
    )


def get_document_for_delete(request, pk: int) -> Document:
    """404 when missing; 403 unless the user may delete it (see can_delete_document)."""
    document = get_document(pk)
    if not can_delete_document(request.user, document):
        if document.opportunity_id:
            message = _("Only those who may edit the deal can delete its documents.")
        else:
            message = _("Only the uploader and sales managers can delete this document.")
        raise PermissionDenied(message)
    return document
