from django.contrib import admin

from pipeline_crm.admin_base import HistoryAdmin, LookupAdmin

from . import services
from .models import Activity, ActivityType, Document


@admin.register(ActivityType)
class ActivityTypeAdmin(LookupAdmin):
    list_display = ("name", "kind", "order", "is_active")
    list_editable = ("kind", "order", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Activity)
class ActivityAdmin(HistoryAdmin):
    list_display = ("subject", "type", "start", "due_date", "owner", "account", "is_done")
    list_filter = ("is_done", "type")
    search_fields = ("subject", "account__name")
    list_select_related = ("type", "owner", "account")
    raw_id_fields = ("account", "contact", "opportunity")
    autocomplete_fields = ("owner",)
    readonly_fields = ("completed_at", "created_at", "updated_at")
    ordering = ("-start",)
    show_full_result_count = False  # a million rows: no COUNT(*) per page


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
