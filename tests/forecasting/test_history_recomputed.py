"""Accuracy, velocity and the deal timeline recomputed independently (issue 19 review).

Randomised hand-built histories (a fixed seed): deals created over 2025 that move through the
stages, change amount, close date, area, owner and category, close as won or lost, reopen and
are deleted, with history rows at midnight boundaries and on the nights the clocks change.
Each test recomputes the report's figures in plain Python from the events it wrote, by the
rules of the module docs, and compares them with the report's.
"""

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from itertools import product

import pytest
from django.urls import reverse

from forecasting.periods import BY_MONTH, Period, buckets
from forecasting.reports.accuracy import BY_AREA, BY_OWNER, accuracy_report, report_points
from forecasting.reports.velocity import CLOSED, ENTERED, velocity_report
from opportunities.models import ForecastCategory, Opportunity, Stage
from opportunities.timeline import deal_timeline

from ..factories import BusinessAreaFactory, LossReasonFactory, OpportunityFactory, UserFactory
from .test_as_of import STOCKHOLM

pytestmark = pytest.mark.django_db

SEED = 19
DEALS = 40
TODAY = date(2026, 1, 15)
# Days whose midnights the generator likes: the nights the clocks change, month and quarter ends.
SPECIAL_DAYS = [
    date(2025, 3, 29),
    date(2025, 3, 30),
    date(2025, 3, 31),
    date(2025, 4, 1),
    date(2025, 6, 30),
    date(2025, 7, 1),
    date(2025, 10, 25),
    date(2025, 10, 26),
    date(2025, 10, 27),
]

# The first deals are created on the nights the clocks change, either side of the change.
DST_NIGHTS = [
    datetime(2025, 3, 30, 0, 30, tzinfo=STOCKHOLM),
    datetime(2025, 3, 30, 23, 59, 59, tzinfo=STOCKHOLM),
    datetime(2025, 10, 26, 0, 30, tzinfo=STOCKHOLM),
    datetime(2025, 10, 26, 23, 30, tzinfo=STOCKHOLM),
]


@dataclass(frozen=True)
class Snapshot:
    """A deal as one history row records it."""

    when: datetime
    type: str  # "+", "~", "-"
    stage: int
    status: str
    amount: Decimal
    probability: int
    close: date
    closed: date | None
    owner: int
    area: int | None
    category: int | None

    @property
    def day(self) -> date:
        return self.when.astimezone(STOCKHOLM).date()

    @property
    def weighted(self) -> Decimal:
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _instant(rng: random.Random, after: datetime) -> datetime:
    """A moment after `after`: often at a midnight boundary, sometimes on a DST night."""
    choice = rng.random()
    if choice < 0.3:
        later = [d for d in SPECIAL_DAYS if d > after.astimezone(STOCKHOLM).date()]
        day = rng.choice(later or [after.date() + timedelta(days=1)])
        clock = rng.choice([time(0, 0), time(0, 0, 1), time(0, 30), time(23, 30), time(23, 59, 59)])
        moment = datetime.combine(day, clock, tzinfo=STOCKHOLM)
        if moment > after:
            return moment
    step = timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 23), minutes=rng.randint(1, 59))
    moment = after + step
    clock = rng.choice([None, None, time(0, 0), time(23, 59, 59), time(0, 0, 1)])
    if clock is not None:
        candidate = datetime.combine(moment.date(), clock, tzinfo=STOCKHOLM)
        if candidate > after:
            return candidate
    return moment


