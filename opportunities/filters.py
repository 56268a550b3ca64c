import itertools
from functools import partial
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db import connections
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from accounts.filters import NONE
from accounts.models import BusinessArea, LeadSource
from pipeline_crm.bounds import BoundedDateFilter
from pipeline_crm.choices import ListedFilterField
from pipeline_crm.filters import SearchFilter
from pipeline_crm.lookups import lookup_label
from pipeline_crm.roles import is_manager
from pipeline_crm.users import UserFilter

from . import kept_shared, kept_sums, kept_totals, product_deals
from .forms import DateInput
from .models import (
    KEPT_OPEN,
    NO_AREA,
    DealTotals,
    DealType,
    ForecastCategory,
    KeptTotals,
    Opportunity,
    Product,
    SharedDeal,
    SharedSums,
    Stage,
    matching_accounts,
    matching_part_conditions,
    search_is_split,
    stale_parts,
)


class LookupChoiceFilterField(ListedFilterField):
    def label_from_instance(self, obj) -> str:
        return lookup_label(obj)


class LookupFilter(django_filters.ModelChoiceFilter):
    """A lookup's filter: active rows first, then the retired ones, marked, whose deals are
    still shown (DESIGN.md, "Retired lookups")."""

    field_class = LookupChoiceFilterField

    def __init__(self, *args, model, **kwargs):
        kwargs["queryset"] = model.objects.order_by("-is_active", "order", "name")
        super().__init__(*args, **kwargs)


# The filters `DealTotals` has keys for.
TOTALS_KEYS = ("status", "stage", "owner", "business_area")
CLOSE_RANGE = {"close_from": "expected_close_date__gte", "close_to": "expected_close_date__lte"}


