"""Writes on activities, documents and calendar tokens that carry a rule.

The views, the agenda's one-click buttons and the commands all go through these functions.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from opportunities.models import Opportunity
from pipeline_crm.bounds import validate_date_bounds
from pipeline_crm.history import Origin, label_change
from pipeline_crm.storage import StorageFull

from .models import Activity, CalendarToken, Document, new_token
from .uploads import display_name, inspect_upload

# --- activities ---------------------------------------------------------------------------------


def set_done(activity: Activity, is_done: bool, *, now: datetime | None = None) -> None:
    """The done rule: a done activity has completed_at (the moment it was marked done), an
    activity not done has none. Marking a done activity done again keeps its first moment."""
    if is_done and not activity.is_done:
        activity.completed_at = now or timezone.now()
    elif not is_done:
        activity.completed_at = None
    activity.is_done = is_done


def check_links(activity: Activity) -> dict[str, str]:
    """Errors when the contact or the deal belongs to another account than the activity's."""
    errors = {}
    if activity.contact is not None and activity.contact.account_id != activity.account_id:
        errors["contact"] = _("Choose a contact of the activity's account.")
    if activity.opportunity is not None and activity.opportunity.account_id != activity.account_id:
        errors["opportunity"] = _("Choose a deal of the activity's account.")
    return errors


def check_dates(activity: Activity) -> dict[str, list[str]]:
    """Errors for the start, end or due date outside DESIGN.md's bounds (the database refuses
    them too, but a service's caller gets the message instead of an IntegrityError)."""
    errors = {}
    for name in ("start", "end", "due_date"):
        try:
            validate_date_bounds(getattr(activity, name))
        except ValidationError as error:
            errors[name] = error.messages
    return errors


@transaction.atomic
def save_activity(
    activity: Activity, *, user, is_done: bool, now: datetime | None = None
) -> Activity:
    """Create or update `activity` (already filled in by a form) with the done rule applied."""
    errors = {**check_links(activity), **check_dates(activity)}
    if errors:
        raise ValidationError(errors)
    set_done(activity, is_done, now=now)
    activity._history_user = user
    label_change(activity, Origin.FORM)
    activity.save()
    return activity


@transaction.atomic
def mark_done(activity: Activity, *, user, now: datetime | None = None) -> Activity:
    """Mark the activity done now (a no-op on one already done)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not activity.is_done:
        set_done(activity, True, now=now)
        activity._history_user = user
        label_change(activity, Origin.FORM)
        activity.save(update_fields=["is_done", "completed_at", "updated_at"])
    return activity


@transaction.atomic
def reschedule(
    activity: Activity,
    *,
    user,
    start: datetime | None = None,
    end: datetime | None = None,
    due_date: date | None = None,
) -> Activity:
    """Move a task to `due_date`, or any other activity to `start`–`end` (end optional)."""
    if due_date is not None:
        activity.set_due_date(due_date)
    elif start is not None:
        if end is not None and end < start:
            raise ValidationError({"end": _("The end cannot be before the start.")})
        activity.set_times(start, end)
    else:
        raise ValidationError(_("Give a new start or due date."))
    errors = check_dates(activity)
    if errors:
        raise ValidationError(errors)
    activity._history_user = user
    label_change(activity, Origin.FORM)
    activity.save(update_fields=["start", "end", "due_date", "updated_at"])
    return activity


@transaction.atomic
def delete_activity(activity: Activity, *, user) -> None:
    activity._history_user = user
    activity.delete()


# --- documents ----------------------------------------------------------------------------------


def add_document(target: Account | Opportunity, upload: UploadedFile, *, user) -> Document:
    """Check `upload` and attach it to the account or deal `target`.

    The content is checked (size, type by its first bytes, extension agreeing) before
    anything is written; ValidationError names the problem. The file is stored under a
    generated name, then the row is created in a transaction; if that fails the file is
    deleted again, so a failed upload leaves neither a row nor an orphan file. The view calls
    this outside the request's transaction so that no later rollback can undo the row alone.
    """
    original_name = display_name(upload.name)
    kind = inspect_upload(upload, original_name)
    document = Document(
        account=target if isinstance(target, Account) else None,
        opportunity=target if isinstance(target, Opportunity) else None,
        original_name=original_name,
        size=upload.size,
        content_type=kind.content_type,
        uploaded_by=user,
    )
    upload.seek(0)
    # The storage name comes from document_path: a new uuid with the detected type's extension.
    try:
        document.file.save(f"upload{kind.extension}", upload, save=False)
    except StorageFull as error:  # the storage removed its partial file
        raise ValidationError(error.message, code="storage_full") from error
    stored = document.file.name
    try:
        with transaction.atomic():
            document._history_user = user
            document.save()
    except BaseException:
        document.file.storage.delete(stored)
        raise
    return document


@transaction.atomic
def delete_document(document: Document, *, user) -> None:
    """Delete the row (its history keeps a deletion record naming `user`); the file goes once
    the deletion is committed, so a rolled-back delete keeps its file."""
    storage, name = document.file.storage, document.file.name
    document._history_user = user
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- calendar tokens ----------------------------------------------------------------------------


def calendar_token(user) -> CalendarToken:
    """The user's feed token, created on first need."""
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def regenerate_calendar_token(user) -> CalendarToken:
    """Give the user a new secret; the old feed URL stops working at once."""
    token = calendar_token(user)
    token.token = new_token()
    token.created = timezone.now()
    token.save(update_fields=["token", "created"])
    return token
