from django.contrib import admin

from pipeline_crm.admin_base import HistoryAdmin
from pipeline_crm.numbers import NumberInputsAdmin

from .models import MinimumMargin, PriceList, PriceListItem, Quote, QuoteSettings


@admin.register(QuoteSettings)
class QuoteSettingsAdmin(NumberInputsAdmin, HistoryAdmin):
    list_display = ("__str__", "number_prefix", "valid_days", "uses_vat", "vat_percent")

    def has_add_permission(self, request) -> bool:
        return not QuoteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PriceListItemInline(NumberInputsAdmin, admin.TabularInline):
    model = PriceListItem
    autocomplete_fields = ("product",)
    extra = 1


@admin.register(PriceList)
class PriceListAdmin(HistoryAdmin):
    list_display = ("name", "is_default", "account", "is_active")
    list_filter = ("is_default", "is_active")
    search_fields = ("name", "account__name")
    ordering = ("-is_default", "name")
    autocomplete_fields = ("account",)
    inlines = (PriceListItemInline,)


@admin.register(MinimumMargin)
class MinimumMarginAdmin(NumberInputsAdmin, HistoryAdmin):
    list_display = ("group", "percent")
    list_editable = ("percent",)
    ordering = ("group__name",)


@admin.register(Quote)
class QuoteAdmin(HistoryAdmin):
    """Read only: every change of a quote carries a rule (totals, freezing, numbering) and is
    made in the CRM's own pages, through `quotes.services`."""

    list_display = ("__str__", "opportunity", "status", "amount", "sent_at", "valid_until")
    list_filter = ("status",)
    search_fields = ("number", "opportunity__name")
    ordering = ("-pk",)
    list_select_related = ("opportunity",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
