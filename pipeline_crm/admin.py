from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .admin_base import HistoryAdmin
from .models import CompanySettings, GroupRole, LoginFailure
from .numbers import NumberInputsAdmin


@admin.register(CompanySettings)
class CompanySettingsAdmin(NumberInputsAdmin, HistoryAdmin):
    list_display = ("__str__", "currency", "close_date_weeks", "stale_days")

    def has_add_permission(self, request) -> bool:
        return not CompanySettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GroupRoleInline(admin.StackedInline):
    """The group's role key, shown and never edited: it is what makes the group a role."""

    model = GroupRole
    fields = ("key",)
    readonly_fields = ("key",)
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Group)


@admin.register(Group)
class CrmGroupAdmin(GroupAdmin):
    """Django's group admin, showing the role a group gives (renaming keeps it)."""

    list_display = ("name", "role")
    inlines = (GroupRoleInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("crm_role")

    @admin.display(description=_("role"), ordering="crm_role__key")
    def role(self, group: Group) -> str:
        role = getattr(group, "crm_role", None)
        return role.get_key_display() if role else "—"


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """What the per-account login limit counts; deleting an account's rows lifts its limit
    at once (axes' own pages do the same for the per-address lock)."""

    list_display = ("username", "failed_at", "from_trusted_device")
    list_filter = ("from_trusted_device",)
    search_fields = ("username",)
    ordering = ("-failed_at",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
