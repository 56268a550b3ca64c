"""The sales manager's dashboard: the team's answers to seed 000's questions at a glance.

Will we reach budget (this month and this quarter, per business area)? Where is the team's open
pipeline, and what of it is weighted open (DESIGN.md's named figures)? Which deals need
attention (stale and overdue, per salesperson)? Each figure links to the deals behind it, and
each panel is one or two aggregate queries, whatever the number of deals.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum

from opportunities.models import (
    Opportunity,
    Stage,
    overdue_condition,
    stale_condition,
    weighted_open_condition,
)
from pipeline_crm.lookups import attach_lookups, lookup_rows, lookups_by_pk
from pipeline_crm.money import ZERO, round_money

from .periods import Period, quarter_of
from .reports.budget import BudgetReport, BudgetRow, budget_report
from .reports.figures import deal_list_url


@dataclass
class BudgetStatus:
    """One period's budget comparison, cut to the business areas with a budget.

    Won deals of areas without a budget stay out of the total and its verdict (an area that was
    given no budget cannot be on or over it); `unbudgeted_won` shows them apart.
    """

    label: str
    pick: str
    report: BudgetReport
    rows: list[BudgetRow]
    total: BudgetRow
    unbudgeted_won: Decimal


def budget_status(today: date) -> list[BudgetStatus]:
    """The budget comparison of the current month and the current quarter."""
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    periods = [
        ("month", f"{today:%Y-%m}", Period(today.replace(day=1), month_end)),
        ("quarter", f"{today.year}-Q{(today.month - 1) // 3 + 1}", quarter_of(today)),
    ]
    result = []
    for label, pick, period in periods:
        report = budget_report(period, {}, today=today)
        rows = [row for row in report.rows if row.budget]
        total = BudgetRow(area=None)
        for row in rows:
            total.add(row)
        unbudgeted = sum((row.won for row in report.rows if not row.budget), ZERO)
        result.append(BudgetStatus(label, pick, report, rows, total, unbudgeted))
    return result


def open_groups(today: date, stale_days: int) -> list[dict]:
    """Every open deal of the team summed per (stage, owner), in one scan: the figures of
    both the pipeline and the attention panel are sums of these groups."""
    quarter = quarter_of(today)
    overdue = overdue_condition(today)
    # Counted by the close date (never null), not the id: the owners' index of open deals
    # (`opp_owner_status_sums`) then answers alone; counting ids read every deal (at 100,000
    # deals, load 15: 60-73 ms instead of 102-115).
    counted = "expected_close_date"
    return list(
        Opportunity.objects.open()
        .order_by()
        .values("stage", "owner")
        .annotate(
            count=Count(counted),
            pipeline=Sum("amount"),
            weighted_open=Sum(
                "weighted_amount",
                filter=weighted_open_condition(quarter.start, quarter.end, today=today),
            ),
            overdue=Sum("amount", filter=overdue),
            overdue_count=Count(counted, filter=overdue),
            stale_count=Count(counted, filter=stale_condition(today, stale_days)),
        )
    )


def _summed(groups: list[dict], key: str) -> dict:
    """The groups added up per value of `key` (their numbers summed)."""
    result: dict = {}
    for group in groups:
        into = result.setdefault(group[key], {})
        for name, value in group.items():
            if name not in ("stage", "owner"):
                into[name] = into.get(name, 0) + (value or 0)
    return result


@dataclass
class StageLine:
    """A stage's open deals: count, open pipeline, weighted open of the quarter, overdue."""

    stage: Stage | None
    count: int = 0
    pipeline: Decimal = ZERO
    weighted_open: Decimal = ZERO
    overdue: Decimal = ZERO
    url: str = ""
    weighted_url: str = ""
    overdue_url: str = ""

    def add(self, other: "StageLine") -> None:
        self.count += other.count
        self.pipeline += other.pipeline
        self.weighted_open += other.weighted_open
        self.overdue += other.overdue


