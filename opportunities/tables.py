import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pipeline_crm.templatetags.crm import money

from .models import Opportunity

NUM = {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}}


class MoneyColumn(tables.Column):
    def __init__(self, *args, total_key: str | None = None, **kwargs):
        self.total_key = total_key
        kwargs.setdefault("attrs", NUM)
        super().__init__(*args, **kwargs)

    def render(self, value) -> str:
        return money(value)

    def value(self, value):
        return value

    def render_footer(self, bound_column, table) -> str:
        totals = getattr(table, "totals", None)
        if not totals or not self.total_key:
            return ""
        return money(totals[self.total_key])


class OpportunityTable(tables.Table):
    selected = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"class": "js-select-all", "aria-label": _("Select all")},
            "td__input": {"form": "bulk-form", "aria-label": _("Select")},
        },
        exclude_from_export=True,
    )
    name = tables.Column(linkify=True, verbose_name=_("Name"), order_by=("name", "pk"))
    account = tables.Column(
        linkify=True, verbose_name=_("Account"), order_by=("account__name", "pk")
    )
    stage = tables.Column(verbose_name=_("Stage"), order_by=("stage__order", "stage__name", "pk"))
    status = tables.Column(verbose_name=_("Status"))
    probability = tables.Column(
        verbose_name=_("Prob. %"), attrs=NUM, order_by=("probability", "pk")
    )
    amount = MoneyColumn(verbose_name=_("Amount"), total_key="amount", order_by=("amount", "pk"))
    weighted_amount = MoneyColumn(
        verbose_name=_("Weighted"), total_key="weighted", order_by=("weighted_amount", "pk")
    )
    expected_close_date = tables.DateColumn(
        verbose_name=_("Expected close"), short=True, order_by=("expected_close_date", "pk")
    )
    next_action_date = tables.DateColumn(verbose_name=_("Next action"), short=True)
    owner = tables.Column(
        verbose_name=_("Owner"), order_by=("owner__first_name", "owner__username", "pk")
    )
    business_area = tables.Column(
        verbose_name=_("Business area"),
        order_by=("business_area__order", "business_area__name", "pk"),
    )

    class Meta:
        model = Opportunity
        fields = ()
        sequence = (
            "selected",
            "name",
            "account",
            "stage",
            "status",
            "probability",
            "amount",
            "weighted_amount",
            "expected_close_date",
            "next_action_date",
            "owner",
            "business_area",
        )
        order_by = ("expected_close_date", "pk")
        empty_text = _("No deals match these filters.")
        row_attrs = {"class": lambda record: "stale" if getattr(record, "is_stale", False) else ""}

    def __init__(self, *args, totals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.totals = totals

    def render_name(self, record, value):
        if getattr(record, "is_stale", False):
            return format_html(
                '<a href="{}">{}</a> <span class="badge warning" title="{}">{}</span>',
                record.get_absolute_url(),
                value,
                _("Past its close date or long in its stage"),
                _("stale"),
            )
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def value_name(self, value):
        return value

    def render_status(self, record, value):
        css = {"open": "info", "won": "success", "lost": "danger"}[record.status]
        return format_html('<span class="badge {}">{}</span>', css, value)

    def render_owner(self, value):
        return value.get_full_name() or value.username
