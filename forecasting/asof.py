"""The deals as they stood at the end of a day, read from their history (issue 19).

django-simple-history writes a row to `HistoricalOpportunity` on every insert, update and
delete of a deal (`history_type` '+', '~', '-'), dated when it happened and holding every field
as it then was. As of a day, a deal counts as its newest history row dated before the start of
the next day in the company's time zone (ties broken by the later row): deals created later have
no such row and do not exist yet; a deal whose newest row is its deletion ('-') no longer
exists; one deleted later still counts as it stood. The history is the one source of the past,
so rows written there for an old CRM's past show at once.

`deals_as_of(day)` is a queryset of those history rows, one per deal, with the named filters of
`OpportunityQuerySet` the reports use (`open`, `in_period`, `won_in`, …): the reports group it as
they group the live deals. The newest row per deal is picked in the database, in one statement.
On PostgreSQL each row carries `valid_until`, the date of its deal's next row (or
`STILL_CURRENT`), kept by the database's triggers on every write to the history (migration
`opportunities.0019_history_valid_until`): the rows standing at an instant are those dated before
it and valid until it or later, read from indexes on (close date | closed date |) valid_until,
history_date. Measured at 100,000 deals and 1,044,000 history rows (2 shared cores, load
about 10): a quarter's pipeline as of today 4.3 s with the former DISTINCT ON (id) and one probe
per deal, now about a tenth of that (`bench_reports` prints the figures). On other databases
(SQLite, where no trigger keeps the column) a correlated subquery picks the newest row per deal
from the index of migration `opportunities.0014_history_as_of_index` (id, history_date,
history_id). To switch the column off on PostgreSQL, make `uses_valid_until` return False.

A period of dates is named day by day there (`_days_between`): with no skip scan in PostgreSQL
15, an index led by the date read every row of every day of a range to keep the few standing
at the instant; per day it reads only those dated before it or valid until it (two indexes,
the planner takes the fewer rows). The rows and figures are the range's, by definition;
`tests/forecasting/test_as_of.py` and `test_movement_recount.py` compare them.
"""

from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db import connection, models
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from opportunities.models import Opportunity, OpportunityLine, in_forecast_condition

HistoricalOpportunity = Opportunity.history.model
HistoricalLine = OpportunityLine.history.model


def cutoff(day: date) -> datetime:
    """The first instant after `day` in the company's time zone: history rows dated before it
    were made on or before `day`."""
    next_day = datetime.combine(day + timedelta(days=1), time.min)
    return timezone.make_aware(next_day, timezone.get_default_timezone())


def latest_rows(history: type[models.Model], before: datetime) -> models.QuerySet:
    """The `history_id` of each object's newest row of `history` dated before `before`
    (deletions included), as a subquery."""
    rows = history.objects.filter(history_date__lt=before)
    if connection.vendor == "postgresql":
        return (
            rows.order_by("id", "-history_date", "-history_id").distinct("id").values("history_id")
        )
    newer = (
        history.objects.filter(id=OuterRef("id"), history_date__lt=before)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return rows.filter(history_id=Subquery(newer)).values("history_id")


# At most this many days are named one by one (`_days_between`): about eleven years (the
# report forms allow three; the open deals of a history may span more).
MAX_NAMED_DAYS = 4000


def _days_between(field: str, start: date, end: date) -> Q:
    """`field` from `start` to `end` (both included). Where `valid_until` is kept, as the list
    of the days: the indexes on (date, valid_until, history_date) and (date, history_date,
    valid_until) are then read from one day's rows standing at the instant to the next (a
    descent per day), where a range of dates reads every row of every day and keeps the few
    standing then. At 100,000 deals (1,044,000 history rows) a year's pipeline as of today
    read 10,034 index pages (71-204 ms), day by day 4,135 (10-18 ms); at the start of the year
    8,665 → 1,648 pages with the second index (migration `opportunities.0028`)."""
    if not uses_valid_until() or not 0 <= (end - start).days < MAX_NAMED_DAYS:
        return Q(**{f"{field}__gte": start, f"{field}__lte": end})
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return Q(**{f"{field}__in": days})


class AsOfQuerySet(models.QuerySet):
    """History rows standing for deals (one row per deal, `id` the deal's id), with the named
    conditions of `OpportunityQuerySet` that the reports read, meaning the same on the rows.

    The instant the rows stand at travels in the queryset's hints (`before`), so that the
    conditions on other histories (lines, co-responsibles) read them at the same instant.
    """

    def open(self):
        return self.filter(status=Opportunity.Status.OPEN)

    def open_on_any_day(self):
        """`open()`, its close dates named from the earliest to the latest of any open row of
        the history (where `_days_between` names days; else `open()` itself): the same rows,
        read day by day from the index of migration `opportunities.0028` (the funnel of
        every open deal as of a day, which has no period)."""
        deals = self.open()
        if not uses_valid_until():
            return deals
        span = (
            HistoricalOpportunity.objects.filter(status=Opportunity.Status.OPEN)
            .exclude(history_type="-")
            .aggregate(first=Min("expected_close_date"), last=Max("expected_close_date"))
        )
        if span["first"] is None:
            return deals
        return deals.in_period(span["first"], span["last"])

    def won(self):
        return self.filter(status=Opportunity.Status.WON)

    def lost(self):
        return self.filter(status=Opportunity.Status.LOST)

    def in_forecast(self):
        return self.filter(in_forecast_condition())

    def in_period(self, start: date, end: date):
        return self.filter(_days_between("expected_close_date", start, end))

    def closed_in(self, start: date, end: date):
        return self.filter(_days_between("closed_date", start, end))

    def won_in(self, start: date, end: date):
        return self.won().closed_in(start, end)

    def owned_by_parts(self, user) -> list:
        """The deals the user owned, and those shared with the user then (the co-responsibles
        recorded with each history row) that the user did not own."""
        through = apps.get_model("opportunities", "HistoricalOpportunity_co_responsible")
        shared = through.objects.filter(user=user).values("history_id")
        return [
            self.filter(owner=user),
            self.filter(history_id__in=shared).exclude(owner=user),
        ]

    def with_product(self, product):
        """Deals that had a line of `product` at the same instant (the lines' own history)."""
        return self.filter(id__in=product_deal_ids(product, self._hints["before"]))


def product_deal_ids(product, before: datetime) -> models.QuerySet:
    """The ids of the deals that had a line of `product` just before `before`, as a subquery
    (the lines' own history)."""
    lines = HistoricalLine.objects.filter(
        history_id__in=latest_rows(HistoricalLine, before), product=product
    ).exclude(history_type="-")
    return lines.values("opportunity_id")


def uses_valid_until() -> bool:
    """Whether the deals as of a day are read by `valid_until` (where the database keeps it)."""
    return connection.vendor == "postgresql"


def deals_as_of(day: date) -> AsOfQuerySet:
    """The deals as they stood at the end of `day` (company time zone): one history row per
    deal that existed then, every field as it was. Group it like `Opportunity.objects`."""
    before = cutoff(day)
    rows = AsOfQuerySet(model=HistoricalOpportunity, hints={"before": before})
    if uses_valid_until():
        standing = rows.filter(history_date__lt=before, valid_until__gte=before)
    else:
        standing = rows.filter(history_id__in=latest_rows(HistoricalOpportunity, before))
    return standing.exclude(history_type="-")


def deals_for(as_of: date | None):
    """The deals a report reads: as they are now (`as_of` None), else as of the end of that
    day."""
    if as_of is None:
        return Opportunity.objects.all()
    return deals_as_of(as_of)