@dataclass
class TeamPipeline:
    quarter: Period
    rows: list[StageLine]
    total: StageLine


def team_pipeline(today: date, groups: list[dict]) -> TeamPipeline:
    """Every open deal of the team per stage (`open_groups`): the total of each column is the
    sum of its rows. Weighted open is the current quarter's; overdue deals are shown apart."""
    quarter = quarter_of(today)
    grouped = _summed(groups, "stage")
    weighted_dates = {
        "close_from": max(quarter.start, today).isoformat(),
        "close_to": quarter.end.isoformat(),
    }
    overdue_dates = {"close_to": (today - timedelta(days=1)).isoformat()}
    rows = []
    for stage in sorted(lookup_rows(Stage).values(), key=lambda stage: (stage.order, stage.name)):
        figures = grouped.get(stage.pk)
        if figures is None and not (stage.is_active and not stage.is_won_stage):
            continue
        figures = figures or {}
        rows.append(
            StageLine(
                stage=stage,
                count=figures.get("count", 0),
                pipeline=round_money(figures.get("pipeline") or ZERO),
                weighted_open=round_money(figures.get("weighted_open") or ZERO),
                overdue=round_money(figures.get("overdue") or ZERO),
                url=deal_list_url(status="open", stage=stage.pk),
                weighted_url=deal_list_url(status="open", stage=stage.pk, **weighted_dates),
                overdue_url=deal_list_url(status="open", stage=stage.pk, **overdue_dates),
            )
        )
    total = StageLine(
        stage=None,
        url=deal_list_url(status="open"),
        weighted_url=deal_list_url(status="open", **weighted_dates),
        overdue_url=deal_list_url(status="open", **overdue_dates),
    )
    for row in rows:
        total.add(row)
    return TeamPipeline(quarter=quarter, rows=rows, total=total)


@dataclass
class OwnerLine:
    """A salesperson's open deals and those among them that need attention."""

    owner: object
    open: int = 0
    stale: int = 0
    overdue: int = 0
    urls: dict = field(default_factory=dict)


OLDEST_FIELDS = ("name", "stage", "owner", "expected_close_date", "stage_date", "account__name")


@dataclass
class TeamAttention:
    rows: list[OwnerLine]
    total: OwnerLine
    oldest_stale: list[Opportunity]


def team_attention(
    today: date, stale_days: int, groups: list[dict], *, listed: int = 8
) -> TeamAttention:
    """Open, stale and overdue deals per owner (`open_groups`), and the stale deals that have
    waited longest (one query). Owners with no open deal are left out."""
    counts = _summed(groups, "owner")
    owners = sorted(
        lookups_by_pk(get_user_model(), counts),
        key=lambda user: (user.first_name, user.username),
    )
    rows = []
    for owner in owners:
        row = counts[owner.pk]
        rows.append(
            OwnerLine(
                owner=owner,
                open=row["count"],
                stale=row["stale_count"],
                overdue=row["overdue_count"],
                urls=_attention_urls(today, owner=owner.pk),
            )
        )
    rows.sort(key=lambda line: (-line.stale, -line.overdue))
    total = OwnerLine(owner=None, urls=_attention_urls(today))
    for row in rows:
        total.open += row.open
        total.stale += row.stale
        total.overdue += row.overdue
    # The columns shown; stages and owners from the lookup cache.
    oldest = list(
        Opportunity.objects.filter(stale_condition(today, stale_days))
        .select_related("account")
        .only(*OLDEST_FIELDS)
        .order_by("expected_close_date", "stage_date", "pk")[:listed]
    )
    attach_lookups(oldest, ("stage", "owner"))
    return TeamAttention(rows=rows, total=total, oldest_stale=oldest)


def _attention_urls(today: date, **filters) -> dict:
    return {
        "open": deal_list_url(status="open", **filters),
        "stale": deal_list_url(status="open", stale="true", **filters),
        "overdue": deal_list_url(
            status="open", close_to=(today - timedelta(days=1)).isoformat(), **filters
        ),
    }
