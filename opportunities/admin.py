from django.contrib import admin
from django.urls import path

from pipeline_crm.admin_base import HistoryAdmin, LookupAdmin
from pipeline_crm.numbers import NumberInputsAdmin

from . import preset_admin
from .models import (
    Competitor,
    DealType,
    ForecastCategory,
    LossReason,
    Opportunity,
    OpportunityLine,
    Product,
    ProductGroup,
    Stage,
)

for lookup in (LossReason, DealType, Competitor, ProductGroup):
    admin.site.register(lookup, LookupAdmin)


@admin.register(Stage)
class StageAdmin(LookupAdmin):
    list_display = (
        "name",
        "order",
        "default_probability",
        "is_won_stage",
        "requires_amount",
        "requires_close_date",
        "requires_contact",
        "requires_next_action",
        "is_active",
    )
    list_editable = (
        "order",
        "default_probability",
        "is_won_stage",
        "requires_amount",
        "requires_close_date",
        "requires_contact",
        "requires_next_action",
        "is_active",
    )
    change_list_template = "admin/opportunities/stage/change_list.html"

    def has_delete_permission(self, request, obj=None) -> bool:
        # A stage in use is deactivated, never deleted.
        if obj is not None and Opportunity.objects.filter(stage=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "load-preset/",
                self.admin_site.admin_view(self.load_preset_view),
                name="opportunities_stage_load_preset",
            ),
            *super().get_urls(),
        ]

    def load_preset_view(self, request):
        return preset_admin.load_preset_view(self, request)


@admin.register(ForecastCategory)
class ForecastCategoryAdmin(LookupAdmin):
    list_display = ("name", "order", "kind", "counts_in_forecast", "is_active")
    list_editable = ("order", "kind", "counts_in_forecast", "is_active")


@admin.register(Product)
class ProductAdmin(LookupAdmin):
    list_display = ("name", "code", "group", "list_price", "unit_cost", "order", "is_active")
    list_editable = ("list_price", "unit_cost", "order", "is_active")
    list_filter = ("is_active", "group")
    list_select_related = ("group",)
    search_fields = ("name", "code")


class LineInline(NumberInputsAdmin, admin.TabularInline):
    model = OpportunityLine
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(NumberInputsAdmin, HistoryAdmin):
    list_display = ("name", "account", "stage", "status", "amount", "probability", "owner")
    list_filter = ("status", "stage", "business_area")
    search_fields = ("name", "account__name")
    list_select_related = ("account", "stage", "owner")
    autocomplete_fields = ("account", "owner")
    readonly_fields = ("weighted_amount", "margin", "has_lines")
    ordering = ("-updated_at",)
    inlines = (LineInline,)
