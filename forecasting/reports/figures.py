"""What every report's query shares: the deals a report reads (`open_deals`, narrowed by its
filters: `narrow_deals`; the won and open deals of a period from their kept sums where those
answer: `won_in_period`, `open_in_period`), a figure with the link to the deals behind it
(`Figures`, `deal_list_url`), and the mark of figures as of a past day, which have no such
link.

Each report aggregates in the database in a fixed number of queries; totals are sums of the
rows shown, so every page adds up."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from opportunities import kept_sums
from opportunities.models import (
    KEPT_OPEN,
    ClosedDealSums,
    Opportunity,
    forecast_weighted,
    won_condition,
)
from pipeline_crm.money import ZERO, round_money

from ..asof import deals_for
from ..periods import Period

AS_OF_LINK = "as_of"


def deal_list_url(base: dict | None = None, /, **params) -> str:
    """The deal list filtered to exactly the deals behind a figure: `base` (the report's
    filters) updated with `params`. A report as of a past day (`base` holding `as_of`) has no
    such list: the deal list shows the deals as they are now, so its figures get no link."""
    merged = {**(base or {}), **params}
    if merged.get(AS_OF_LINK):
        return ""
    query = {k: v for k, v in merged.items() if v is not None and v != ""}
    return f"{reverse('opportunities:list')}?{urlencode(query)}"


def as_of_link(as_of: date | None) -> dict:
    """The link parameter that marks a report's figures as of a past day (no deal-list link)."""
    return {AS_OF_LINK: as_of.isoformat()} if as_of else {}


def open_deals(period: Period, filters: dict, *, as_of: date | None = None):
    """Open deals expected to close in the period, narrowed by the report's filters; with
    `as_of`, as they stood at the end of that day (`forecasting.asof`).

    `filters` holds model instances under owner, business_area, product, deal_type, source,
    forecast_category (any may be missing).
    """
    deals = deals_for(as_of).open().in_period(period.start, period.end)
    return narrow_deals(deals, filters)


@dataclass(frozen=True)
class Source:
    """Deals a report sums, narrowed by its filters: the deals themselves, or their sums kept
    per day and a few keys (`kept`), which answer the same conditions under the same names
    (`OpenAreaSums`, `OpenDealSums`, `ClosedDealSums`) but count with `n`."""

    deals: QuerySet
    kept: bool = False

    def count(self):
        """The aggregate of their number."""
        return Sum("n") if self.kept else Count("*")

    def open_sums(self) -> dict:
        """`open_sums()` of these deals."""
        return {**open_sums(), "count": self.count()}

    def per(self, *fields: str, aggregates: dict, **expressions):
        """`aggregates` of these deals per value of `fields` and `expressions`, groups of at
        least one deal only: kept sums may hold a key whose rows add up to no deal until they
        are folded, which the deals would not show as a group."""
        return (
            self.deals.order_by()
            .values(*fields, **expressions)
            .annotate(**aggregates, deals=self.count())
            .filter(deals__gt=0)
        )


# The kept sums a report's won deals of a period can be read from, and the keys each holds
# (besides the day and the status); the open ones' are `KEPT_OPEN`.
KEPT_CLOSED = ((ClosedDealSums, frozenset({"owner", "business_area"})),)


def _kept(tables, filters: dict, as_of: date | None, per: str | None):
    """The first kept table whose keys hold the filters in use and `per` (what the report
    groups by), when the deals are read as they are now and the sums are kept (PostgreSQL);
    None otherwise."""
    if as_of is not None or not kept_sums.enabled():
        return None
    used = _narrowing(filters) | ({per} if per else set())
    for model, keys in tables:
        if used <= keys:
            return model
    return None


def _narrowing(filters: dict) -> set[str]:
    """The filters in use that narrow the deals (`narrow_deals`'); a report's form also holds
    its period and the like."""
    return {name for name in NARROWING if filters.get(name)}


