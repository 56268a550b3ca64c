from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pipeline_crm.admin_base import (
    HistoryAdmin,
    LookupAdmin,
    TranslatedLookupAdmin,
    VersionedAdminForm,
)
from pipeline_crm.concurrency import EditConflict
from pipeline_crm.history import Origin
from pipeline_crm.numbers import NumberInputsAdmin

from . import preset_admin, services
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

for lookup in (LossReason, DealType, ProductGroup):
    admin.site.register(lookup, TranslatedLookupAdmin)
admin.site.register(Competitor, LookupAdmin)


@admin.register(Stage)
class StageAdmin(TranslatedLookupAdmin):
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
class ForecastCategoryAdmin(TranslatedLookupAdmin):
    list_display = ("name", "order", "kind", "counts_in_forecast", "is_active")
    list_editable = ("order", "kind", "counts_in_forecast", "is_active")


@admin.register(Product)
class ProductAdmin(LookupAdmin):
    list_display = ("name", "code", "group", "list_price", "unit_cost", "order", "is_active")
    list_editable = ("list_price", "unit_cost", "order", "is_active")
    list_filter = ("is_active", "group")
    list_select_related = ("group",)
    search_fields = ("name", "code")


class LineInline(admin.TabularInline):
    """A deal's lines, shown: they are added and removed on the deal page, where the amount,
    margin and "has lines" follow them (services.add_line / remove_line) and a closed deal's
    lines are locked."""

    model = OpportunityLine
    fields = readonly_fields = (
        "product",
        "quantity",
        "unit_price",
        "discount_percent",
        "unit_cost",
        "line_total",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("total"))
    def line_total(self, line: OpportunityLine):
        return line.total


class OpportunityAdminForm(VersionedAdminForm):
    """The deal form of the admin: it offers active stages (and the deal's own), checks the
    stage gate before the save, and remembers the stage and probability it was loaded with,
    for `save_opportunity` to tell a stage change and a probability typed by hand."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous_stage = self.instance.stage if self.instance.stage_id else None
        self.offered_probability = self.instance.probability
        stage = self.fields.get("stage")
        if stage is not None:
            stage.queryset = stage.queryset.filter(Q(is_active=True) | Q(pk=self.instance.stage_id))

    def _post_clean(self):
        super()._post_clean()
        stage = self.cleaned_data.get("stage")
        if stage is None or self.has_error("stage"):
            return
        if self.previous_stage is not None and stage.pk == self.previous_stage.pk:
            return
        contacts = self.cleaned_data.get("contacts")
        try:
            services.check_stage_gate(
                self.instance, stage, contact_count=None if contacts is None else len(contacts)
            )
        except services.RuleError as error:
            self.add_error("stage", str(error))


@admin.register(Opportunity)
class OpportunityAdmin(NumberInputsAdmin, HistoryAdmin):
    """Deals, for support: every save goes through `services.save_opportunity` (the
    probability rule, the won stage, the stage gate and date, the version, the history).

    Status, closing and what the rules derive are read-only: a deal is closed and reopened
    on its own page, its lines are edited there, and a closed deal's stage, amount,
    probability and dates change only once it is reopened.
    """

    form = OpportunityAdminForm
    list_display = ("name", "account", "stage", "status", "amount", "probability", "owner")
    list_filter = ("status", "stage", "business_area")
    search_fields = ("name", "account__name")
    list_select_related = ("account", "stage", "owner")
    autocomplete_fields = ("account", "owner")
    ordering = ("-updated_at",)
    inlines = (LineInline,)

    RULE_FIELDS = (
        "status",
        "is_probability_manual",
        "stage_date",
        "closed_date",
        "closed_by",
        "loss_reason",
        "weighted_amount",
        "margin",
        "has_lines",
        "deal_page",
    )
    # What a closed deal keeps until it is reopened: the services' one list.
    CLOSED_FIELDS = services.CLOSED_FIELDS

    def get_readonly_fields(self, request, obj=None):
        fields = [*self.RULE_FIELDS]
        if obj is not None and not obj.is_open:
            fields += self.CLOSED_FIELDS
        elif obj is not None and obj.has_lines:
            fields.append("amount")  # the sum of the lines
        return fields

    @admin.display(description=_("deal page"))
    def deal_page(self, opportunity: Opportunity):
        if opportunity.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            opportunity.get_absolute_url(),
            _("Close, reopen and edit the lines on the deal page"),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checks the version and the stage gate before the save; should the service
        # still refuse, the admin's transaction is rolled back and the refusal shown, not a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.RuleError, EditConflict) as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        services.save_opportunity(
            obj,
            user=request.user,
            origin=Origin.ADMIN,
            offered_probability=(
                form.offered_probability if "probability" in form.cleaned_data else None
            ),
            previous_stage=form.previous_stage,
            contacts=form.cleaned_data.get("contacts"),  # the stage gate counts them
            seen_version=form.cleaned_data.get("loaded_version"),
        )
