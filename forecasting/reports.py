"""The report queries. Each aggregates in the database in a fixed number of queries; totals are
sums of the rows shown, so every page adds up."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import BusinessArea
from opportunities.models import (
    ForecastCategory,
    Stage,
    forecast_weighted,
    overdue_condition,
    weighted_open_condition,
)
from pipeline_crm.models import CompanySettings
from pipeline_crm.money import ZERO, percent, round_money

from .asof import deals_for
from .models import Budget
from .periods import Period


def deal_list_url(base: dict | None = None, /, **params) -> str:
    """The deal list filtered to exactly the deals behind a figure: `base` (the report's
    filters) updated with `params`. A report as of a past day (`base` holding `as_of`) has no
    such list: the deal list shows the deals as they are now, so its figures get no link."""
    merged = {**(base or {}), **params}
    if merged.get(AS_OF_LINK):
        return ""
    query = {k: v for k, v in merged.items() if v is not None and v != ""}
    return f"{reverse('opportunities:list')}?{urlencode(query)}"


AS_OF_LINK = "as_of"


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
    return _narrow(deals, filters)


def _narrow(deals, filters: dict):
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


# --- pipeline per business area ----------------------------------------------------------------


@dataclass
class Figures:
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


@dataclass
class StageRow:
    stage: Stage
    figures: Figures


@dataclass
class AreaBlock:
    area: BusinessArea | None
    rows: list[StageRow] = field(default_factory=list)
    subtotal: Figures = field(default_factory=Figures)

    @property
    def name(self) -> str:
        return self.area.name if self.area else ""


@dataclass
class PipelineReport:
    period: Period
    areas: list[AreaBlock]
    total: Figures


def pipeline_report(
    period: Period,
    filters: dict,
    *,
    link_params: dict | None = None,
    as_of: date | None = None,
) -> PipelineReport:
    """Open deals closing in the period, grouped business area × stage (stages in order):
    Total, Weighted, # and Margin per row, a subtotal per area and a grand total. With
    `as_of`, the deals as they stood at the end of that day."""
    link = {
        "status": "open",
        "close_from": period.start.isoformat(),
        "close_to": period.end.isoformat(),
        **(link_params or {}),
        **as_of_link(as_of),
    }
    grouped = (
        open_deals(period, filters, as_of=as_of)
        .order_by()
        .values("business_area", "stage")
        .annotate(
            total=Sum("amount"),
            weighted=forecast_weighted(),
            count=Count("pk"),
            margin=Sum("margin"),
        )
    )
    areas = {a.pk: a for a in BusinessArea.objects.all()}
    stages = {s.pk: s for s in Stage.objects.all()}
    blocks: dict[int | None, AreaBlock] = {}
    for row in grouped:
        area_id = row["business_area"]
        block = blocks.setdefault(area_id, AreaBlock(area=areas.get(area_id)))
        figures = Figures(
            total=round_money(row["total"] or ZERO),
            weighted=round_money(row["weighted"] or ZERO),
            count=row["count"],
            margin=round_money(row["margin"] or ZERO),
            url=deal_list_url(link, business_area=area_id or "null", stage=row["stage"]),
        )
        block.rows.append(StageRow(stage=stages[row["stage"]], figures=figures))
        block.subtotal.add(figures)
    ordered = sorted(
        blocks.values(),
        key=lambda b: (b.area is None, b.area.order if b.area else 0, b.name),
    )
    total = Figures(url=deal_list_url(link))
    for block in ordered:
        block.rows.sort(key=lambda r: (r.stage.order, r.stage.name))
        block.subtotal.url = deal_list_url(
            link, business_area=block.area.pk if block.area else "null"
        )
        total.add(block.subtotal)
    return PipelineReport(period=period, areas=ordered, total=total)


def pipeline_rows(
    report: PipelineReport,
    *,
    total_label: str = "Total",
    subtotal_label: str = "",
    none_label: str = "",
):
    """The report as flat rows: (area, stage, total, weighted, count, margin).

    An area's subtotal row has that area and `subtotal_label` as its stage (empty by
    default, as the CLI's and the machine CSV's contract has it); the grand total row has
    `total_label` and an empty stage. The deals without a business area are in the group
    named `none_label` (the page's "(no business area)"; empty in the CLI's CSV).
    """
    for block in report.areas:
        name = block.name or none_label
        for row in block.rows:
            f = row.figures
            yield (name, row.stage.name, f.total, f.weighted, f.count, f.margin)
        s = block.subtotal
        yield (name, subtotal_label, s.total, s.weighted, s.count, s.margin)
    t = report.total
    yield (total_label, "", t.total, t.weighted, t.count, t.margin)


# --- budget comparison -------------------------------------------------------------------------


@dataclass
class BudgetRow:
    area: BusinessArea | None
    budget: Decimal = ZERO
    won: Decimal = ZERO
    weighted: Decimal = ZERO
    overdue: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    won_url: str = ""
    weighted_url: str = ""
    overdue_url: str = ""

    @property
    def name(self) -> str:
        return self.area.name if self.area else ""

    @property
    def forecast(self) -> Decimal:
        return self.won + self.weighted

    @property
    def variance(self) -> Decimal:
        return self.forecast - self.budget

    @property
    def percent(self) -> Decimal | None:
        return percent(self.forecast, self.budget)

    def add(self, other: "BudgetRow") -> None:
        for name in ("budget", "won", "weighted", "overdue", "commit", "best_case"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class BudgetReport:
    """The budget comparison's rows (every area with a figure, in area order) and totals.

    `total` adds up every row. Areas without a budget in the period cannot be under, on or
    over it, so the verdict is read from `budgeted_total` (the areas with a budget); the
    won and open deals of the others are `unbudgeted_total`, shown apart.
    """

    period: Period
    rows: list[BudgetRow]
    total: BudgetRow
    lower: Decimal
    upper: Decimal
    budgeted_total: BudgetRow = field(default_factory=lambda: BudgetRow(area=None))
    unbudgeted_total: BudgetRow = field(default_factory=lambda: BudgetRow(area=None))

    @property
    def budgeted_rows(self) -> list[BudgetRow]:
        return [row for row in self.rows if row.budget]

    @property
    def unbudgeted_rows(self) -> list[BudgetRow]:
        return [row for row in self.rows if not row.budget]

    def verdict(self, row: BudgetRow) -> str | None:
        """under / on / over budget, by the company's thresholds (on = 95–105 % by default)."""
        if not row.budget:
            return None
        # Compare unrounded: 94.999 % is under a 95 % threshold even though it shows as 95.0 %.
        ratio = row.forecast * 100
        if ratio < row.budget * self.lower:
            return "under"
        if ratio > row.budget * self.upper:
            return "over"
        return "on"