@pytest.fixture
def world():
    """The deals' histories, written through the model (simple-history dates them by
    `_history_date`), and the snapshots each wrote, per deal."""
    rng = random.Random(SEED)
    stages = list(Stage.objects.filter(is_won_stage=False).order_by("order"))
    areas = [BusinessAreaFactory(name="North"), BusinessAreaFactory(name="South"), None]
    owners = [UserFactory(username=name) for name in ("ann", "bo", "cy")]
    categories = [None, None, *ForecastCategory.objects.all()]
    reason = LossReasonFactory()
    histories: dict[int, list[Snapshot]] = {}

    def snapshot(deal, when, kind) -> Snapshot:
        return Snapshot(
            when,
            kind,
            deal.stage_id,
            deal.status,
            deal.amount,
            deal.probability,
            deal.expected_close_date,
            deal.closed_date,
            deal.owner_id,
            deal.business_area_id,
            deal.forecast_category_id,
        )

    for number in range(DEALS):
        start = datetime(2025, 1, 1, tzinfo=STOCKHOLM) + timedelta(
            days=rng.randint(0, 300), hours=rng.randint(0, 23)
        )
        when = _instant(rng, start)
        if number < len(DST_NIGHTS):
            when = DST_NIGHTS[number]
        stage = rng.choice(stages)
        area = rng.choice(areas)
        deal = OpportunityFactory(
            name=f"Deal {number}",
            stage=stage,
            probability=stage.default_probability,
            amount=Decimal(rng.randint(0, 2_000_000)) / 100,
            expected_close_date=date(2025, 1, 1) + timedelta(days=rng.randint(0, 400)),
            owner=rng.choice(owners),
            business_area=area,
            account__business_area=area,
            forecast_category=rng.choice(categories),
        )
        deal.history.update(history_date=when)
        snaps = histories[deal.pk] = [snapshot(deal, when, "+")]
        for _event in range(rng.randint(0, 9)):
            when = _instant(rng, when)
            if when.date() > date(2025, 12, 31):
                break
            event = rng.choice(
                ["stage", "stage", "stage", "amount", "close", "area", "owner", "category",
                 "won", "lost", "reopen", "delete", "nothing"]
            )  # fmt: skip
            is_open = deal.status == Opportunity.Status.OPEN
            if event == "delete" and rng.random() < 0.5:
                deal._history_date = when
                deal.delete()
                snaps.append(replace(snaps[-1], when=when, type="-"))
                break
            if event == "stage" and is_open:
                deal.stage = rng.choice(stages)
                deal.probability = deal.stage.default_probability
            elif event == "amount" and is_open:
                deal.amount = Decimal(rng.randint(0, 2_000_000)) / 100
            elif event == "close" and is_open:
                deal.expected_close_date = date(2025, 1, 1) + timedelta(days=rng.randint(0, 400))
            elif event == "area":
                deal.business_area = rng.choice(areas)
            elif event == "owner":
                deal.owner = rng.choice(owners)
            elif event == "category":
                deal.forecast_category = rng.choice(categories)
            elif event == "won" and is_open:
                deal.status, deal.probability = Opportunity.Status.WON, 100
                local = when.astimezone(STOCKHOLM).date()
                deal.closed_date = local + timedelta(days=rng.randint(-10, 10))
            elif event == "lost" and is_open:
                deal.status, deal.probability = Opportunity.Status.LOST, 0
                deal.loss_reason, deal.closed_date = reason, when.astimezone(STOCKHOLM).date()
            elif event == "reopen" and not is_open:
                deal.status, deal.probability = (
                    Opportunity.Status.OPEN,
                    deal.stage.default_probability,
                )
                deal.closed_date, deal.loss_reason = None, None
            deal._history_date = when
            deal.save()
            snaps.append(snapshot(deal, when, "~"))
    # A stage renamed and moved after the fact: the reports read today's order, ties by id.
    stages[0].name, stages[0].order = "Renamed prospect", stages[2].order
    stages[0].save()
    return {"histories": histories, "areas": areas, "owners": owners}


def _as_of(snaps: list[Snapshot], before: datetime) -> Snapshot | None:
    rows = [snap for snap in snaps if snap.when < before]
    if not rows or rows[-1].type == "-":
        return None
    return rows[-1]


def _counts(category_id) -> bool:
    counting = ForecastCategory.objects.filter(counts_in_forecast=True).values_list("pk", flat=True)
    return category_id is None or category_id in set(counting)


