from django import forms
from django.contrib import admin

from pipeline_crm.admin_base import HistoryAdmin, TranslatedLookupAdmin

from . import services
from .models import Activity, ActivityType, Document


@admin.register(ActivityType)
class ActivityTypeAdmin(TranslatedLookupAdmin):
    list_display = ("name", "kind", "order", "is_active")
    list_editable = ("kind", "order", "is_active")
    list_filter = ("kind", "is_active")


class ActivityAdminForm(forms.ModelForm):
    """Refuses a contact or deal of another account, as the activity form does."""

    def _post_clean(self):
        super()._post_clean()
        if self.has_error("account"):
            return
        for name, message in services.check_links(self.instance).items():
            if name in self.fields and not self.has_error(name):
                self.add_error(name, message)


@admin.register(Activity)
class ActivityAdmin(HistoryAdmin):
    """Activities, for support. "Done" follows the done rule (`services.set_done`): ticking it
    records the moment, unticking clears it; the completed time itself is read-only."""

    form = ActivityAdminForm
    list_display = ("subject", "type", "start", "due_date", "owner", "account", "is_done")
    list_filter = ("is_done", "type")
    search_fields = ("subject", "account__name")
    list_select_related = ("type", "owner", "account")
    raw_id_fields = ("account", "contact", "opportunity")
    autocomplete_fields = ("owner",)
    readonly_fields = ("completed_at", "created_at", "updated_at")
    ordering = ("-start",)
    show_full_result_count = False  # a million rows: no COUNT(*) per page

    def save_model(self, request, obj, form, change):
        ticked = obj.is_done
        obj.is_done = form.initial.get("is_done", False)  # as loaded, for the rule to compare
        services.set_done(obj, ticked)
        if obj.due_date is not None:  # a task: no time of day, at the start of its due date
            obj.set_due_date(obj.due_date)
        super().save_model(request, obj, form, change)


@admin.register(Document)
class DocumentAdmin(HistoryAdmin):
    """Documents are uploaded through the checked upload view only; here they are read."""

    list_display = ("original_name", "account", "opportunity", "size", "uploaded_by", "uploaded_at")
    list_select_related = ("account", "opportunity", "uploaded_by")
    search_fields = ("original_name", "account__name", "opportunity__name")
    # No file field: MEDIA_URL is None, files are only served by the permission-checked view.
    fields = readonly_fields = (
        "account",
        "opportunity",
        "original_name",
        "size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
    )
    ordering = ("-uploaded_at",)

    def has_add_permission(self, request) -> bool:
        return False

    def delete_model(self, request, obj):
        services.delete_document(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.delete_document(document, user=request.user)
