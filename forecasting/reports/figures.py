"""What every report's query shares: the deals a report reads (`open_deals`, narrowed by its
filters: `narrow_deals`), a figure with the link to the deals behind it (`Figures`,
`deal_list_url`), and the mark of figures as of a past day, which have no such link.

Each report aggregates in the database in a fixed number of queries; totals are sums of the
rows shown, so every page adds up."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse

from opportunities.models import forecast_weighted
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