def budget_for_period(period: Period, *, owner=None, business_area=None) -> dict[int, Decimal]:
    """Budget per business area for the period.

    A month's area budget follows `AreaBudget.amount` (the sum of its per-salesperson rows
    where it has any, else its area row); a month the period covers in part counts pro rata
    by days (rounded per month). With `owner`, only that salesperson's rows count.
    """
    budgets = Budget.objects.filter(month__in=period.months())
    if business_area is not None:
        budgets = budgets.filter(business_area=business_area)
    if owner is not None:
        budgets = budgets.filter(salesperson=owner)
    result: dict[int, Decimal] = {}
    for (area_id, month), budget in budgets.area_budgets().items():
        inside, days = period.share_of_month(month)
        share = round_money(budget.amount * inside / days)
        result[area_id] = result.get(area_id, ZERO) + share
    return result


def budget_report(
    period: Period,
    filters: dict,
    *,
    today=None,
    link_params=None,
    as_of: date | None = None,
) -> BudgetReport:
    """Per business area: budget, won, weighted open, forecast, commit, best case, overdue.

    With `as_of`, the deals as they stood at the end of that day, and that day is "today"
    (overdue before it, weighted open from it on); budgets are as they are now.

    Won, weighted open and overdue are DESIGN.md's named figures (`won_in`,
    `weighted_open_condition`, `overdue_condition`); commit and best case count the open deals
    of weighted open in their categories, so a category that does not count in the forecast
    adds to neither. Every business area with a figure gets a row, a retired one too.
    """
    today = as_of or today or timezone.localdate()
    company = CompanySettings.load()
    link = {**(link_params or {}), **as_of_link(as_of)}
    won = (
        _narrow(deals_for(as_of).won_in(period.start, period.end), filters)
        .order_by()
        .values("business_area")
        .annotate(amount=Sum("amount"))
    )
    kinds = ForecastCategory.Kind
    weighted_open = weighted_open_condition(period.start, period.end, today=today)
    open_rows = (
        open_deals(period, filters, as_of=as_of)
        .order_by()
        .values("business_area")
        .annotate(
            weighted=Sum("weighted_amount", filter=weighted_open),
            overdue=Sum("amount", filter=overdue_condition(today)),
            commit=Sum("amount", filter=weighted_open & Q(forecast_category__kind=kinds.COMMIT)),
            best=Sum(
                "amount",
                filter=weighted_open
                & Q(forecast_category__kind__in=[kinds.COMMIT, kinds.BEST_CASE]),
            ),
        )
    )
    budgets = budget_for_period(
        period, owner=filters.get("owner"), business_area=filters.get("business_area")
    )
    areas = {a.pk: a for a in BusinessArea.objects.all()}
    rows: dict[int | None, BudgetRow] = {}

    def row_for(area_id):
        return rows.setdefault(area_id, BudgetRow(area=areas.get(area_id)))

    for area_id, amount in budgets.items():
        row_for(area_id).budget = amount
    for item in won:
        row_for(item["business_area"]).won = round_money(item["amount"] or ZERO)
    for item in open_rows:
        row = row_for(item["business_area"])
        row.weighted = round_money(item["weighted"] or ZERO)
        row.overdue = round_money(item["overdue"] or ZERO)
        row.commit = round_money(item["commit"] or ZERO)
        row.best_case = round_money(item["best"] or ZERO)
    for row in rows.values():
        row.commit += row.won
        row.best_case += row.won
        area = row.area.pk if row.area else "null"
        row.won_url = deal_list_url(
            link,
            status="won",
            business_area=area,
            closed_from=period.start.isoformat(),
            closed_to=period.end.isoformat(),
        )
        row.weighted_url = deal_list_url(
            link,
            status="open",
            business_area=area,
            close_from=max(period.start, today).isoformat(),
            close_to=period.end.isoformat(),
        )
        row.overdue_url = deal_list_url(
            link,
            status="open",
            business_area=area,
            close_from=period.start.isoformat(),
            close_to=min(period.end, today - timedelta(days=1)).isoformat(),
        )
    ordered = sorted(
        rows.values(), key=lambda r: (r.area is None, r.area.order if r.area else 0, r.name)
    )
    total, budgeted, unbudgeted = BudgetRow(area=None), BudgetRow(area=None), BudgetRow(area=None)
    for row in ordered:
        total.add(row)
        (budgeted if row.budget else unbudgeted).add(row)
    return BudgetReport(
        period=period,
        rows=ordered,
        total=total,
        lower=company.budget_on_lower,
        upper=company.budget_on_upper,
        budgeted_total=budgeted,
        unbudgeted_total=unbudgeted,
    )
