from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from pipeline_crm.admin_base import HistoryAdmin, LookupAdmin
from pipeline_crm.numbers import NumberInputsAdmin

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
from .presets import PRESETS
from .stage_presets import load_stage_preset

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
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("preset") in PRESETS:
            result = load_stage_preset(request.POST["preset"], user=request.user)
            messages.success(
                request,
                _(
                    "Preset loaded: %(created)d stages created, %(updated)d updated, "
                    "%(deactivated)d deactivated."
                )
                % result,
            )
            return redirect("admin:opportunities_stage_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load a stage preset"),
            "presets": [(key, label, stages) for key, (label, stages) in PRESETS.items()],
            "opts": self.model._meta,
        }
        return render(request, "admin/opportunities/stage/load_preset.html", context)


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