def expected_accuracy(histories, period: Period, points: list[date], by: str) -> dict:
    """{group: ([(won, weighted) per point], actual)} for the groups with a deal in a sum."""
    attr = "area" if by == BY_AREA else "owner"
    sums = defaultdict(lambda: ([[Decimal(0), Decimal(0)] for _p in points], [Decimal(0)]))
    for snaps in histories.values():
        for index, day in enumerate(points):
            snap = _as_of(snaps, datetime.combine(day, time.min, tzinfo=STOCKHOLM))
            if snap is None:
                continue
            won = snap.status == "won" and period.start <= snap.closed <= period.end
            open_ = (
                snap.status == "open"
                and max(period.start, day) <= snap.close <= period.end
                and _counts(snap.category)
            )
            if won:
                sums[getattr(snap, attr)][0][index][0] += snap.amount
            if open_:
                sums[getattr(snap, attr)][0][index][1] += snap.weighted
        now = snaps[-1]
        if now.type != "-" and now.status == "won" and period.start <= now.closed <= period.end:
            sums[getattr(now, attr)][1][0] += now.amount
    return {
        key: ([tuple(point) for point in points_], actual[0])
        for key, (points_, actual) in sums.items()
    }


ACCURACY_CASES = [
    (Period(date(2025, 4, 1), date(2025, 6, 30)), [date(2025, 4, 15), date(2025, 6, 30)]),
    (Period(date(2025, 3, 1), date(2025, 4, 30)), [date(2025, 3, 30), date(2025, 3, 31)]),
    (Period(date(2025, 10, 1), date(2025, 11, 30)), [date(2025, 10, 26), date(2025, 10, 27)]),
    (Period(date(2025, 1, 1), date(2025, 12, 31)), []),
]


def test_accuracy_equals_a_recomputation_from_the_history(world):
    for (period, added), by in product(ACCURACY_CASES, (BY_AREA, BY_OWNER)):
        points = report_points(period, added)
        report = accuracy_report(period, points=points, by=by)

        got = {
            row.key: ([(f.won, f.weighted) for f in row.forecasts], row.actual)
            for row in report.rows
        }
        assert got == expected_accuracy(world["histories"], period, points, by), (period, by)
        for index, total in enumerate(report.total.forecasts):
            assert total.won == sum(row.forecasts[index].won for row in report.rows)
            assert total.weighted == sum(row.forecasts[index].weighted for row in report.rows)
            assert total.error == total.forecast - report.total.actual


def _steps(snaps: list[Snapshot]) -> list[tuple[Snapshot, Snapshot | None]]:
    """(first row of the step, first row of the next step) of each step of a deal."""
    starts = [
        snap
        for index, snap in enumerate(snaps)
        if index == 0
        or snap.type == "-"
        or (snap.stage, snap.status) != (snaps[index - 1].stage, snaps[index - 1].status)
    ]
    return list(zip(starts, [*starts[1:], None], strict=True))


def _later(stage_a: int, stage_b: int, order: dict) -> bool:
    return (order[stage_b], stage_b) > (order[stage_a], stage_a)


def expected_velocity(histories, period, months, mode, owner=None, area=None) -> dict:
    """{stage: [visits, finished, days, advanced, lost, won] per month, then the period}."""
    order = dict(Stage.objects.values_list("pk", "order"))
    result = defaultdict(lambda: [[0] * 6 for _bucket in range(len(months) + 1)])
    for snaps in histories.values():
        final = snaps[-1]
        won_in_end = final.type != "-" and final.status == "won"
        if mode == CLOSED and not (
            final.type != "-"
            and final.status in ("won", "lost")
            and period.start <= final.closed <= period.end
        ):
            continue
        for step, after in _steps(snaps):
            if step.status != "open" or step.type == "-":
                continue
            on = step.day if mode == ENTERED else final.closed
            if not period.start <= on <= period.end:
                continue
            if owner is not None and step.owner != owner.pk:
                continue
            if area is not None and step.area != area.pk:
                continue
            figures = [1, 0, 0, 0, 0, int(won_in_end)]
            if after is not None:
                figures[1], figures[2] = 1, (after.day - step.day).days
                alive = after.type != "-"
                figures[3] = int(
                    alive
                    and (
                        after.status == "won"
                        or (after.status == "open" and _later(step.stage, after.stage, order))
                    )
                )
                figures[4] = int(alive and after.status == "lost")
            bucket = next(i for i, m in enumerate(months) if m.start <= on <= m.end)
            for index in (bucket, len(months)):
                result[step.stage][index] = [
                    a + b for a, b in zip(result[step.stage][index], figures, strict=True)
                ]
    return dict(result)