def _narrowed_kept(rows: QuerySet, filters: dict) -> QuerySet:
    """Kept sums narrowed by a report's filters (each among the table's keys, `_kept`)."""
    return rows.filter(**{name: filters[name] for name in _narrowing(filters)})


def open_in_period(
    period: Period, filters: dict, *, as_of: date | None = None, per: str | None = None
) -> Source:
    """The open deals expected to close in the period, narrowed by the report's filters
    (`open_deals`), or their kept sums where a kept table's keys hold the filters and `per`.

    Why: at 1,000,000 deals a salespeople report of eight quarters summed 400,000 open deals
    per owner and quarter (246 ms), the budget comparison of a quarter 38,000 (21 ms); their
    sums per close date are a few thousand rows. `tests/forecasting/test_kept_sources.py`
    checks that every report reading them gives the same figures with them switched off."""
    model = _kept(KEPT_OPEN, filters, as_of, per)
    if model is None:
        return Source(open_deals(period, filters, as_of=as_of))
    rows = model.objects.filter(
        status=Opportunity.Status.OPEN,
        expected_close_date__gte=period.start,
        expected_close_date__lte=period.end,
    )
    return Source(_narrowed_kept(rows, filters), kept=True)


def won_in_period(
    period: Period, filters: dict, *, as_of: date | None = None, per: str | None = None
) -> Source:
    """The deals won in the period (`won_condition`), narrowed by the report's filters, or
    their kept sums per closed date, owner and business area (`ClosedDealSums`) where those
    hold the filters and `per` (at 1,000,000 deals two years' won per owner and quarter: 91
    ms of deals)."""
    model = _kept(KEPT_CLOSED, filters, as_of, per)
    if model is None:
        return Source(narrow_deals(deals_for(as_of).won_in(period.start, period.end), filters))
    rows = model.objects.filter(won_condition(period.start, period.end))
    return Source(_narrowed_kept(rows, filters), kept=True)


# The filters `narrow_deals` narrows by.
NARROWING = ("owner", "business_area", "product", "deal_type", "source", "forecast_category")


def narrow_deals(deals, filters: dict):
    """`deals` (live or as of a day) narrowed by a report's filters (`open_deals`)."""
    if filters.get("owner"):
        deals = deals.filter(owner=filters["owner"])
    if filters.get("business_area"):
        deals = deals.filter(business_area=filters["business_area"])
    if filters.get("product"):
        deals = deals.with_product(filters["product"])
    for name in ("deal_type", "source", "forecast_category"):
        if filters.get(name):
            deals = deals.filter(**{name: filters[name]})
    return deals


@dataclass
class Figures:
    """Total, weighted, count and margin of some open deals, and the link to them."""

    total: Decimal = ZERO
    weighted: Decimal = ZERO
    count: int = 0
    margin: Decimal = ZERO
    url: str = ""

    def add(self, other: "Figures") -> None:
        self.total += other.total
        self.weighted += other.weighted
        self.count += other.count
        self.margin += other.margin


def open_sums() -> dict:
    """The aggregates of `Figures` (total, weighted, count) for `.annotate(**open_sums())`."""
    # Rows counted, not ids: a salesperson's sums then come from their index alone.
    return {"total": Sum("amount"), "weighted": forecast_weighted(), "count": Count("*")}


def figures_of(row: dict | None, url: str) -> Figures:
    """The `Figures` of one grouped row of `open_sums` (none: zeros), linked to `url`."""
    row = row or {}
    return Figures(
        total=round_money(row.get("total") or ZERO),
        weighted=round_money(row.get("weighted") or ZERO),
        count=row.get("count") or 0,
        url=url,
    )


def figures_rows(
    rows: Iterable[tuple[str, Figures]], total: Figures, *, total_label: str, columns: str
) -> Iterator[tuple]:
    """Labelled figures as flat rows for an export, then the total's row: (label, then the
    figures named in `columns` in order, e.g. "count total weighted")."""
    names = columns.split()
    for label, figures in [*rows, (total_label, total)]:
        yield (label, *(getattr(figures, name) for name in names))
