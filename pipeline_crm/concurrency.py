"""Optimistic locking: a save is refused when the row changed since the user loaded it.

Every save of a `Versioned` row bumps its version (`next_version`) in `Versioned.save()`, from
the row's current version read under a lock, and every `update()` of versioned rows does so in
the database; `check_version` only locks and compares. A write path therefore cannot forget
the bump, and a stale copy saved without a check (the admin, a
command) still moves the version on, so a form loaded before it gets a conflict.
"""

from django import forms
from django.db import models, router, transaction
from django.db.models import F
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from .bounds import is_ascii_int
from .history import FieldChange, history_entries
from .users import display_name


class _LockedByCaller:
    """`seen_version=LOCKED`: the caller locked the row and re-read it itself."""

    def __repr__(self) -> str:
        return "LOCKED"


# For internal callers only (the bulk actions after their own check, the importer, the admin
# saving through a service): they lock the row and read it fresh in their transaction, so there
# is no version a user saw to compare. A user's request always passes the version it loaded.
LOCKED = _LockedByCaller()

# What a write is based on: the version the user loaded (None when the request sent none,
# which is refused), or LOCKED.
SeenVersion = int | _LockedByCaller | None


def next_version(version):
    """The version a write gives a row: one more. `version` is the row's current version, a
    number read under a lock (`Versioned.save`) or the column itself (`F("version")`, in an
    `update()`): the one place a version is bumped."""
    return version + 1


class VersionedQuerySet(models.QuerySet):
    """`update()` on versioned rows bumps their version too, as `Versioned.save()` does."""

    def update(self, **kwargs):
        kwargs.setdefault("version", next_version(F("version")))
        return super().update(**kwargs)


class Versioned(models.Model):
    """A row with a version that every save path checks and `save()` increments."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Save; an update writes the row's `next_version` (see the module docstring)."""
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        if transaction.get_connection(using).in_atomic_block:
            return self._save_bumped(using, *args, **kwargs)
        with transaction.atomic(using=using):  # a shell or a command: the lock needs one
            return self._save_bumped(using, *args, **kwargs)

    def _save_bumped(self, using: str, *args, **kwargs):
        current = self.__dict__.pop("_locked_version", None)
        if current is None:
            current = (
                type(self)
                ._base_manager.using(using)
                .select_for_update()
                .filter(pk=self.pk)
                .values_list("version", flat=True)
                .first()
            )
        if current is not None:  # else a deleted row: the save says so itself
            self.version = next_version(current)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        return super().save(*args, **kwargs)


def lock_held(instance: Versioned) -> Versioned:
    """Say that `instance` was read with `select_for_update()` in the current transaction, so
    its version is the row's: its next save bumps it without reading it again."""
    instance._locked_version = instance.version
    return instance


VERSION_MAX = 2**31 - 1  # the column's largest value (PositiveIntegerField)


def parse_version(value) -> int | None:
    """The version a request sent (`version=3`); None when it sent none or anything else,
    which `check_version` refuses."""
    text = str(value if value is not None else "").strip()
    if not is_ascii_int(text):
        return None
    number = int(text)
    return number if 0 < number <= VERSION_MAX else None


class VersionField(forms.IntegerField):
    """The hidden version a form was loaded at. Missing or garbage cleans to None, which the
    save refuses with `MissingVersion` (a message for the whole form, not a hidden field's)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        return parse_version(value)


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


class MissingVersion(EditConflict):
    """An update sent without the version it was based on, or with garbage for it."""

    def __init__(self):
        self.changes, self.by = [], []
        Exception.__init__(
            self,
            str(
                _(
                    "This change does not say which version of the record it was based on, "
                    "so it was not saved. Reload the page and make the change again."
                )
            ),
        )


def check_version(instance: Versioned, seen_version) -> None:
    """Lock the row and raise EditConflict if its version is not `seen_version`.

    `seen_version` is the version the user's form or page was loaded at; without one (None,
    or anything but a version) the update is refused with `MissingVersion`, never saved as if
    it were current. `LOCKED` is for internal callers that locked and re-read the row
    themselves. Call inside a transaction before saving: the save then bumps the version
    (`Versioned.save()`) without reading it again.
    """
    if seen_version is not LOCKED and (
        type(seen_version) is not int or not 0 < seen_version <= VERSION_MAX
    ):
        raise MissingVersion()
    current = (
        type(instance)._default_manager.select_for_update().only("version").get(pk=instance.pk)
    )
    if seen_version is not LOCKED and current.version != seen_version:
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
            name = display_name(who)
            if name and name not in by:
                by.append(name)
        raise EditConflict(changes, by)
    instance.version = current.version
    lock_held(instance)


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

    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: EditConflict | None = None
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