def _velocity_figures(v) -> list[int]:
    return [v.visits, v.finished, v.days, v.advanced, v.lost, v.won]


VELOCITY_PERIODS = [
    Period(date(2025, 1, 1), date(2025, 6, 30)),
    Period(date(2025, 3, 1), date(2025, 4, 30)),
    Period(date(2025, 7, 1), date(2025, 12, 31)),
]


def test_velocity_equals_a_recomputation_from_the_history(world):
    seen = 0
    for mode, period, narrow in product(
        (ENTERED, CLOSED), VELOCITY_PERIODS, (None, "owner", "area")
    ):
        months = buckets(period, BY_MONTH)
        filters = {}
        if narrow == "owner":
            filters["owner"] = world["owners"][0]
        elif narrow == "area":
            filters["business_area"] = world["areas"][1]
        report = velocity_report(period, months, mode=mode, **filters)

        got = {
            row.stage.pk: [*map(_velocity_figures, row.buckets), _velocity_figures(row.total)]
            for row in report.stages
        }
        expected = expected_velocity(
            world["histories"],
            period,
            months,
            mode,
            owner=filters.get("owner"),
            area=filters.get("business_area"),
        )
        assert got == expected, (mode, period, narrow)
        seen += bool(got)
    assert seen >= 15, "the generated history has visits in most cases"


def test_timeline_equals_a_recomputation_from_the_history(world):
    for deal_id, snaps in world["histories"].items():
        if snaps[-1].type == "-":
            continue
        expected = []
        for step, after in _steps(snaps):
            kind = "stage" if step.status == "open" else step.status
            left = after.day if after is not None else None
            days = ((left or TODAY) - step.day).days if kind == "stage" else None
            expected.append((kind, step.stage, step.day, left, days))
        got = [
            (e.kind, e.stage_id, e.entered, e.left, e.days)
            for e in deal_timeline(deal_id, today=TODAY)
        ]
        assert got == expected, deal_id


def test_the_generator_wrote_what_it_recorded(world):
    """The recomputation's input is the history the database holds (a check of the test)."""
    history = Opportunity.history.model.objects.order_by("history_date", "history_id")
    for deal_id, snaps in world["histories"].items():
        rows = [
            (row.history_date, row.history_type, row.stage_id, row.status, row.amount)
            for row in history.filter(id=deal_id)
        ]
        assert rows == [(s.when, s.type, s.stage, s.status, s.amount) for s in snaps]
    kinds = {s.type for snaps in world["histories"].values() for s in snaps}
    assert kinds == {"+", "~", "-"}
    pairs = [
        pair
        for snaps in world["histories"].values()
        for pair in zip(snaps, snaps[1:], strict=False)
    ]
    assert any(a.status != "open" and b.status == "open" for a, b in pairs)  # reopened
    assert any(a.area != b.area for a, b in pairs) and any(a.owner != b.owner for a, b in pairs)
    days = {s.day for snaps in world["histories"].values() for s in snaps}
    assert {date(2025, 3, 30), date(2025, 10, 26)} <= days


