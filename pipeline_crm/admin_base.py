from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import get_translation_fields
from simple_history.admin import SimpleHistoryAdmin

from .bounds import parse_id
from .concurrency import EditConflict, VersionField, check_version
from .history import Origin, label_change
from .history_guard import history_references, where
from .numbers import NumberInputsAdmin, grouped_count


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose saves are labelled as the admin's, and whose history is read,
    never reverted.

    Every save, deletion and inline row saved here is in the history with origin "admin"
    and the user. django-simple-history's "Revert" posts an old record back as a form: it
    skipped every rule and lock, and it saved for a user with view permission alone, so the
    pages of one historical record only show it (a POST is a 403).

    Those pages look the record up with the path's text as it is: `²` or a word for an id
    raised a ValueError, a 500 (the admin's own object pages answer those with a redirect).
    Anything but an id is no record: a 404.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if parse_id(unquote(object_id)) is None or parse_id(version_id) is None:
            raise Http404("No such record")
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        label_change(obj, Origin.ADMIN)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        label_change(obj, Origin.ADMIN)
        obj._history_user = request.user
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # "Delete selected": one by one, so that each deletion is labelled too.
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            label_change(inline_form.instance, Origin.ADMIN)
            inline_form.instance._history_user = request.user
        super().save_formset(request, form, formset, change)


class VersionedAdminForm(forms.ModelForm):
    """An admin form for a `Versioned` model: it carries the version the page was loaded
    with, and a save on a stale form is refused with the conflict message the CRM's own
    forms give, so neither the admin nor a salesperson overwrites the other's edit unseen.

    The check locks the row (the admin validates and saves in one transaction), so no save
    slips in between; the save then bumps the version as every save path does.
    An inline row is only checked when it was changed: an untouched row is not saved.
    """

    # Named apart from the model's `version`, which the admin refuses as a non-editable field.
    loaded_version = VersionField(required=False)
    checks_unchanged = True  # False for inline rows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: EditConflict | None = None
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        changed = [name for name in self.changed_data if name != "loaded_version"]
        if self.instance.pk is None or not (self.checks_unchanged or changed):
            return cleaned
        if cleaned.get("loaded_version") is None:
            raise forms.ValidationError(
                _("This form came without the version it was loaded with; reload the page."),
                code="version_missing",
            )
        try:
            check_version(self.instance, cleaned["loaded_version"])
        except EditConflict as conflict:
            self.conflict = conflict
            raise forms.ValidationError(str(conflict), code="conflict") from None
        return cleaned


class VersionedInlineForm(VersionedAdminForm):
    checks_unchanged = False


class KeepsHistoryAdmin:
    """A ModelAdmin mixin for the rows the history names (lookup tables, users).

    Deleting a row that any history record names (`history_guard.history_references`) is
    refused on its delete page and by "Delete selected" alike: the page says which history
    names it and offers deactivating instead (the action "Deactivate selected", or "active"
    on its page); a row no record names is deleted as before. The same rule stops every other
    path (`history_guard.guard_history`). A row in use by a live deal is named by that deal's
    history too, so its page says so without listing every deal.
    """

    actions = ("deactivate_selected",)

    def get_deleted_objects(self, objs, request):
        objs = list(objs)
        named = history_references(self.model, [obj.pk for obj in objs])
        if not named:
            return super().get_deleted_objects(objs, request)
        kept = [obj for obj in objs if obj.pk in named]
        self.message_user(
            request,
            ngettext(
                "%(names)s is named in the history and cannot be deleted. Deactivate it "
                "instead: untick “active” on its page, or choose “Deactivate selected” in "
                "the list.",
                "%(names)s are named in the history and cannot be deleted. Deactivate them "
                "instead: untick “active” on their pages, or choose “Deactivate selected” "
                "in the list.",
                len(kept),
            )
            % {"names": ", ".join(f"“{obj}”" for obj in kept)},
            messages.ERROR,
        )
        protected = [
            gettext("“%(name)s”: %(where)s") % {"name": obj, "where": where(named[obj.pk])}
            for obj in kept
        ]
        return [], {}, set(), protected

    @admin.action(
        description=_("Deactivate selected %(verbose_name_plural)s"), permissions=("change",)
    )
    def deactivate_selected(self, request, queryset):
        """Deactivate the chosen rows, each saved (and so in the history) as the admin's;
        never the administrator's own account."""
        rows = queryset.filter(is_active=True)
        if self.model is get_user_model():
            rows = rows.exclude(pk=request.user.pk)
        count = 0
        for obj in rows:
            obj.is_active = False
            self.save_model(request, obj, None, True)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)s row deactivated.", "%(count)s rows deactivated.", count)
            % {"count": grouped_count(count)},
            messages.SUCCESS,
        )


class LookupAdmin(KeepsHistoryAdmin, NumberInputsAdmin, HistoryAdmin):
    """Lookup tables: ordered, edited in the list, with history; what the history names is
    deactivated, never deleted (`KeepsHistoryAdmin`)."""

    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")


class TranslatedLookupForm(forms.ModelForm):
    """A translated lookup's names: at least one, and the one its `name` column will hold (the
    English, else the first given: `Lookup.save`) not another row's."""

    def clean(self):
        cleaned = super().clean()
        fields = [field for field in get_translation_fields("name") if field in self.fields]
        given = [cleaned[field] for field in fields if cleaned.get(field)]
        if fields and not given:
            self.add_error(
                fields[0],
                forms.ValidationError(
                    _("Give the name in at least one language."), code="required"
                ),
            )
        elif given:
            rows = type(self.instance)._default_manager.all().rewrite(False)
            if rows.filter(name=given[0]).exclude(pk=self.instance.pk).exists():
                self.add_error(
                    fields[0] if cleaned.get(fields[0]) else None,
                    forms.ValidationError(
                        _("Another row is named “%(name)s”.") % {"name": given[0]},
                        code="unique",
                    ),
                )
        return cleaned


class TranslatedLookupAdmin(TranslationAdmin, LookupAdmin):
    """A lookup table whose name is translated (`pipeline_crm.lookups.translate_names`): the
    form has the name in each language (at least one), the list shows the user's, and a
    search finds a row by its name in any language."""

    form = TranslatedLookupForm
    search_fields = tuple(get_translation_fields("name"))
