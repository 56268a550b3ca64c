"""Who may do what with an activity or a document: one helper per model, checked on the object.

Everyone sees every activity and document (DESIGN: roles); changes are checked here.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Activity, Document
from .services import can_delete_document, can_edit_activity


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
