"""Optimistic locking: a save is refused when the row changed since the user loaded it."""

from django import forms
from django.db import models
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from .history import FieldChange, history_entries


class Versioned(models.Model):
    """A row with a version that every save path checks and increments."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput


class EditConflict(Exception):
    """The row changed after the user loaded it; `changes` says what changed meanwhile."""

    def __init__(self, changes: list[FieldChange], by: list[str] | None = None):
        self.changes = changes
        self.by = by or []  # who changed it, by name
        if self.by:
            message = _("%(people)s changed this record while you edited it.") % {
                "people": get_text_list(self.by, _("and"))
            }
        else:
            message = _("This record was changed by someone else while you edited it.")
        super().__init__(str(message))


def check_version(instance: Versioned, seen_version: int | None) -> None:
    """Lock the row and raise EditConflict if its version is not `seen_version`.

    Call inside a transaction before saving; the caller then bumps `version` with `bump()`.
    """
    current = (
        type(instance)._default_manager.select_for_update().only("version").get(pk=instance.pk)
    )
    if seen_version is not None and current.version != seen_version:
        records = instance.history.filter(version__gte=seen_version).select_related("history_user")
        records = list(records.order_by("history_date", "history_id"))
        seen = [r for r in records if r.version == seen_version][:1]
        newer = [r for r in records if r.version > seen_version]
        changes: list[FieldChange] = []
        for entry in reversed(history_entries(seen + newer)):
            changes.extend(entry.changes)
        by: list[str] = []  # who saved since (the record the user started from is theirs)
        for record in newer:
            who = record.history_user
            name = who and (who.get_full_name() or who.username)
            if name and name not in by:
                by.append(name)
        raise EditConflict(changes, by)
    instance.version = current.version + 1


def versioned_save(form: forms.ModelForm) -> models.Model:
    """Save a ModelForm with a `version` field under the optimistic lock.

    Returns the saved instance or adds a form error and raises EditConflict.
    """
    instance = form.instance
    if instance.pk:
        try:
            check_version(instance, form.cleaned_data.get("version"))
        except EditConflict as conflict:
            form.add_error(None, forms.ValidationError(str(conflict), code="conflict"))
            form.conflict = conflict
            raise
    return form.save()


class VersionedModelForm(forms.ModelForm):
    """A ModelForm carrying the version the user loaded, for `versioned_save`."""

    version = VersionField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: EditConflict | None = None
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
