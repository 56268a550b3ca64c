"""The dashboards' figures: the sales manager's team at a glance (seed 000's questions) and a
salesperson's own open deals.

Will we reach budget (this month and this quarter, per business area)? Where is the team's open
pipeline, and what of it is weighted open (DESIGN.md's named figures)? Which deals need
attention (stale and overdue, per salesperson)? Each figure links to the deals behind it, and
each panel is a fixed number of aggregate queries, whatever the number of deals.

Speed-up (issue 17, issue 20): the counts and open pipeline of every open deal are read from
the kept deal totals (`opportunities.kept_totals`, `DealTotals`), not summed from the deals.
Why: a manager's per-stage-and-owner sums scanned every open deal (45,000 at 100,000 deals:
43 ms of SQL at load 8; ten times that at 1,000,000), a salesperson's summed the 15,000 deals
they own (14 ms). What is still read from the deals is what depends on today: weighted open
and overdue (the open deals closing by the quarter's end, a range of `opp_open_close_sums`)
and the stale and due counts (index ranges per owner, `dash_open_owner_stage_date` and the
owner indexes of migration 0020). What it costs: two or three queries more, and the kept
totals' own upkeep (their triggers run anyway). How it is checked: `open_groups` and
`my_open_figures` give the same figures with `KEPT_DEAL_TOTALS = False` (which switches this
off and sums the deals), and both equal a recount in Python
(`tests/home/test_manager_dashboard.py`, `tests/pipeline_crm/test_salesperson_dashboard.py`);
`manage.py check --database default` compares the kept totals with the deals.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from opportunities import kept_shared, kept_sums, kept_totals
from opportunities.models import (
    DealTotals,
    OpenDealSums,
    OpenNextActionSums,
    Opportunity,
    SharedDeal,
    Stage,
    overdue_condition,
    stale_condition,
    stale_parts,
    weighted_open_condition,
)
from pipeline_crm.lookups import attach_lookups, lookup_rows, lookups_by_pk
from pipeline_crm.money import ZERO, round_money

from .periods import Period, quarter_of
from .reports.budget import BudgetReport, BudgetRow, budget_report
from .reports.figures import deal_list_url
from .reports.funnel import kept_per_stage


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
        report = budget_report(period, {}, today=today, overdue=False)  # none shown
        rows = [row for row in report.rows if row.budget]
        total = BudgetRow(area=None)
        for row in rows:
            total.add(row)
        unbudgeted = sum((row.won for row in report.rows if not row.budget), ZERO)
        result.append(BudgetStatus(label, pick, report, rows, total, unbudgeted))
    return result


@dataclass
class OpenFigures:
    """The team's open deals summed per stage (count, pipeline, weighted open, overdue) and per
    owner (count, overdue count, stale count): what the pipeline and attention panels show."""

    per_stage: dict
    per_owner: dict


STAGE_FIGURES = ("count", "pipeline", "weighted_open", "overdue")
OWNER_FIGURES = ("count", "overdue_count", "stale_count")


def open_groups(today: date, stale_days: int) -> OpenFigures:
    """Every open deal of the team summed per stage and per owner: the figures of both the
    pipeline and the attention panel. From the kept deal totals and the deals near today
    (`_kept_groups`), or, with the kept totals switched off, from one scan of every open
    deal (`_scanned_groups`); `tests/home/test_manager_dashboard.py` checks that both agree."""
    if kept_totals.enabled():
        groups = _kept_groups(today, stale_days)
    else:
        groups = _scanned_groups(today, stale_days)
    return OpenFigures(
        per_stage=_summed(groups, "stage", STAGE_FIGURES),
        per_owner=_summed(groups, "owner", OWNER_FIGURES),
    )


def _scanned_groups(today: date, stale_days: int) -> list[dict]:
    """Every open deal summed per (stage, owner), in one scan of them all."""
    quarter = quarter_of(today)
    overdue = overdue_condition(today)
    # Counted by the close date (never null), not the id: the owners' index of open deals
    # (`opp_owner_status_sums`) then answers alone.
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


def _kept_groups(today: date, stale_days: int) -> list[dict]:
    """`_scanned_groups`' figures without reading every open deal (three queries):

    - count and open pipeline per (stage, owner) from the kept deal totals (a few hundred
      rows): they are exactly the count and Σ amount of the open deals of each key;
    - weighted open, overdue and the overdue count from the open deals expected to close by
      the quarter's end: on PostgreSQL their sums kept per close date, owner, stage and
      category (`OpenDealSums`, `kept_sums`: at 1,000,000 deals 4,805 rows for 81,031 deals,
      31 → 2 ms), elsewhere a range of `opp_open_close_sums`, which holds every column they
      read;
    - the stale count is the overdue count plus the open deals long in their stage that are
      not overdue (`stale_parts`), counted per owner from `dash_open_owner_stage_date`.
    """
    quarter = quarter_of(today)
    overdue = overdue_condition(today)
    groups = (
        DealTotals.objects.filter(status=Opportunity.Status.OPEN)
        .order_by()
        .values("stage", "owner")
        .annotate(count=Sum("count"), pipeline=Sum("amount"))
    )
    if kept_sums.enabled():  # the same figures of the deals, kept per close date (PostgreSQL)
        near, counted = OpenDealSums.objects.all(), Sum("n", filter=overdue)
    else:
        near, counted = Opportunity.objects.open(), Count("expected_close_date", filter=overdue)
    near = (
        near.filter(expected_close_date__lte=quarter.end)
        .order_by()
        .values("stage", "owner")
        .annotate(
            weighted_open=Sum(
                "weighted_amount",
                filter=weighted_open_condition(quarter.start, quarter.end, today=today),
            ),
            overdue=Sum("amount", filter=overdue),
            overdue_count=counted,
        )
    )
    merged: dict = {}
    for row in groups:
        if row["count"]:
            merged[row["stage"], row["owner"]] = {
                **row,
                "weighted_open": None,
                "overdue": None,
                "overdue_count": 0,
                "stale_count": 0,
            }
    for row in near:
        empty = {"count": 0, "pipeline": None, "stale_count": 0}  # only if the kept are wrong
        row["overdue_count"] = int(row["overdue_count"] or 0)  # a kept sum is a Decimal
        merged.setdefault((row["stage"], row["owner"]), empty).update(row)
    owners = {owner: {"stage": None, "owner": owner} for _stage, owner in merged}
    # Not overdue as a filter of the count, not of the rows: as a condition on the rows the
    # planner read the owners' open deals by close date instead (at 100,000 deals 38,000 index
    # rows for 5,800: 12.7 -> 1.2 ms).
    not_overdue = Q(expected_close_date__gte=today)
    long_in_stage = (
        Opportunity.objects.filter(stale_parts(today, stale_days)[0], owner__in=list(owners))
        .order_by()
        .values("owner")
        .annotate(stale_count=Count("expected_close_date", filter=not_overdue))
    )
    for row in long_in_stage:
        owners[row["owner"]]["stale_count"] = row["stale_count"]
    for group in merged.values():
        group["stale_count"] = group["overdue_count"]
    return [*merged.values(), *owners.values()]


def _summed(groups: list[dict], key: str, names: tuple[str, ...]) -> dict:
    """The figures `names` of the groups added up per value of `key` (a group without one of
    them adds nothing to it); groups without a value of `key` are left out."""
    result: dict = {}
    for group in groups:
        if group[key] is None:
            continue
        into = result.setdefault(group[key], dict.fromkeys(names, 0))
        for name in names:
            into[name] += group.get(name) or 0
    return result


def my_open_figures(user, today: date, stale_days: int) -> tuple[dict, dict, int]:
    """A salesperson's open deals ("mine": owned or shared) summed: ({count, amount, weighted,
    stale}, {stage id: total, weighted, count}, the number whose next action is due by
    `today`). Weighted is `forecast_weighted`. Part by part (`owned_by_parts`): the owned
    deals from the kept deal totals and three index counts (`_owned_figures`), the shared
    ones (few) summed from the deals; with the kept totals off, both parts summed from the
    deals. `tests/pipeline_crm/test_salesperson_dashboard.py` checks both against a recount.
    """
    pipeline = {"count": 0, "amount": ZERO, "weighted": ZERO, "stale": 0}
    stages: dict = {}
    due_deals = 0
    parts = Opportunity.objects.open().owned_by_parts(user)
    if kept_shared.enabled():  # the shared ones from their kept copy, one index range
        parts[1] = SharedDeal.objects.shared_with(user).filter(status=Opportunity.Status.OPEN)
    per_part = []
    if kept_totals.enabled():
        per_part.append(_owned_figures(user, today, stale_days))
        parts = parts[1:]
    for part in parts:
        per_part.append(part.totals_per_stage(stale=(today, stale_days), due=today))
    for per_stage in per_part:
        for stage, figures in per_stage.items():
            due_deals += figures["due"]
            into = stages.setdefault(stage, {"total": ZERO, "weighted": ZERO, "count": 0})
            into["total"] += figures["amount"]
            into["weighted"] += figures["weighted"]
            into["count"] += figures["count"]
            for name in pipeline:
                pipeline[name] += figures[name]
    return pipeline, stages, due_deals


def _owned_figures(user, today: date, stale_days: int) -> dict:
    """`totals_per_stage(stale=…, due=today)` of the open deals `user` owns, without reading
    them all (the seed's busiest salesperson owns 15,000 open deals at 100,000 deals, 150,000
    at 1,000,000): count, amount and weighted per stage from the kept deal totals
    (`funnel.kept_per_stage`, the weighted of the few Omitted ones taken off); the stale and
    due counts, which the page shows as totals only, are put on one of the stages. They are
    counted in one query of three ranges: the overdue (on PostgreSQL from their sums kept per
    close date and owner, `OpenDealSums`: at 1,000,000 deals 1,386 rows for 22,183 deals, 6
    -> 1.3 ms; elsewhere `opp_open_owner_close`), those long in their stage and not overdue
    (`dash_open_owner_stage_date`), those whose next action is due (on PostgreSQL from their
    sums kept per owner and next action date, `OpenNextActionSums`: 15 rows for 24,466 deals,
    4.7 -> 0.1 ms; elsewhere `opp_open_owner_next`)."""
    kept = kept_per_stage({"owner": user}) or {}
    owned = Opportunity.objects.open().filter(owner=user).order_by()

    def counted(deals, only=None, n=None) -> Coalesce:
        counts = n or (Count("expected_close_date", filter=only) if only else Count("*"))
        return Coalesce(Subquery(deals.values("owner").annotate(n=counts).values("n")), 0)

    due_by_today = Q(next_action_date__lte=today)
    if kept_sums.enabled():  # the overdue and the due from their sums kept per day and owner
        overdue = counted(
            OpenDealSums.objects.filter(overdue_condition(today), owner=user), n=Sum("n")
        )
        due = counted(OpenNextActionSums.objects.filter(due_by_today, owner=user), n=Sum("n"))
    else:
        overdue = counted(owned.filter(overdue_condition(today)))
        due = counted(owned.filter(due_by_today))
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            overdue,
            counted(  # not overdue: as in `_kept_groups`, a filter of the count
                owned.filter(stale_parts(today, stale_days)[0]),
                Q(expected_close_date__gte=today),
            ),
            due,
        )
        .first()
    )
    overdue, long_in_stage, due = (int(count) for count in counts) if counts else (0, 0, 0)
    result = {
        stage: {
            "count": row["count"],
            "amount": round_money(row["total"] or ZERO),
            "weighted": round_money(row["weighted"] or ZERO),
            "stale": 0,
            "due": 0,
        }
        for stage, row in kept.items()
    }
    if result:
        first = result[next(iter(result))]
        first["stale"], first["due"] = overdue + long_in_stage, due
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


def team_pipeline(today: date, groups: OpenFigures) -> TeamPipeline:
    """Every open deal of the team per stage (`open_groups`): the total of each column is the
    sum of its rows. Weighted open is the current quarter's; overdue deals are shown apart."""
    quarter = quarter_of(today)
    grouped = groups.per_stage
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
    today: date, stale_days: int, groups: OpenFigures, *, listed: int = 8
) -> TeamAttention:
    """Open, stale and overdue deals per owner (`open_groups`), and the stale deals that have
    waited longest (one query). Owners with no open deal are left out."""
    counts = groups.per_owner
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
