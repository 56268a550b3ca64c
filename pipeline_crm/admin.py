from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CompanySettings


@admin.register(CompanySettings)
class CompanySettingsAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "currency", "close_date_weeks", "stale_days")

    def has_add_permission(self, request) -> bool:
        return not CompanySettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
