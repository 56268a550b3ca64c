from django.contrib import admin

from pipeline_crm.admin_base import (
    HistoryAdmin,
    TranslatedLookupAdmin,
    VersionedAdminForm,
    VersionedInlineForm,
)
from pipeline_crm.numbers import NumberInputsAdmin

from .models import (
    Account,
    BusinessArea,
    Contact,
    ContactRole,
    CustomerType,
    Industry,
    LeadSource,
    Segment,
)

for lookup in (BusinessArea, Segment, Industry, CustomerType, ContactRole, LeadSource):
    admin.site.register(lookup, TranslatedLookupAdmin)


class ContactInline(admin.TabularInline):
    model = Contact
    form = VersionedInlineForm
    extra = 0
    fields = (
        "first_name",
        "last_name",
        "title",
        "role",
        "email",
        "phone",
        "is_active",
        "loaded_version",
    )


@admin.register(Account)
class AccountAdmin(NumberInputsAdmin, HistoryAdmin):
    form = VersionedAdminForm
    list_display = (
        "name",
        "org_number",
        "customer_type",
        "business_area",
        "city",
        "owner",
        "is_active",
    )
    list_filter = ("is_active", "customer_type", "segment", "business_area")
    search_fields = ("name", "org_number", "city")
    list_select_related = ("customer_type", "business_area", "owner")
    autocomplete_fields = ("owner",)
    ordering = ("name",)
    inlines = (ContactInline,)


@admin.register(Contact)
class ContactAdmin(HistoryAdmin):
    form = VersionedAdminForm
    list_display = ("__str__", "account", "title", "role", "email", "is_active")
    list_filter = ("is_active", "role")
    search_fields = ("first_name", "last_name", "email", "account__name")
    list_select_related = ("account", "role")
    autocomplete_fields = ("account",)
    ordering = ("last_name", "first_name")
