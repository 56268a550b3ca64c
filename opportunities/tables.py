import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableQuerysetData

from pipeline_crm import jinja2
from pipeline_crm.lookups import attach_lookups
from pipeline_crm.templatetags.crm import money

from .models import LIST_LOOKUPS, KeptTotals, Opportunity, added_totals

NUM = {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}}


class MoneyColumn(tables.Column):
    """An amount column whose footer is the total of every filtered deal (the rows are written
    by the table's template)."""

    def __init__(self, *args, total_key: str | None = None, **kwargs):
        self.total_key = total_key
        kwargs.setdefault("attrs", NUM)
        super().__init__(*args, **kwargs)

    def render_footer(self, bound_column, table) -> str:
        totals = getattr(table, "totals", None)
        if not totals or not self.total_key:
            return ""
        return money(totals[self.total_key])


class DealRows(TableQuerysetData):
    """The deal list's data: totals over every filtered deal, and pages read ids first.

    tables2 sorts `deals` and slices it for the page; the slice's ids come from
    `OpportunityQuerySet.page_ids` (handed the per-lookup counts when the totals query gave
    them), and the rows from `rows`, by primary key and without the filters.
    """

    counts = None
    # The count the pages were laid out by when it was read from the kept totals (not yet
    # checked), and whether the page read agrees with it (`__getitem__`).
    kept_count: int | None = None
    agrees = True

    def __init__(self, deals, *, rows, totals_source=None, parts=None, request=None):
        super().__init__(deals)
        self.rows = rows
        self.totals_source = totals_source
        # `deals` as disjoint parts, summed one by one: querysets, or their kept sums
        # (`OpportunityFilter.footer_parts`, `kept_sums.KeptPart`).
        self.parts = parts
        self.request = request

    def totals(self, *, recount: bool = False) -> dict:
        """The footer's totals: the amount of every listed deal and the weighted value of the
        open ones that count in the forecast (`listed_weighted`), from `DealTotals` (and the
        copy of the shared deals, `kept_shared`) where the filters allow (`totals_source`).

        The count sets the pages, and for a sort by a lookup the counts per value (`counts`) which
        deals each page shows. They come from the kept rows too where the sums do (but a product's
        count, from its lines, with the kept sums switched off), and the page checks them
        (`__getitem__`, `OpportunityQuerySet.page_ids_checked`: it reads one id past its end, and
        past each value's part of it); the view counts the deals (`recount`) when they disagree,
        and, if the kept counts still differ (`kept_agree`), from then on for the user's session
        (`views.RECOUNT`), until a list's kept counts agree again. A count that drifted (only where
        the triggers were bypassed, which `manage.py check` reports) is seen on the page where its
        value or the list ends, so paging through the list shows every deal once. Counting the deals
        instead cost 17-52 ms of every page at 1,000,000 deals (a salesperson's 150,000 open deals;
        every deal: 41 ms; per stage 31 ms, plus the shared deals probed one by one).
        Where the filters are not their keys, the indexes of migration 0022 hold the footer's
        columns: at 1,000,000 deals (load 11) a business area's open deals of a close range
        419 → 29 ms, stale 247 → 47 + 51 ms (`deal_parts`); the search's 34,566 table and
        index pages → 8,840 (`matching_parts`), a product's 9,600 → 850 (`product_deals`);
        the search's accounts and stale from sums kept per key, 21-25 → 9-11 ms and
        16 + 17 → 1 + 4 ms (`kept_sums`).
        """
        sort = self.data.lookup_sort()
        self.kept_count = None
        source = self.totals_source
        if recount:
            return self._counted(sort)
        if isinstance(source, KeptTotals):
            totals = source.totals(listed=True)
            if sort is not None:
                per_value = source.totals_per(sort[0])
                self.counts = {value: row["count"] for value, row in per_value.items()}
        elif source is not None:  # a product's pairs' sums, its count from the lines
            return self._counted(sort)
        else:  # part by part (`footer_parts`): the search's, stale's from `kept_sums`
            totals = self._summed(self.parts or [self.data], sort)
        self.kept_count = totals["count"]
        return totals

    def kept_agree(self, counted: dict) -> bool:
        """Whether the kept counts, read again, are the ones just `counted` from the deals
        (`totals(recount=True)`, and its `counts`). A page can disagree with the kept counts
        read a moment before it only because a deal was written between the two reads (each
        statement sees what was committed when it began); then they agree again, and only
        the page needed counting."""
        counts = self.counts
        kept = self.totals()
        agree = kept["count"] == counted["count"] and (counts is None or self.counts == counts)
        self.counts, self.kept_count = counts, None
        return agree

    def _counted(self, sort) -> dict:
        """The totals with the count, and the counts per value of a lookup sort, from the
        deals themselves (the sums may still be kept ones)."""
        source = self.totals_source
        if source is None:
            return self._summed([self.data], sort)
        # "Mine" is counted as its two disjoint parts: an OR of the owner and the shared deals
        # reads every deal of the status, each part reads one index (at 100,000 deals, 9 ms
        # instead of 16 on a vacuumed table).
        parts = source.deals or [self.data]
        if sort is None:
            return source.totals_counting(parts[0], listed=True)
        totals, self.counts = source.totals_counting_by(parts[0], sort[0], listed=True)
        return totals

    def _summed(self, parts: list, sort) -> dict:
        """The totals of disjoint querysets of deals, and their counts per value for a sort by
        a lookup (`counts`)."""
        if sort is None:
            return added_totals(part.totals(listed=True) for part in parts)
        self.counts = {}
        summed = []
        for part in parts:
            totals, counts = part.totals_by(sort[0], listed=True)
            summed.append(totals)
            for value, n in counts.items():
                self.counts[value] = self.counts.get(value, 0) + n
        return added_totals(summed)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        start, stop = key.start or 0, key.stop
        if self.kept_count is None:
            ids = self.data.page_ids(start, stop, counts=self.counts)
        else:
            ids, self.agrees = self.data.page_ids_checked(
                start, stop, count=self.kept_count, counts=self.counts
            )
        rows = {row.pk: row for row in self.rows.filter(pk__in=ids)}
        attach_lookups(rows.values(), LIST_LOOKUPS, self.request)
        return [rows[pk] for pk in ids if pk in rows]