class OpportunityFilter(django_filters.FilterSet):
    """The deal list's and the board's filters; report figures link here with theirs."""

    q = SearchFilter(_("Deal or account name"))
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label=_("Mine"),
        widget=forms.Select(choices=[("", _("Everyone's")), ("true", _("Mine"))]),
    )
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices, label=_("Status"))
    stage = LookupFilter(model=Stage, label=_("Stage"))
    owner = UserFilter(label=_("Owner"))
    business_area = LookupFilter(model=BusinessArea, label=_("Business area"), null_label=NONE)
    deal_type = LookupFilter(model=DealType, label=_("Deal type"), null_label=NONE)
    source = LookupFilter(model=LeadSource, label=_("Source"), null_label=NONE)
    forecast_category = LookupFilter(
        model=ForecastCategory,
        label=_("Forecast category"),
        null_label=NONE,
    )
    product = LookupFilter(model=Product, method="filter_product", label=_("Product"))
    close_from = BoundedDateFilter(
        field_name="expected_close_date",
        lookup_expr="gte",
        label=_("Close from"),
        widget=DateInput(),
    )
    close_to = BoundedDateFilter(
        field_name="expected_close_date",
        lookup_expr="lte",
        label=_("Close to"),
        widget=DateInput(),
    )
    closed_from = BoundedDateFilter(
        field_name="closed_date", lookup_expr="gte", label=_("Closed from"), widget=DateInput()
    )
    closed_to = BoundedDateFilter(
        field_name="closed_date", lookup_expr="lte", label=_("Closed to"), widget=DateInput()
    )
    stale = django_filters.BooleanFilter(
        method="filter_stale",
        label=_("Stale"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Stale only"))]),
    )

    class Meta:
        model = Opportunity
        fields = ()

    # The filters whose condition `deal_parts` splits into disjoint parts: name → their number.
    SPLIT = {"stale": 2, "q": 2}

    def __init__(self, *args, stale_days: int = 30, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stale_days = stale_days
        self.today = today
        self._part = {}  # filter name → which of its parts `filter_queryset` applies
        self._accounts = {}  # searched text → the ids of the accounts matching it
        self._search_parts = {}  # searched text → its parts' conditions

    def deal_parts(self) -> list:
        """The filtered deals (`qs`) as disjoint querysets that together are exactly them.

        A filter whose condition is an OR that reads every deal of a status (stale: long in
        the stage or past the close date, `models.stale_parts`), or every row its index finds
        (the search: the deals of the matching accounts, or matching by name alone,
        `OpportunityQuerySet.matching_parts`), is applied part by part (`SPLIT`), each part
        read from an index that holds the footer's columns, so the footer reads the matching
        deals' index entries and no more. Measured at 100,000 deals
        (45,000 open, 12,600 stale; EXPLAIN ANALYZE): one query over every open deal, 1,000
        index pages, 20 ms; two queries, 59 + 73 pages, 2 + 2 ms. Costs a query per part
        (`DealRows.totals` adds them up); `qs` itself when no filter in use is split, or the
        filters are invalid. Rows and pages still read `qs`, and
        `tests/opportunities/test_list_footer_parts.py` checks the parts are `qs`'s deals,
        each once, and their footer a recount of `qs`.
        """
        if not self.is_valid():
            return [self.qs]
        used = [name for name in self.SPLIT if self.form.cleaned_data.get(name)]
        if not used:
            return [self.qs]
        parts = []
        for choice in itertools.product(*(range(self.SPLIT[name]) for name in used)):
            self._part = dict(zip(used, choice, strict=True))
            try:
                parts.append(self.filter_queryset(self.queryset.all()))
            finally:
                self._part = {}
        return parts

    def footer_parts(self) -> list:
        """`deal_parts`, each part whose figures are kept (`kept_sums`) read from them: a
        product's deals, when the product (and a status) is the only filter; the open deals
        of a range of close dates, when the other filters are keys of a table kept per close
        date (`KEPT_OPEN`); the search's deals of the matching accounts, when the search
        (and a status) is the only filter; and both parts of "stale", when it (and the open
        status) is. Anything else, and on SQLite or switched off, the parts themselves."""
        parts = self.deal_parts()
        using = self.queryset.db
        if not self.is_valid() or not kept_sums.enabled(using):
            return parts
        used = self._in_use()
        status = used.pop("status", None)
        if set(used) == {"product"}:
            figures = partial(
                kept_sums.product_sums, used["product"].pk, status=status, using=using
            )
            return [kept_sums.KeptPart(parts[0], figures)]
        if (rows := self._kept_by_close(used, status)) is not None:
            return [kept_sums.KeptPart(parts[0], rows.using(using).totals)]
        if len(parts) != 2:
            return parts
        if set(used) == {"q"} and search_is_split(text := used["q"].strip(), using):
            figures = partial(
                kept_sums.account_sums, self._accounts[text], status=status, using=using
            )
            return [kept_sums.KeptPart(parts[0], figures), parts[1]]
        if set(used) == {"stale"} and status in (None, Opportunity.Status.OPEN):
            return [
                kept_sums.KeptPart(
                    part, partial(kept_sums.stale_sums, self.today, self.stale_days, i, using=using)
                )
                for i, part in enumerate(parts)
            ]
        return parts

    def _kept_by_close(self, used: dict, status: str | None):
        """The kept sums of the open deals of a range of close dates narrowed by `used` (the
        other filters in use), from the first table of `KEPT_OPEN` with keys for them;
        None when the status is not open, no close date bounds them, or no table has the keys.

        Why (PostgreSQL, 1,000,000 deals, `bench --here`): a business area's open deals of the
        next 90 days (a manager's "this quarter" list) summed 26,000 index entries of the deals,
        SQL p50 27.8 ms; their sums per close date and area are a few hundred rows."""
        if status != Opportunity.Status.OPEN or not used.keys() & CLOSE_RANGE.keys():
            return None
        keys = used.keys() - CLOSE_RANGE.keys()
        model = next((model for model, held in KEPT_OPEN if keys <= held), None)
        if model is None:
            return None
        conditions = {CLOSE_RANGE[name]: used[name] for name in CLOSE_RANGE if name in used}
        conditions.update((name, self._kept_key(name, used[name])) for name in keys)
        return model.objects.filter(status=Opportunity.Status.OPEN, **conditions)

    def _kept_key(self, name: str, value):
        """A filter's value as the kept tables' key: a row's id, or `NO_AREA` (0) for
        "(none)", which their keys hold where the deal holds NULL."""
        if self._is_none(name, value):
            return NO_AREA
        return getattr(value, "pk", value)

    def _is_none(self, name: str, value) -> bool:
        """Whether `value` is the filter's "(none)" choice."""
        return value == getattr(self.filters[name], "null_value", None)

    @classmethod
    def for_company(cls, data, *, queryset, request, company):
        """The filters bound to `data` over `queryset`, "stale" by the company's setting as of
        today."""
        return cls(
            data,
            queryset=queryset,
            request=request,
            stale_days=company.stale_days,
            today=timezone.localdate(),
        )

    def totals_source(self, **fixed) -> KeptTotals | product_deals.ProductTotals | None:
        """Where the filtered deals' totals can be read without reading the deals.

        Returns `KeptTotals` when every filter in use is one of DealTotals' keys: "mine" is
        the user's own rows plus the deals shared with them, from their sums kept per user
        (`SharedSums`, PostgreSQL) or their kept copy (`kept_shared`) where there is one;
        `ProductTotals` when a product is the only filter (`product_deals`, PostgreSQL). None
        when another filter is in use, or the filters are invalid.
        `fixed` are keys the queryset itself holds to (the board's status=open).
        """
        if not kept_totals.enabled() or not self.is_valid():
            return None
        used = self._in_use()
        mine = used.pop("mine", False)
        if not fixed and not mine and set(used) == {"product"}:
            return self._product_totals(used["product"])
        if set(used) - set(TOTALS_KEYS) or (mine and "owner" in used):
            return None
        keys, deal_keys = dict(fixed), dict(fixed)
        for name, value in used.items():
            keys[name] = self._kept_key(name, value)
            if self._is_none(name, value):
                deal_keys[f"{name}__isnull"] = True
            else:
                deal_keys[name] = keys[name]
        shared = deals = None
        kept_deals = Opportunity.objects.filter(**deal_keys)
        if mine:
            user = self.request.user
            deals = kept_deals.owned_by_parts(user)
            kept_deals, shared = deals
            if kept_shared.enabled() and kept_sums.enabled():  # their sums kept per user
                shared = SharedSums.objects.filter(user=user, **keys).exclude(owner=user)
            elif kept_shared.enabled():  # their figures from the copy, one index range
                shared = SharedDeal.objects.shared_with(user).filter(**deal_keys)
        owner = {"owner": self.request.user.pk} if mine else {}
        return KeptTotals(
            DealTotals.objects.filter(**keys, **owner), shared, deals=deals, kept_deals=kept_deals
        )

    def _in_use(self) -> dict:
        """The filters given a value, by name (the form is valid)."""
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES and value is not False
        }

    def _product_totals(self, product) -> product_deals.ProductTotals | None:
        """A product's deals alone: their pairs' sums (`product_deals`); None where they are
        kept summed per product (`footer_parts`), or not at all."""
        using = self.queryset.db
        if kept_sums.enabled(using) or not product_deals.enabled(connections[using]):
            return None
        return product_deals.ProductTotals(product.pk, using=using)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        part = self._part.get(name)
        if not value:
            return queryset.none() if part else queryset
        if value not in self._accounts:  # read once for `qs` and every part
            self._accounts[value] = matching_accounts(value)
        accounts = self._accounts[value]
        if part is None:
            return queryset.matching(value, accounts=accounts)
        if value not in self._search_parts:
            self._search_parts[value] = matching_part_conditions(
                value, accounts=accounts, using=queryset.db
            )
        return queryset.filter(self._search_parts[value][part])

    def filter_mine(self, queryset, name, value):
        if value and self.request is not None:
            return queryset.owned_by(self.request.user)
        return queryset

    def filter_product(self, queryset, name, value):
        return queryset.with_product(value) if value else queryset

    def filter_stale(self, queryset, name, value):
        if not value:
            return queryset
        if name in self._part:
            return queryset.filter(stale_parts(self.today, self.stale_days)[self._part[name]])
        return queryset.stale(self.today, self.stale_days)


# The deal list opened without filters (issue 17.7): a salesperson's own open deals, a
# manager's the team's. A query naming any filter, even empty ("Everyone's", every status, the
# "Clear" link's `ALL_DEALS`), is taken as it is.
ALL_DEALS_PARAMS = {"mine": "", "status": ""}
ALL_DEALS = urlencode(ALL_DEALS_PARAMS)


def list_defaults(user) -> dict[str, str]:
    """The filters the deal list opens with for `user`: open deals, only their own (owned or
    co-responsible) unless they are a sales manager."""
    defaults = {"status": Opportunity.Status.OPEN.value}
    if not is_manager(user):
        defaults["mine"] = "true"
    return defaults


def with_list_defaults(data: QueryDict, user) -> QueryDict:
    """`data` with `list_defaults(user)` added when it names no filter of the deal list.

    Sorting, paging and the export format are not filters: a sorted page or an export of the
    default list keeps the defaults, so an export equals the list it was taken from.
    """
    if any(name in data for name in OpportunityFilter.base_filters):
        return data
    data = data.copy()
    data.update(list_defaults(user))
    return data


class BoardFilter(OpportunityFilter):
    """The board's filters: the list's, less those about closed deals (the board is open deals)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("status", "closed_from", "closed_to"):
            self.filters.pop(name)
