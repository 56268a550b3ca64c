import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableQuerysetData

from opportunities.tables import NUM, MoneyColumn
from pipeline_crm import jinja2
from pipeline_crm.lookups import lookups_by_pk
from pipeline_crm.users import UserColumn, display_name

from . import kept_totals
from .models import Quote

# A list row's attributes and the columns they are read from (`rows_by_id`).
ROW_COLUMNS = (
    ("pk", "pk"),
    ("number", "number"),
    ("version", "version"),
    ("status", "status"),
    ("amount", "amount"),
    ("margin", "margin"),
    ("sent_at", "sent_at"),
    ("valid_until", "valid_until"),
    ("opportunity_id", "opportunity_id"),
    ("deal_name", "opportunity__name"),
    ("account_id", "opportunity__account_id"),
    ("account_name", "opportunity__account__name"),
    ("owner_id", "opportunity__owner_id"),
)


class AgeColumn(tables.Column):
    """Days since the quote was sent (company time zone)."""

    def value(self, record) -> int | None:
        return record.age_days(timezone.localdate())


class QuoteRows(TableQuerysetData):
    """The quote list's data: one aggregate for the footer and the page count, pages read
    ids first.

    tables2 sorts the filtered quotes and slices them for the page; the slice's ids are read
    narrow (an index-only scan, so a deep page costs about what the first does) and the rows,
    with their joins, by primary key. At 200,000 quotes (`bench_quotes`) this took the
    salesperson's page 100 from a join of 5,000 rows to one of 50 (98 → 14 ms of SQL).
    """

    def __init__(self, quotes, *, request=None, kept: dict | None = None):
        super().__init__(quotes)
        self.request = request
        self.kept = kept  # `QuoteFilter.kept_keys`

    def totals(self) -> dict:
        """Count, amount and margin of the filtered quotes, from the kept totals where the
        filters allow (`kept`)."""
        if self.kept is None:
            return self.data.totals()
        return kept_totals.totals(**self.kept)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        return rows_by_id(list(self.data.values_list("pk", flat=True)[key]), self.request)


class QuoteRow:
    """One row of the outstanding list: the columns it shows, read as plain values
    (`rows_by_id`), with the quote's own day and age rules (`Quote.sent_on`, `age_days`).

    The rows were model instances of the quote, its deal and account, built with their
    deferred fields and read through descriptors. A page of 50 at 200,000 quotes (CPU, same
    minute, loaded machine): read 4.8 → 2.4 ms, written by the rows' template 5.5 → 4.6 ms.
    The page and the export read the same rows (`tests/quotes/test_list.py`); to go back,
    read `Quote` instances again (the template and `EXPORT_VALUES` name the attributes).
    """

    __slots__ = (*(name for name, _column in ROW_COLUMNS), "owner")

    sent_on = Quote.sent_on
    age_days = Quote.age_days


def rows_by_id(ids: list[int], request=None) -> list[QuoteRow]:
    """The quotes `ids`, in that order, with the list's columns (`ROW_COLUMNS`) and their
    deals' owners from the lookup cache (a user missing from it is read)."""
    rows = {}
    names = [name for name, _column in ROW_COLUMNS]
    columns = [column for _name, column in ROW_COLUMNS]
    for values in Quote.objects.filter(pk__in=ids).order_by().values_list(*columns):
        row = QuoteRow()
        for name, value in zip(names, values, strict=True):
            setattr(row, name, value)
        rows[row.pk] = row
    owners = lookups_by_pk(get_user_model(), {row.owner_id for row in rows.values()}, request)
    owners = {owner.pk: owner for owner in owners}
    for row in rows.values():
        row.owner = owners.get(row.owner_id)
    return [rows[pk] for pk in ids if pk in rows]


# The words of a quote row (jinja/quotes/quote_rows.html).
ROW_LABELS = {"draft": _("Draft"), "pdf": _("PDF")}


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
        attrs = {"class": "data-table compact"}  # eleven columns on a laptop screen
        empty_text = _("No quotes match these filters.")
        # The rows are a Jinja2 loop; the columns here give the header, sorts and footer.
        template_name = "quotes/partials/quote_table.html"

    today = None  # the day ages are counted to, set by the view

    def row_context(self) -> dict:
        """What the rows' template (`jinja_rows`) needs beside the quotes: words translated
        once, not per row."""
        return {
            "labels": jinja2.translated(ROW_LABELS),
            "statuses": jinja2.translated(dict(Quote.Status.choices)),
            "today": self.today or timezone.localdate(),
        }

    def value_status(self, record) -> str:
        return str(Quote.Status(record.status).label)

    def value_sent_at(self, record):
        return timezone.localdate(record.sent_at) if record.sent_at else None

    def value_number(self, record) -> str:
        return record.number


# Each column's exported value, as the table's rows show it, given the day ages are counted to
# and the statuses' names (`export_rows`).
EXPORT_VALUES = {
    "number": lambda quote, today, statuses: quote.number,
    "version": lambda quote, today, statuses: quote.version,
    "deal": lambda quote, today, statuses: quote.deal_name,
    "account": lambda quote, today, statuses: quote.account_name,
    "owner": lambda quote, today, statuses: display_name(quote.owner),
    "status": lambda quote, today, statuses: statuses[quote.status],
    "amount": lambda quote, today, statuses: quote.amount,
    "margin": lambda quote, today, statuses: quote.margin,
    "sent_at": lambda quote, today, statuses: quote.sent_on,
    "age": lambda quote, today, statuses: quote.age_days(today),
    "valid_until": lambda quote, today, statuses: quote.valid_until,
}
EXPORT_CHUNK = 2000


def export_rows(table: QuoteTable, request=None):
    """The header and every quote of a sorted (unpaginated) `table`, read in chunks.

    The sorted ids are read first (one narrow query), then the rows a chunk at a time by
    primary key with the page's columns only (`rows_by_id`): the same values as the page
    (`tests/quotes/test_list.py`) in bounded memory, without a server-side cursor over every
    column of the quote, its deal, account and owner. The statuses' names are translated
    once: `get_status_display()` translates all seven each row.
    """
    columns = [column for column in table.columns if column.name in EXPORT_VALUES]
    yield [str(column.header) for column in columns]
    today = timezone.localdate()
    statuses = jinja2.translated(dict(Quote.Status.choices))
    ids = list(table.data.data.values_list("pk", flat=True))
    for start in range(0, len(ids), EXPORT_CHUNK):
        for quote in rows_by_id(ids[start : start + EXPORT_CHUNK], request):
            yield [EXPORT_VALUES[column.name](quote, today, statuses) for column in columns]