# The words of a deal row (jinja/opportunities/deal_rows.html) and the badge of each status.
ROW_LABELS = {
    "select": _("Select"),
    "not_yours": _("Only its owner, its co-responsible and managers may change this deal."),
    "stale": _("stale"),
    "stale_title": _("Past its close date or long in its stage"),
    "retired": _("retired"),
    "retired_title": _("No longer in use: kept for the deals that still carry it."),
}
STATUS_BADGES = {"open": "info", "won": "success", "lost": "danger"}


class OpportunityTable(tables.Table):
    selected = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"class": "js-select-all", "aria-label": _("Select all")},
            "td__input": {"form": "bulk-form", "aria-label": _("Select")},
        },
        exclude_from_export=True,
    )
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"), footer=_("Total"))
    account = tables.Column(verbose_name=_("Account"), order_by=("account__name", "pk"))
    stage = tables.Column(verbose_name=_("Stage"), order_by=("stage__order", "stage__name", "pk"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
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
    next_action_date = tables.DateColumn(
        verbose_name=_("Next action"), short=True, order_by=("next_action_date", "pk")
    )
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
        # The rows are a Jinja2 loop; the columns here give the header, sorts and footer.
        template_name = "opportunities/partials/deal_table.html"
        attrs = {"class": "data-table compact"}  # twelve columns on a laptop screen

    totals = None  # the footer's figures, set by the view

    def row_context(self) -> dict:
        """What the rows' template (`jinja_rows`) needs beside the deals: words translated
        once, not per row."""
        return {
            "labels": jinja2.translated(ROW_LABELS),
            "statuses": {
                value: (str(label), STATUS_BADGES[value])
                for value, label in Opportunity.Status.choices
            },
        }
