from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by the worker only: the admin shows them, and may delete old ones."""

    list_display = ("name", "owner", "status", "attempt", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("name", "owner__username")
    ordering = ("-created_at",)
    list_select_related = ("owner",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