def _listed(client, url: str) -> list[str]:
    """The names of the deals the deal list shows at `url` (read from its CSV export)."""
    response = client.get(f"{url}&export=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    return sorted(row[header.index("Name")] for row in rows)


def test_actual_links_list_exactly_the_deals_behind_the_figure(world, client_for, salesperson):
    """A salesperson follows each actual figure to the deal list: the deals listed are the
    deals won in the period of that row, and their amounts add up to the figure."""
    client = client_for(salesperson)
    period = Period(date(2025, 4, 1), date(2025, 6, 30))
    names = dict(Opportunity.objects.values_list("pk", "name"))
    amounts = dict(Opportunity.objects.values_list("name", "amount"))
    for by, attr in ((BY_AREA, "area"), (BY_OWNER, "owner")):
        report = accuracy_report(period, points=report_points(period), by=by)
        won = {
            deal_id: snaps[-1]
            for deal_id, snaps in world["histories"].items()
            if snaps[-1].type != "-"
            and snaps[-1].status == "won"
            and period.start <= snaps[-1].closed <= period.end
        }
        for row in report.rows:
            expected = sorted(names[i] for i, snap in won.items() if getattr(snap, attr) == row.key)
            listed = _listed(client, row.actual_url)
            assert listed == expected, (by, row.key)
            assert sum(amounts[name] for name in listed) == row.actual
        listed = _listed(client, report.total.actual_url)
        assert listed == sorted(names[i] for i in won)
        assert sum(amounts[name] for name in listed) == report.total.actual


class _Tables(HTMLParser):
    """The text of each cell of each table with an id, per row: {id: [[cell, …], …]}."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id"):
            self.table = self.tables.setdefault(dict(attrs)["id"], [])
        elif self.table is not None and tag == "tr":
            self.table.append([])
        elif self.table is not None and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif self.cell is not None and tag in ("td", "th"):
            self.table[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _tables(response) -> dict:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def _number(text: str) -> str:
    """A figure as the page shows it (en: 1,234.50; "—" for none), as the export writes it."""
    text = text.replace(",", "").replace(" %", "").replace("\u2212", "-")
    return "" if text == "—" else text


def _export(client, url, params) -> list[list[str]]:
    response = client.get(url, {**params, "export": "csv"})
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_accuracy_export_equals_the_page(world, client_for, salesperson):
    client = client_for(salesperson)
    url = reverse("forecasting:accuracy")
    for params in ({"pick": "2025-Q2", "points": "2025-04-15"}, {"pick": "2025", "by": "owner"}):
        tables = _tables(client.get(url, params))
        exported = _export(client, url, params)
        header_at = next(i for i, row in enumerate(exported) if row[1:2] == ["As of the start of"])
        rows = exported[header_at + 1 :]
        totals = [row for row in rows if row[0] == "Total"]
        page_totals = tables["accuracy-total"][1:]
        assert len(page_totals) == len(totals) > 0
        for page_row, row in zip(page_totals, totals, strict=True):
            assert date.fromisoformat(row[1]).strftime("%m/%d/%Y") == page_row[0]
            assert [_number(cell) for cell in page_row[1:]] == row[2:]
        per_group = tables["accuracy-report"][2:-1]  # the two header rows, the total
        points = len(totals)
        assert len(per_group) * points == len(rows) - points
        for index, page_row in enumerate(per_group):
            group_rows = rows[index * points : (index + 1) * points]
            assert {row[0] for row in group_rows} == {page_row[0]}
            for point, row in enumerate(group_rows):
                forecast, error, percent = page_row[1 + point * 3 : 4 + point * 3]
                assert [_number(forecast), _number(error), _number(percent)] == [
                    row[4],
                    row[6],
                    row[7],
                ]
                assert _number(page_row[-1]) == row[5]


def test_velocity_export_equals_the_page(world, client_for, salesperson):
    client = client_for(salesperson)
    url = reverse("forecasting:velocity")
    for params in (
        {"pick": "2025-Q2"},
        {"pick": "2025", "by": "quarter", "mode": "closed"},
        {"start": "2025-03-01", "end": "2025-11-30", "owner": world["owners"][1].pk},
    ):
        tables = _tables(client.get(url, params))
        exported = _export(client, url, params)
        header_at = next(i for i, row in enumerate(exported) if row[:2] == ["Stage", "Period"])
        rows = exported[header_at + 1 :]
        page_rows = tables["velocity-report"][1:]
        assert len(page_rows) > 1
        for page_row, row in zip(page_rows, rows, strict=False):
            assert page_row[0].removesuffix(" retired") == row[0]
            assert [_number(cell) for cell in page_row[1:]] == [row[2], *row[3:]]
        buckets = rows[len(page_rows) :]
        page_buckets = tables["velocity-buckets"][1:]
        per_stage = len(tables["velocity-buckets"][0]) - 1
        assert len(buckets) == len(page_buckets) * per_stage
        for index, page_row in enumerate(page_buckets):
            for column, row in enumerate(buckets[index * per_stage : (index + 1) * per_stage]):
                assert row[0] == page_row[0]
                cell = page_row[1 + column]
                average = cell.split(" (")[0]
                visits = cell.split(" (")[1].split(" ")[0] if " (" in cell else "0"
                assert (_number(average), visits) == (row[4], row[2])
