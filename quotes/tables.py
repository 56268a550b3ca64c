import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opportunities.tables import NUM, MoneyColumn
from pipeline_crm.users import UserColumn

from .models import Quote


class AgeColumn(tables.Column):
    """Days since the quote was sent (company time zone)."""

    def value(self, record) -> int | None:
        return record.age_days(timezone.localdate())


class QuoteTable(tables.Table):
    """The outstanding quotes. Rows are written by the table's template; exports read the
    columns' values, the same rows in the same order."""

    number = tables.Column(
        verbose_name=_("Quote"),
        order_by=("number_year", "number_sequence", "pk"),
        footer=_("Total"),
    )
    version = tables.Column(verbose_name=_("Version"), attrs=NUM)
    deal = tables.Column(
        accessor="opportunity__name", verbose_name=_("Deal"), order_by=("opportunity__name", "pk")
    )
    account = tables.Column(
        accessor="opportunity__account__name",
        verbose_name=_("Account"),
        order_by=("opportunity__account__name", "pk"),
    )
    owner = UserColumn(
        accessor="opportunity__owner",
        verbose_name=_("Owner"),
        order_by=("opportunity__owner__first_name", "opportunity__owner__username", "pk"),
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
    amount = MoneyColumn(verbose_name=_("Amount"), total_key="amount", order_by=("amount", "pk"))
    margin = MoneyColumn(verbose_name=_("Margin"), total_key="margin", order_by=("margin", "pk"))
    sent_at = tables.Column(verbose_name=_("Sent"), order_by=("sent_at", "pk"))
    age = AgeColumn(
        accessor="sent_at", verbose_name=_("Age (days)"), attrs=NUM, order_by=("-sent_at", "-pk")
    )
    valid_until = tables.Column(verbose_name=_("Valid until"), order_by=("valid_until", "pk"))

    class Meta:
        model = Quote
        fields = ()
        sequence = (
            "number",
            "version",
            "deal",
            "account",
            "owner",
            "status",
            "amount",
            "margin",
            "sent_at",
            "age",
            "valid_until",
        )
        order_by = ("sent_at",)
        empty_text = _("No quotes match these filters.")
        template_name = "quotes/partials/quote_table.html"

    def value_status(self, record) -> str:
        return record.get_status_display()

    def value_sent_at(self, record):
        return timezone.localdate(record.sent_at) if record.sent_at else None

    def value_number(self, record) -> str:
        return record.number
