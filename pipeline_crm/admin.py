from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from .admin_base import HistoryAdmin, KeepsHistoryAdmin
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
admin.site.unregister(User)

# What gives a user rights: only a superuser grants it. A staff user allowed to change users
# or groups could otherwise make themselves a superuser, or give themselves a role or any
# model permission (DESIGN.md: only a superuser is an administrator).
RIGHTS_FIELDS = {
    User: ("is_staff", "is_superuser", "groups", "user_permissions"),
    Group: ("permissions",),
}


class GrantedBySuperuserOnly:
    """A ModelAdmin mixin: the fields that grant rights are read-only for anyone but a
    superuser."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return (*fields, *RIGHTS_FIELDS[self.model])


@admin.register(User)
class CrmUserAdmin(KeepsHistoryAdmin, GrantedBySuperuserOnly, UserAdmin):
    """Django's user admin, where only a superuser changes what a user may do, and only a
    superuser changes a superuser (its password, say); a user the history names (who owned
    or changed something) is deactivated, never deleted."""

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Group)
class CrmGroupAdmin(GrantedBySuperuserOnly, GroupAdmin):
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
