from collections import Counter
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Account, BusinessArea, Contact, LeadSource
from pipeline_crm.bounds import bounds_condition, validate_date_bounds
from pipeline_crm.concurrency import Versioned, VersionedQuerySet
from pipeline_crm.lookups import Lookup
from pipeline_crm.money import ZERO, round_money, weighted

from . import name_tails

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Stage(Lookup):
    """A stage of an open deal, in order, with its default probability and entry gates."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    default_probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=0, validators=PERCENT_VALIDATORS
    )
    description = models.TextField(_("description"), blank=True)
    is_won_stage = models.BooleanField(
        _("won stage"),
        default=False,
        help_text=_("Entering this stage closes the deal as won."),
    )
    requires_amount = models.BooleanField(_("requires an amount"), default=False)
    requires_close_date = models.BooleanField(_("requires an expected close date"), default=False)
    requires_contact = models.BooleanField(_("requires a contact"), default=False)
    requires_next_action = models.BooleanField(_("requires a next action date"), default=False)

    class Meta(Lookup.Meta):
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_probability__gte=0) & Q(default_probability__lte=100),
                name="stage_default_probability_0_100",
            )
        ]


class ForecastCategory(Lookup):
    class Kind(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline")
        BEST_CASE = "best_case", _("Best case")
        COMMIT = "commit", _("Commit")
        OMITTED = "omitted", _("Omitted")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PIPELINE)
    counts_in_forecast = models.BooleanField(_("counts in forecast"), default=True)

    class Meta(Lookup.Meta):
        verbose_name = _("forecast category")
        verbose_name_plural = _("forecast categories")


class LossReason(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")


class DealType(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("deal type")
        verbose_name_plural = _("deal types")


class Competitor(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")


class ProductGroup(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")


class Product(Lookup):
    name = models.CharField(_("name"), max_length=150, unique=True)
    code = models.CharField(_("code"), max_length=40, blank=True)
    group = models.ForeignKey(
        ProductGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("product group"),
    )
    list_price = models.DecimalField(_("list price"), default=ZERO, **MONEY)
    unit_cost = models.DecimalField(_("unit cost"), default=ZERO, **MONEY)

    class Meta(Lookup.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")


LIST_FIELDS = (
    "version",  # sent with a selection, so a bulk action refuses a deal changed since
    "name",
    "status",
    "probability",
    "amount",
    "weighted_amount",
    "expected_close_date",
    "next_action_date",
    "account__name",
    "owner",
    "stage",
    "business_area",
)
# The list's relations that come from `lookup_rows` instead of joins (see `for_list`).
LIST_LOOKUPS = ("owner", "stage", "business_area")


BOARD_FIELDS = (
    "version",
    "name",
    "stage",
    "amount",
    "weighted_amount",
    "expected_close_date",
    "owner",
    "account__name",
)


def stale_cutoff(today: date, stale_days: int) -> date:
    """The day before which a deal entered its stage longer than `stale_days` ago."""
    return today - timedelta(days=stale_days)


def stale_condition(today: date, stale_days: int) -> Q:
    """The stale rule (seed 003): an open deal past its expected close date, or longer than
    `stale_days` in its stage."""
    return Q(status="open") & (
        Q(expected_close_date__lt=today) | Q(stage_date__lt=stale_cutoff(today, stale_days))
    )


def stale_parts(today: date, stale_days: int) -> tuple[Q, Q]:
    """`stale_condition` as two disjoint conditions whose union is it: open deals longer than
    `stale_days` in their stage, and the other open deals past their expected close date. Each
    is a range of one index that holds the footer's columns (`opp_open_stage_sums`, then
    `opp_status_close_sums` by status and close date), where the OR reads every open deal
    (`OpportunityFilter.deal_parts`)."""
    cutoff = stale_cutoff(today, stale_days)
    return (
        Q(status="open", stage_date__lt=cutoff),
        Q(status="open", stage_date__gte=cutoff, expected_close_date__lt=today),
    )


# --- the named figures of DESIGN.md ("Figures, by name") ---------------------------------------
# Each is defined once, as a condition here and a queryset method below; every report and page
# that shows the figure reads it through them (a report summing several figures in one query
# uses the conditions in its aggregates' filters).


def out_of_forecast_condition() -> Q:
    """Deals whose forecast category does not count in the forecast (e.g. Omitted). A
    subquery on the small lookup table, not a join."""
    return Q(forecast_category__in=ForecastCategory.objects.filter(counts_in_forecast=False))


def in_forecast_condition() -> Q:
    """Deals whose forecast category counts in the forecast, or that have none (DESIGN.md,
    Forecast categories): an Omitted deal is left out of weighted open, forecast, commit and
    best case."""
    return ~out_of_forecast_condition()


def weighted_open_condition(start: date, end: date, *, today: date) -> Q:
    """The deals of *weighted open* for the period `start`–`end`: open, counting in the
    forecast, expected to close in the period and not before `today` (those are overdue,
    shown apart)."""
    return (
        Q(status="open")
        & Q(expected_close_date__gte=max(start, today), expected_close_date__lte=end)
        & in_forecast_condition()
    )


def weighted_pipeline_condition(start: date, end: date) -> Q:
    """The deals of *weighted pipeline* for the period `start`–`end`: open, counting in the
    forecast, expected to close in the period, overdue ones included. The effort report shows
    it beside what was won and done in the period; the budget comparison's forecast adds
    *weighted open* (`weighted_open_condition`), which leaves the overdue ones out as they are
    shown apart there. Two figures, two names."""
    return (
        Q(status="open")
        & Q(expected_close_date__gte=start, expected_close_date__lte=end)
        & in_forecast_condition()
    )


def won_condition(start: date, end: date) -> Q:
    """The deals of *won* for the period `start`–`end`: won, with a closed date in it (both
    inclusive)."""
    return Q(status="won", closed_date__gte=start, closed_date__lte=end)


def overdue_condition(today: date) -> Q:
    """The deals of *overdue*: open deals whose expected close date is before `today`, every
    category."""
    return Q(status="open", expected_close_date__lt=today)


def forecast_weighted() -> models.Sum:
    """*Weighted* of a group of open deals: Σ weighted of those that count in the forecast.
    The pipeline, funnel, trend and salesperson reports and the dashboard show it for
    their rows (overdue deals of the rows included); *weighted open* is its figure for a
    period, overdue deals left out (`weighted_open_condition`)."""
    return models.Sum("weighted_amount", filter=in_forecast_condition())


def responsible_condition(user, *, via: str = "") -> Q:
    """The deals `user` is responsible for: owns or is co-responsible for (DESIGN.md, Roles;
    besides the managers, they edit the deal). `via` is the deal's foreign key on the queried
    model ("opportunity" from an activity). `OpportunityQuerySet.responsible_for` and
    `Opportunity.is_responsible` read it; "mine" (`owned_by`) is the same set, planned for a
    list of thousands of deals."""
    deal_id, owner_id = (f"{via}_id", f"{via}__owner_id") if via else ("pk", "owner_id")
    shared = Opportunity.co_responsible.through.objects.filter(
        opportunity_id=OuterRef(deal_id), user_id=user.pk
    )
    return Q(**{owner_id: user.pk}) | Exists(shared)


def listed_weighted() -> models.Sum:
    """The deal list's weighted total: `forecast_weighted` of the listed deals that are open.
    A won deal's weighted value is its whole amount and a lost one's nothing: neither is
    pipeline, so a list of every status does not count them (issue 17.7)."""
    return models.Sum("weighted_amount", filter=Q(status="open") & in_forecast_condition())


def matching_accounts(text: str) -> list[int]:
    """The ids of the accounts whose name contains `text` (case-insensitive), for the search.

    A list, for the same reason as in `co_owned`: each side of the search then has its own
    index (trigram on the deal's name, the account's key). Unordered: the accounts' own
    order (by name) sorted 2,822 ids for nothing at 1,000,000 deals (9 ms)."""
    matching = Account.objects.filter(name__icontains=text).order_by()
    return list(matching.values_list("pk", flat=True))


def matching_condition(text: str, accounts: list[int], vendor: str) -> Q:
    """The search (`?q=`): the deal's name contains `text`, or its account is among `accounts`
    (those whose name contains it), case-insensitive."""
    return Q(name__icontains=text) | of_accounts(accounts, vendor)


# The most deals matching past their account's name read one by one by id; more are read
# with the name's trigram index, as the OR did (`matching_part_conditions`).
NAME_ONLY_BY_ID = 5000


def matching_part_conditions(
    text: str, *, accounts: list[int] | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[Q]:
    """The search (`matching_condition`) as two disjoint conditions, for sums: the deals of the
    matching accounts, and the deals matching by name alone whose account does not match.

    The first is read from the account's covering index (`opp_account_sums`), no table row.
    The second reads the table only for the deals whose name matches past their account's name
    (`name_tails`, PostgreSQL), fetched first, by id, when they are at most `NAME_ONLY_BY_ID`;
    beyond, the second is the name's condition as the OR had it. At 1,000,000 deals the footer
    of `q=bygg` (56,582 deals of 2,822 accounts, none by name alone) read 34,566 pages for the
    OR (115 ms), here 8,837 + 3 (18 + 0.1 ms); `q=pilot` (44,594 deals by name alone) reads
    what the OR read, plus a first look at 5,001 tails; when no tail holds the text, the second
    part is empty and read by no query (`q=bygg`: a query of 4 ms, planning its 2,822 account
    ids, saved). Where the tails are not kept (SQLite,
    switched off) or `text` is shorter than a trigram, the OR itself and an empty part.
    `accounts`: `matching_accounts(text)`, when the caller has them.
    """
    if accounts is None:
        accounts = matching_accounts(text)
    connection = connections[using]
    if not search_is_split(text, using):
        return [matching_condition(text, accounts, connection.vendor), Q(pk__in=[])]
    by_account = of_accounts(accounts, connection.vendor)
    ids = name_tails.candidates(connection, text, limit=NAME_ONLY_BY_ID)
    if ids == []:  # no deal matches by name alone: the part is empty, and read by no query
        return [by_account, Q(pk__in=[])]
    by_name = Q(name__icontains=text) & ~by_account
    if ids is not None:
        by_name &= Q(_AmongIds(models.F("id"), ids))
    return [by_account, by_name]


def search_is_split(text: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the search for `text` is read as its two parts (`matching_part_conditions`),
    the first being the deals of the matching accounts: where the name tails are kept and
    `text` is a trigram long."""
    return len(text) >= 3 and name_tails.enabled(connections[using])


def id_array(ids) -> str:
    """`ids` as the text of a PostgreSQL array, for a `%s::bigint[]` parameter: psycopg dumps
    a list element by element, 1.9 ms for the search's 2,822 accounts at 1,000,000 deals
    against 0.4 ms for the text, and the search sends them in four queries. Each id passes
    through `int()`, so nothing else can reach the text."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


class _AmongIds(models.Lookup):
    """`column = ANY(%s)`: a list of ids as one array parameter (PostgreSQL, `id_array`)."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, id_array(self.rhs))


def of_accounts(accounts: list[int], vendor: str) -> Q:
    """The deals of `accounts` (a list of ids). On PostgreSQL one array parameter: as an IN
    list Django prepares, and psycopg sends, each id apart, for every query that names it (the
    search's 2,822 accounts at 1,000,000 deals cost 10-15 ms of CPU a query)."""
    if vendor == "postgresql":
        return Q(_AmongIds(models.F("account_id"), accounts))
    return Q(account__in=accounts)


def first_of_parts(parts, limit: int, *order: str) -> list:
    """The first `limit` rows of disjoint querysets together in `order` (ascending fields
    ending in "pk"; nulls last, as PostgreSQL sorts them): the first `limit` of each, merged.
    Each part can then be read from its own index in order, where their OR is sorted whole."""
    rows = []
    for part in parts:
        rows += part.order_by(*order)[:limit]
    get = attrgetter(*order)
    rows.sort(key=lambda row: tuple((value is None, value) for value in get(row)))
    return rows[:limit]


CO_OWNED_AS_LIST = 200


def co_owned(user):
    """The ids of the deals `user` is co-responsible for, for an OR with their own (one query):
    None when there are none; a few as a list of ids, so PostgreSQL ORs the owner index with the
    primary key (an OR with a subquery would read every deal to find a handful); many as a
    subquery, since a list of thousands costs more to plan and send than the query takes."""
    shared = Opportunity.co_responsible.through.objects.filter(user=user).values_list(
        "opportunity_id", flat=True
    )
    co = list(shared[: CO_OWNED_AS_LIST + 1])
    if not co:
        return None
    return co if len(co) <= CO_OWNED_AS_LIST else shared


_TOTALS = {
    # Rows counted, not ids: the sums can then be read from an index without the id
    # (`opp_owner_status_sums`).
    "count": models.Count("*"),
    "amount": models.Sum("amount"),
    "weighted": models.Sum("weighted_amount"),
}

# The list's sorts by a lookup's own order: the foreign key and the lookup's ordering fields.
LOOKUP_SORTS = {
    "stage": ("order", "name"),
    "owner": ("first_name", "username"),
    "business_area": ("order", "name"),
}


class DealFigures:
    """The figures of a set of deals (count, amount, weighted, per stage or per value): the
    methods of `OpportunityQuerySet` and of `SharedDealQuerySet` (the copy of the deals shared
    with a user, `kept_shared`), whose columns have the deals' names."""

    def totals(
        self,
        *,
        stale: tuple[date, int] | None = None,
        in_forecast: bool = False,
        listed: bool = False,
    ) -> dict:
        """Count, amount and weighted value over every deal in the queryset (one query).

        With `stale` (today, stale days), also the number of stale deals among them; with
        `in_forecast`, the weighted value is `forecast_weighted` (only deals that count); with
        `listed`, it is the deal list's `listed_weighted` (only open deals that count).
        """
        extra = {}
        if stale is not None:
            # Counted by the close date (never null), which the owner's index holds.
            extra["stale"] = models.Count("expected_close_date", filter=stale_condition(*stale))
        if in_forecast:
            extra["weighted"] = forecast_weighted()
        if listed:
            extra["weighted"] = listed_weighted()
        result = self.order_by().aggregate(**{**_TOTALS, **extra})
        result["amount"] = round_money(result["amount"] or ZERO)
        result["weighted"] = round_money(result["weighted"] or ZERO)
        return result

    def totals_per_stage(self, *, stale: tuple[date, int], due: date | None = None) -> dict:
        """`totals(stale=stale, in_forecast=True)` per stage (one query): {stage id: count,
        amount, weighted, stale}; with `due` (a day), also how many have their next action
        on it or before (`due`), counted in the same scan (the owners' index holds the date)."""
        extra = {}
        if due is not None:
            extra["due"] = models.Count("expected_close_date", filter=Q(next_action_date__lte=due))
        rows = (
            self.order_by()
            .values("stage")
            .annotate(
                **{
                    **_TOTALS,
                    "weighted": forecast_weighted(),
                    "stale": models.Count("expected_close_date", filter=stale_condition(*stale)),
                    **extra,
                }
            )
        )
        return {
            row["stage"]: {
                **row,
                "amount": round_money(row["amount"] or ZERO),
                "weighted": round_money(row["weighted"] or ZERO),
            }
            for row in rows
        }

    def totals_per(self, field: str) -> dict:
        """Count, amount and weighted value per value of the foreign key `field` (one query)."""
        rows = self.order_by().values(field).annotate(**_TOTALS).order_by()
        return {row[field]: row for row in rows}

    def totals_by(self, field: str, *, listed: bool = False) -> tuple[dict, dict]:
        """`totals(listed=listed)` and the count of deals per value of the foreign key `field`
        (one query)."""
        summed = {**_TOTALS, "weighted": listed_weighted()} if listed else _TOTALS
        groups = list(self.order_by().values(field).annotate(**summed).order_by())
        result = {
            "count": sum(group["count"] for group in groups),
            "amount": round_money(sum((group["amount"] or ZERO for group in groups), ZERO)),
            "weighted": round_money(sum((group["weighted"] or ZERO for group in groups), ZERO)),
        }
        return result, {group[field]: group["count"] for group in groups}


class OpportunityQuerySet(DealFigures, VersionedQuerySet):
    def open(self):
        """Open deals: Σ amount over them is *open pipeline* (every close date and category)."""
        return self.filter(status=Opportunity.Status.OPEN)

    def won(self):
        return self.filter(status=Opportunity.Status.WON)

    def in_forecast(self):
        """Deals that count in the forecast (`in_forecast_condition`)."""
        return self.filter(in_forecast_condition())

    def weighted_open(self, start: date, end: date, *, today: date):
        """The deals of *weighted open* for the period (`weighted_open_condition`): Σ their
        weighted values is the figure."""
        return self.filter(weighted_open_condition(start, end, today=today))

    def weighted_pipeline(self, start: date, end: date):
        """The deals of *weighted pipeline* for the period (`weighted_pipeline_condition`): Σ
        their weighted values is the figure."""
        return self.filter(weighted_pipeline_condition(start, end))

    def overdue(self, today: date):
        """The deals of *overdue* (`overdue_condition`): Σ their amounts is the figure."""
        return self.filter(overdue_condition(today))

    def won_in(self, start: date, end: date):
        """The deals of *won* for the period (`won_condition`); Σ their amounts is the
        figure."""
        return self.filter(won_condition(start, end))

    def lost(self):
        return self.filter(status=Opportunity.Status.LOST)

    def responsible_for(self, user):
        """Deals `user` owns or is co-responsible for (`responsible_condition`)."""
        return self.filter(responsible_condition(user))

    def owned_by(self, user):
        """Deals the user owns or is co-responsible for ("mine"): `responsible_for`, planned
        for the deal list and the board."""
        shared = co_owned(user)
        if shared is None:
            return self.filter(owner=user)
        return self.filter(Q(owner=user) | Q(pk__in=shared))

    def owned_by_parts(self, user) -> list:
        """`owned_by(user)` as two disjoint querysets, the owned deals and the shared ones the
        user does not own: summed or counted part by part, each part reads one index, where
        the OR of the two reads every deal of the status (a salesperson's dashboard at 100,000
        deals: 198 ms for one grouped sum)."""
        shared = Opportunity.co_responsible.through.objects.filter(user=user).values(
            "opportunity_id"
        )
        return [self.filter(owner=user), self.filter(pk__in=shared).exclude(owner=user)]

    def owned_by_first(self, user, limit: int, *order: str) -> list:
        """The first `limit` deals of `owned_by(user)` in `order` (ascending, never-null
        fields ending in "pk"): the first `limit` of each part (`owned_by_parts`), merged.
        The owned part then reads its index in order and stops, where the OR fetched every
        matching deal of the user to sort them."""
        return first_of_parts(self.owned_by_parts(user), limit, *order)

    def owned_by_count(self, user) -> int:
        """`owned_by(user).count()` part by part (`owned_by_parts`)."""
        return sum(part.count() for part in self.owned_by_parts(user))

    def matching(self, text: str, *, accounts: list[int] | None = None):
        """Deals whose name or account's name contains `text` (case-insensitive); `accounts`
        are the ids of the accounts whose name contains it (`matching_accounts`), when the
        caller has them."""
        if accounts is None:
            accounts = matching_accounts(text)
        return self.filter(matching_condition(text, accounts, connections[self.db].vendor))

    def matching_parts(self, text: str, *, accounts: list[int] | None = None) -> list:
        """`matching(text)` as two disjoint querysets, for sums (`matching_part_conditions`)."""
        conditions = matching_part_conditions(text, accounts=accounts, using=self.db)
        return [self.filter(condition) for condition in conditions]

    def in_period(self, start: date, end: date):
        """Deals expected to close between `start` and `end`, both inclusive."""
        return self.filter(expected_close_date__gte=start, expected_close_date__lte=end)

    def closed_in(self, start: date, end: date):
        return self.filter(closed_date__gte=start, closed_date__lte=end)

    def stale(self, today: date, stale_days: int):
        """Open deals past their expected close date or longer than `stale_days` in their stage."""
        return self.filter(stale_condition(today, stale_days))

    def with_stale_flag(self, today: date, stale_days: int):
        return self.annotate(
            is_stale=models.Case(
                models.When(stale_condition(today, stale_days), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def for_list(self):
        """The list's columns and no more: each join and column costs planning and Python.

        The owner, stage and business area are not joined: the caller attaches them from the
        lookup cache (`LIST_LOOKUPS`, `pipeline_crm.lookups.attach_lookups`).
        """
        return self.select_related("account").only(*LIST_FIELDS)

    def for_board(self):
        """A card's fields and no more (a board shows up to twenty cards per stage); the owner
        comes from the lookup cache, as on the list (`LIST_LOOKUPS`)."""
        return self.select_related("account").only(*BOARD_FIELDS)

    def with_product(self, product):
        return self.filter(
            pk__in=OpportunityLine.objects.filter(product=product).values("opportunity_id")
        )

    def lookup_sort(self) -> tuple[str, bool] | None:
        """(foreign key, descending) when sorted by a lookup's order (`LOOKUP_SORTS`), else None."""
        ordering = tuple(str(key) for key in self.query.order_by)
        descending = {key.startswith("-") for key in ordering}
        bare = tuple(key.lstrip("-") for key in ordering)
        if len(descending) != 1:
            return None
        for field, keys in LOOKUP_SORTS.items():
            if bare == (*(f"{field}__{key}" for key in keys), "pk"):
                return field, descending.pop()
        return None

    def page_ids(self, start: int, stop: int, *, counts: dict | None = None) -> list[int]:
        """The pks of rows `start`…`stop` in this queryset's order, read narrow.

        Ids first keeps a deep page on an index-only scan, costing little more than the first;
        the caller then reads the rows, with their joins, by primary key. A sort by a lookup's
        order (`lookup_sort`) is read one lookup value at a time from the (foreign key, id)
        index, skipping whole values by their count: PostgreSQL would otherwise join and sort
        every matching deal to find fifty. `counts` are the deals per value from `totals_by`,
        when the caller has them.
        """
        sort = self.lookup_sort()
        if sort is None:
            return list(self.values_list("pk", flat=True)[start:stop])
        return self._ids_by_lookup(*sort, start, stop, counts)[0]

    def page_ids_checked(
        self, start: int, stop: int, *, count: int, counts: dict | None = None
    ) -> tuple[list[int], bool]:
        """`page_ids`, and whether what the page read agrees with the counts it was laid out
        by, which were read from what is kept of the deals (`DealRows.totals`): `count` rows
        in all, `counts` per value for a sort by a lookup. The page reads one id past its end
        (`page_agrees`), and a sort by a lookup one past the end of each value's part of it
        and every deal of the values wholly on it, so a count too high or too low is seen on
        the page where its value, or the list, ends."""
        sort = self.lookup_sort()
        if sort is None:
            ids = list(self.values_list("pk", flat=True)[start : stop + 1])
            return ids[: stop - start], page_agrees(len(ids), start, stop, count)
        return self._ids_by_lookup(*sort, start, stop, counts, check=True)

    def _ids_by_lookup(self, field, descending, start, stop, counts, *, check=False):
        if counts is None:
            # COUNT(*), not of the ids: an index that holds `field` but not the id answers it.
            counts = dict(
                self.order_by().values_list(field).annotate(n=models.Count("*")).order_by()
            )
        lookup = self.model._meta.get_field(field)
        order = [f"-{key}" if descending else key for key in LOOKUP_SORTS[field]]
        values = list(lookup.related_model._default_manager.order_by(*order).values_list("pk"))
        values = [value for (value,) in values]
        if lookup.null:  # where this database sorts NULL, as ORDER BY would
            null_first = descending == connections[self.db].features.nulls_order_largest
            values = [None, *values] if null_first else [*values, None]
        # The values the page overlaps, with the part of each it shows.
        overlapped, position = [], 0
        for value in values:
            count = counts.get(value, 0)
            if count and position + count > start and position < stop:
                window = slice(max(start - position, 0), min(stop - position, count))
                overlapped.append((value, window))
            position += count
            if position >= stop:
                break
        pk_order = "-pk" if descending else "pk"
        agrees = True
        if check:  # values counted as none whose place is on this page have none
            uncounted = _uncounted_on_page(values, counts, start, stop)
            if uncounted:
                condition = Q(**{f"{field}__in": [value for value in uncounted if value]})
                if None in uncounted:
                    condition |= Q(**{f"{field}__isnull": True})
                agrees = not self.filter(condition).exists()

        def ids_of(value, window) -> list[int]:
            nonlocal agrees
            match = {f"{field}__isnull": True} if value is None else {field: value}
            deals = self.filter(**match).order_by(pk_order).values_list("pk", flat=True)
            if not check:
                return list(deals[window])
            ids = list(deals[window.start : window.stop + 1])
            agrees &= page_agrees(len(ids), window.start, window.stop, counts[value])
            return ids[: window.stop - window.start]

        if len(overlapped) <= 2:
            return [pk for value, window in overlapped for pk in ids_of(value, window)], agrees
        # Many small values on one page (fifty owners of a deal each): the first and the last
        # are read from the index as above, the whole ones between in a single query, so a
        # page costs at most three queries. NULL sorts first or last, so it is never between.
        (first, first_window), *middle, (last, last_window) = overlapped
        rank = models.Case(
            *(models.When(**{field: value}, then=n) for n, (value, _window) in enumerate(middle)),
            output_field=models.IntegerField(),
        )
        between = list(
            self.filter(**{f"{field}__in": [value for value, _window in middle]})
            .order_by(rank, pk_order)
            .values_list("pk", field)
        )
        if check:
            read = Counter(value for _pk, value in between)
            agrees &= all(read[value] == counts[value] for value, _window in middle)
        first_ids = ids_of(first, first_window)
        return [*first_ids, *(pk for pk, _value in between), *ids_of(last, last_window)], agrees


def _uncounted_on_page(values: list, counts: dict, start: int, stop: int) -> list:
    """The lookup values (in the sort's order) counted as having no deal whose place would be
    on rows `start`…`stop`: before the first value counted, on the first page; after each
    value that ends on the page, up to the next one counted. Every such value is some page's."""
    found, position, here = [], 0, start == 0
    for value in values:
        count = counts.get(value, 0)
        if not count:
            if here:
                found.append(value)
            continue
        position += count
        here = start < position <= stop
    return found


def page_agrees(read: int, start: int, stop: int, count: int) -> bool:
    """Whether `read` ids of rows `start`…`stop` + 1 (one past the page's end) are what a
    list of `count` rows has there: the page's rows, and one more if the list goes on."""
    size = stop - start
    return min(read, size) == max(0, min(stop, count) - start) and (read > size) == (count > stop)


# The end of a history row that no later row of its deal has superseded (yet).
STILL_CURRENT = datetime(9999, 12, 31, tzinfo=UTC)


class HistoryValidity(models.Model):
    """A deal's history row knows until when it stood: the date of the deal's next row, or
    `STILL_CURRENT`. Kept by the database (migration 0015), read by `forecasting.asof`."""

    valid_until = models.DateTimeField(default=STILL_CURRENT, editable=False)

    class Meta:
        abstract = True


# The columns the list's sort indexes carry besides their keys: "mine" (the owner; the shared
# deals are a hashed list of ids) and the status are checked on the index entry while the page
# walks the sort's order, where each entry skipped cost a table row. The cost of a page then
# depends on how dense the matches are in that order, not on the size of the table (migration
# 0025 has the figures).
SORT_INCLUDE = ["owner", "status"]


class Opportunity(Versioned):
    """Affär / Szansa sprzedaży / Salgstilfelle / Verkaufschance."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    name = models.CharField(_("name"), max_length=200)
    # No index of its own: `opp_account_sums` begins with it (migration 0029).
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("account"),
        db_index=False,
    )
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="opportunities", verbose_name=_("contacts")
    )
    # The owner, business area and stage have no index of their own: `opp_owner_id`,
    # `opp_area_id` and `opp_stage_id` begin with them (migration 0026).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
        verbose_name=_("owner"),
        db_index=False,
    )
    co_responsible = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="co_opportunities",
        verbose_name=_("co-responsible"),
    )
    business_area = models.ForeignKey(
        BusinessArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("business area"),
        db_index=False,
    )
    deal_type = models.ForeignKey(
        DealType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("deal type")
    )
    source = models.ForeignKey(
        LeadSource, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("source")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, verbose_name=_("stage"), db_index=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=PERCENT_VALIDATORS
    )
    is_probability_manual = models.BooleanField(_("probability set by hand"), default=False)
    # The hand-set probability a closed deal had before its close (forced to 100 or 0 since),
    # given back when it is reopened (`services.reopen`); None: it followed the stage.
    probability_before_close = models.PositiveSmallIntegerField(
        _("hand-set probability before closing"),
        null=True,
        blank=True,
        editable=False,
        validators=PERCENT_VALIDATORS,
    )
    forecast_category = models.ForeignKey(
        ForecastCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("forecast category"),
    )
    amount = models.DecimalField(
        _("amount"), default=ZERO, validators=[MinValueValidator(0)], **MONEY
    )
    weighted_amount = models.DecimalField(_("weighted"), default=ZERO, editable=False, **MONEY)
    margin = models.DecimalField(_("margin"), null=True, blank=True, editable=False, **MONEY)
    has_lines = models.BooleanField(_("has lines"), default=False, editable=False)
    expected_close_date = models.DateField(
        _("expected close date"), validators=[validate_date_bounds]
    )
    stage_date = models.DateField(
        _("stage date"), default=timezone.localdate, validators=[validate_date_bounds]
    )
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    next_action_date = models.DateField(
        _("next action date"), null=True, blank=True, validators=[validate_date_bounds]
    )
    competitor = models.ForeignKey(
        Competitor, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("competitor")
    )
    loss_reason = models.ForeignKey(
        LossReason, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("loss reason")
    )
    description = models.TextField(_("description"), blank=True)
    win_loss_report = models.TextField(_("win/loss report"), blank=True)
    closed_date = models.DateField(
        _("closed date"), null=True, blank=True, validators=[validate_date_bounds]
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[contacts, co_responsible], bases=[HistoryValidity])

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ("expected_close_date", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100),
                name="opportunity_probability_0_100",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="lost") | Q(loss_reason__isnull=False),
                name="opportunity_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="won") | Q(closed_date__isnull=False),
                name="opportunity_won_has_closed_date",
            ),
            models.CheckConstraint(
                condition=bounds_condition(
                    "expected_close_date", "stage_date", "next_action_date", "closed_date"
                ),
                name="opportunity_dates_in_bounds",
                violation_error_message=_("Dates lie between 1900-01-01 and 2199-12-31."),
            ),
        ]
        indexes = [
            # A sort's index holds the owner and the status, so a page of one user's deals, or
            # of a status, is read from it alone however many rows it skips (`SORT_INCLUDE`).
            models.Index(
                fields=["expected_close_date", "id"], include=SORT_INCLUDE, name="opp_close_id"
            ),
            # The sorts by a lookup's order read one lookup value at a time (`page_ids`).
            models.Index(fields=["stage", "id"], include=SORT_INCLUDE, name="opp_stage_id"),
            models.Index(fields=["owner", "id"], include=["status"], name="opp_owner_id"),
            models.Index(fields=["business_area", "id"], include=SORT_INCLUDE, name="opp_area_id"),
            # The footer sums open deals by close date (a date range, the stale rule) from this
            # index alone: the amounts and the forecast category (the listed weighted) ride
            # along (INCLUDE is PostgreSQL's; SQLite builds a plain index). Migration 0009 adds
            # one by id for sums over a list of deals.
            models.Index(
                fields=["status", "expected_close_date", "stage_date"],
                include=["business_area", "id", "forecast_category", "amount", "weighted_amount"],
                name="opp_status_close_sums",
            ),
            models.Index(
                fields=["status", "stage", "expected_close_date"], name="opp_status_stage"
            ),
            # A business area's deals of a status and a close range: the footer and the page's
            # ids from this index alone (migration 0022).
            models.Index(
                fields=["status", "business_area", "expected_close_date", "id"],
                include=["forecast_category", "amount", "weighted_amount"],
                name="opp_status_area",
            ),
            # The board asks of each stage whether it holds matching open deals (`board_context`,
            # an EXISTS per stage): by business area or owner, the planner walked a whole index
            # of open deals for it (at 1,000,000 deals 120-226 ms for the stages of one area);
            # from this index each answer is one probe.
            models.Index(
                fields=["stage", "business_area", "owner"],
                condition=Q(status="open"),
                name="opp_open_stage_area_owner",
            ),
            # The stale rule's first part (`stale_parts`): open deals long in their stage. The
            # status rides along: a column the query names is read from the index only if the
            # index holds it, even where its condition fixes it. No close date: with it, the
            # planner took this index for the second part too (its statistics of the stage
            # date are of every deal), reading every open deal not long in its stage.
            models.Index(
                fields=["stage_date"],
                include=["status", "forecast_category", "amount", "weighted_amount"],
                condition=Q(status="open"),
                name="opp_open_stage_sums",
            ),
            # A salesperson's open deals summed (dashboard figures, funnel panel, stale and
            # next-action counts) from this index alone: at 100,000 deals the seed's busiest
            # salesperson owns 21,800 open ones, whose rows cost a heap read each. Their sums
            # count rows, not ids (`_TOTALS`). No id: with it, the deals shared with a user
            # were summed by reading this whole index for the 2,700 ids of a join (140 ms
            # instead of 30 through the primary key).
            models.Index(
                fields=["owner", "status", "expected_close_date"],
                include=[
                    "stage_date",
                    "next_action_date",
                    "stage",
                    "forecast_category",
                    "amount",
                    "weighted_amount",
                ],
                name="opp_owner_status_sums",
            ),
            # The dashboards' lists of open deals by close date or next action: each part of
            # "mine" (`owned_by_first`) reads its first rows in order and stops. Without them
            # the planner walked every deal by close date (closed ones first) to find eight
            # of one owner: 150-240 ms each at 100,000 deals.
            models.Index(
                fields=["owner", "expected_close_date", "id"],
                condition=Q(status="open"),
                name="opp_open_owner_close",
            ),
            models.Index(
                fields=["owner", "next_action_date", "id"],
                condition=Q(status="open"),
                name="opp_open_owner_next",
            ),
            models.Index(
                fields=["expected_close_date", "id"],
                include=["owner"],
                condition=Q(status="open"),
                name="opp_open_close",
            ),
            # The dashboards' stale counts (`forecasting.dashboard`): an owner's open deals long
            # in their stage and not overdue, counted from this index alone, per owner (at
            # 1,000,000 deals a manager's dashboard read every open deal for them).
            models.Index(
                fields=["owner", "stage_date"],
                include=["expected_close_date", "status"],
                condition=Q(status="open"),
                name="dash_open_owner_stage_date",
            ),
            models.Index(
                fields=["next_action_date", "id"], condition=Q(status="open"), name="opp_open_next"
            ),
            # The reports' closed deals of a period (won, win/loss, the grid, effort) summed and
            # grouped from this index alone, with the columns they group and filter by: at
            # 1,000,000 deals a year's 350,000 closed deals cost a heap page each.
            models.Index(
                fields=["status", "closed_date"],
                include=[
                    "amount",
                    "account",
                    "owner",
                    "business_area",
                    "deal_type",
                    "source",
                    "forecast_category",
                    "competitor",
                    "loss_reason",
                ],
                name="opp_closed_sums",
            ),
            # The reports' open deals by close date (pipeline, budget, funnel, grid, trend,
            # effort) summed and grouped from this index alone, likewise; with the status,
            # which the named figures' conditions repeat in their aggregates' filters.
            models.Index(
                fields=["expected_close_date"],
                include=[
                    "status",
                    "stage",
                    "business_area",
                    "owner",
                    "account",
                    "forecast_category",
                    "deal_type",
                    "source",
                    "amount",
                    "weighted_amount",
                    "margin",
                ],
                condition=Q(status="open"),
                name="opp_open_close_sums",
            ),
            models.Index(fields=["name"], name="opp_name"),
            # The search's first part, the deals of the matching accounts, counted and summed
            # from this index alone (`matching_parts`; migration 0029 has the figures).
            models.Index(
                fields=["account"],
                include=["status", "forecast_category", "amount", "weighted_amount"],
                name="opp_account_sums",
            ),
            # Each sort of the list ends with the primary key: with it in the index, a page
            # is read in order even where thousands of deals share a value (a weighted 0.00).
            models.Index(fields=["amount", "id"], include=SORT_INCLUDE, name="opp_amount_id"),
            models.Index(
                fields=["weighted_amount", "id"], include=SORT_INCLUDE, name="opp_weighted_id"
            ),
            # Open deals by weighted value: in the index of every deal the lost ones (0.00)
            # come first, a quarter of the table to skip before the first open deal.
            models.Index(
                fields=["weighted_amount", "id"],
                include=["owner"],
                condition=Q(status="open"),
                name="opp_open_weighted",
            ),
            models.Index(
                fields=["probability", "id"], include=SORT_INCLUDE, name="opp_probability_id"
            ),
            models.Index(fields=["status", "id"], name="opp_status_id"),
            models.Index(fields=["stage_date"], name="opp_stage_date"),
            models.Index(fields=["next_action_date", "id"], name="opp_next_action_id"),
            models.Index(fields=["-updated_at"], name="opp_updated"),
            # The open deals out of the forecast (Omitted), which the list's weighted total
            # leaves out (`KeptTotals.listed_weighted`): a few, among every lost deal.
            models.Index(
                fields=["forecast_category", "owner"],
                include=["weighted_amount", "stage", "business_area"],
                condition=Q(status="open"),
                name="opp_open_category",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.pk])

    def is_responsible(self, user, *, co_responsible: Collection[int] | None = None) -> bool:
        """Whether `user` owns this deal or is co-responsible for it (`responsible_condition`;
        the owner is read from the row, a co-responsible user with one query, or from
        `co_responsible`, the deal's co-responsible user ids where the caller read them)."""
        if self.owner_id == user.pk:
            return True
        if co_responsible is not None:
            return user.pk in co_responsible
        return Opportunity.objects.filter(pk=self.pk).responsible_for(user).exists()

    def save(self, *args, **kwargs):
        # The stored weighted value lets reports sum it in the database; it is derived here only.
        self.weighted_amount = weighted(self.amount, self.probability)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "weighted_amount", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class PricedLine:
    """A line's money, for a deal's lines and a quote's alike (DESIGN.md: a line's total is
    quantity × unit price × (1 − discount/100) and its margin quantity × (net unit price − unit
    cost), each rounded to 0.01 half up). Needs `quantity`, `unit_price`, `discount_percent`
    and `unit_cost`."""

    PRICED_FIELDS = ("product_id", "quantity", "unit_price", "discount_percent", "unit_cost")

    def priced_values(self) -> dict:
        """The product and the numbers that make the line's money: what a copy of it on
        another deal or quote takes (`QuoteLine(**line.priced_values())`)."""
        return {name: getattr(self, name) for name in self.PRICED_FIELDS}

    @property
    def net_unit_price(self) -> Decimal:
        return self.unit_price * (Decimal(100) - self.discount_percent) / Decimal(100)

    @property
    def total(self) -> Decimal:
        """quantity × unit price × (1 − discount/100), rounded to 0.01."""
        return round_money(self.quantity * self.net_unit_price)

    @property
    def margin(self) -> Decimal:
        """quantity × (net unit price − unit cost), rounded to 0.01 (TB)."""
        return round_money(self.quantity * (self.net_unit_price - self.unit_cost))


class OpportunityLine(PricedLine, models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="lines", verbose_name=_("opportunity")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **MONEY)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=PERCENT_VALIDATORS,
    )
    unit_cost = models.DecimalField(
        _("unit cost"), default=ZERO, validators=[MinValueValidator(0)], **MONEY
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ("pk",)
        # The product filter reads the deals of a product from this index alone.
        indexes = [models.Index(fields=["product", "opportunity"], name="line_product_deal")]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


NO_AREA = 0  # `DealTotals.business_area` of deals without one


class DealTotalsQuerySet(models.QuerySet):
    def totals(self, *, listed: bool = False) -> dict:
        """Count, amount and weighted value over the rows in the queryset, as `Opportunity`'s;
        with `listed`, the weighted value of the open rows only (see `KeptTotals.totals`)."""
        summed = {**_SUMMED, "weighted": models.Sum("weighted", filter=Q(status="open"))}
        result = self.aggregate(**(summed if listed else _SUMMED))
        return {
            "count": result["count"] or 0,
            "amount": round_money(result["amount"] or ZERO),
            "weighted": round_money(result["weighted"] or ZERO),
        }

    def totals_per(self, field: str) -> dict:
        """Count, amount and weighted value per value of `field`, as `Opportunity`'s (deals
        without a business area under None)."""
        rows = self.order_by().values(field).annotate(**_SUMMED).order_by()
        none = NO_AREA if field == "business_area" else None
        return {None if row[field] == none else row[field]: row for row in rows if row["count"]}


class KeptTotals:
    """The totals of filtered deals read from `DealTotals` rows (`kept`), plus the deals that
    a key cannot select and that are not among them (`shared`: the deals shared with a user,
    for "mine"), with `OpportunityQuerySet`'s reading methods."""

    def __init__(
        self, kept: DealTotalsQuerySet, shared=None, *, deals: list | None = None, kept_deals=None
    ):
        self.parts = [kept] if shared is None else [kept, shared]
        # The deals the `kept` rows add up (an `Opportunity` queryset), for `totals(listed=True)`.
        self.kept_deals = kept_deals
        # The filtered deals themselves as disjoint querysets each an index can answer (for
        # "mine": owned, and shared but not owned), for counts that must come from the deals.
        self.deals = deals

    def totals(self, *, listed: bool = False) -> dict:
        """Count, amount and weighted value of the deals; with `listed`, the weighted value is
        the deal list's (`listed_weighted`): the kept weighted of the open rows, less that of
        the open deals behind them whose category does not count in the forecast (`kept_deals`
        are those deals; the Omitted open ones are few, read from a partial index), plus the
        shared deals' own. One query more than without."""
        return self._finished([part.totals(listed=listed) for part in self.parts], listed)

    def totals_counting(self, kept_deals, *, listed: bool = False) -> dict:
        """`totals(listed=listed)` with the count read from the deals, never from the kept rows
        or the copy of the shared deals (the list's recount, `DealRows.totals`): `kept_deals`
        (the deals the kept rows add up, an `Opportunity` queryset) counted, plus the shared
        deals (`deals`, where they were split; else the shared part's own count)."""
        summed = [part.totals(listed=listed) for part in self.parts]
        totals = self._finished(summed, listed)
        if self.deals:
            totals["count"] = sum(part.order_by().count() for part in self.deals)
        else:
            totals["count"] = kept_deals.order_by().count() + sum(p["count"] for p in summed[1:])
        return totals

    def totals_counting_by(self, kept_deals, field: str, *, listed: bool = False):
        """`totals_counting(kept_deals, listed=listed)` and the deals per value of the foreign
        key `field` (for a page sorted by a lookup, `page_ids`), both counted from the deals:
        `kept_deals` per value (COUNT(*): from an index that holds the key, no row read), the
        shared deals summed and counted per value in one query, which is their only one (at
        100,000 deals each pass over a user's 2,700 shared deals costs 5-9 ms). From the deals
        (`deals`) even where the copy of the shared deals holds their figures: the counts set
        which deals each page shows, and a count from a copy that had drifted would shift
        every page after its value, where no page's own reading can see it."""
        kept, *shared = self.parts
        if self.deals:
            shared = self.deals[1:]
        grouped = kept_deals.order_by().values_list(field).annotate(n=models.Count("*")).order_by()
        counts = dict(grouped)
        summed = [kept.totals(listed=listed)]
        for part in shared:
            part_totals, part_counts = part.totals_by(field, listed=listed)
            summed.append(part_totals)
            for value, n in part_counts.items():
                counts[value] = counts.get(value, 0) + n
        totals = self._finished(summed, listed)
        totals["count"] = sum(counts.values())
        return totals, counts

    def _finished(self, parts: list, listed: bool) -> dict:
        totals = _added(parts)
        if listed:
            omitted = (
                self.kept_deals.filter(out_of_forecast_condition(), status="open")
                .order_by()
                .aggregate(weighted=models.Sum("weighted_amount"))["weighted"]
            )  # the weighted alone: the partial index `opp_open_category` holds it
            totals["weighted"] = round_money(totals["weighted"] - (omitted or ZERO))
        return totals

    def totals_per(self, field: str) -> dict:
        merged = {}
        for part in self.parts:
            for value, row in part.totals_per(field).items():
                merged[value] = _added([merged.get(value, _NOTHING), row])
        return merged

    def totals_by(self, field: str) -> tuple[dict, dict]:
        per = self.totals_per(field)
        totals = _added(per.values())
        totals["amount"] = round_money(totals["amount"])
        totals["weighted"] = round_money(totals["weighted"])
        return totals, {value: row["count"] for value, row in per.items()}


_NOTHING = {"count": 0, "amount": ZERO, "weighted": ZERO}


def added_totals(parts) -> dict:
    """The totals (`OpportunityQuerySet.totals`: count, amount, weighted) of disjoint sets of
    deals, added up."""
    return _added(parts)


def _added(parts) -> dict:
    result = dict(_NOTHING)
    for part in parts:
        for key in result:
            result[key] += part[key] or 0
    return result


_SUMMED = {
    "count": models.Sum("count"),
    "amount": models.Sum("amount"),
    "weighted": models.Sum("weighted"),
}


class DealTotals(models.Model):
    """Count, amount and weighted value of the deals per stage, owner, business area and status.

    Kept by the database itself, in the transaction of every insert, update and delete of a
    deal, whatever the path (triggers, migrations 0006, 0008 and 0010), so the list's footer
    sums and the board's column totals read a few hundred rows instead of every deal; never
    rows or page counts. `kept_totals` says why they are kept (measured), how `manage.py
    check` verifies them and `rebuild_deal_totals` repairs them. The keys are plain ids
    (deals without a business area under `NO_AREA`). On PostgreSQL each change adds rows
    (no row is shared between writers, so none waits for another) and now and then they are
    folded into one per key: always read them summed.
    """

    stage = models.BigIntegerField()
    owner = models.IntegerField()
    business_area = models.BigIntegerField()
    status = models.CharField(max_length=10)
    count = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=20, decimal_places=2, default=ZERO)
    weighted = models.DecimalField(max_digits=20, decimal_places=2, default=ZERO)

    objects = DealTotalsQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal totals")
        verbose_name_plural = _("deal totals")

    def __str__(self) -> str:
        return f"{self.stage}/{self.owner}/{self.business_area}/{self.status}: {self.count}"


class SharedDealQuerySet(DealFigures, models.QuerySet):
    def shared_with(self, user):
        """The deals shared with `user` that they do not own: the second part of
        `OpportunityQuerySet.owned_by_parts`, as their kept figures."""
        return self.filter(user=user).exclude(owner=user)


def _copied(model, **options):
    """A column of `SharedDeal` naming a row of `model` by id, as the deal's foreign key does,
    without a constraint or an index of its own (the copy is kept by triggers, `kept_shared`)."""
    return models.ForeignKey(
        model,
        models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        **options,
    )


class SharedDeal(models.Model):
    """A deal as shared with one of its co-responsible users: the deal's columns that the
    figures of "mine" read, under the deal's own names, one row per link.

    Kept by the database (PostgreSQL only) in the transaction of every write to the deals and
    their links; `kept_shared` says why (measured), how `manage.py check` verifies it and
    `rebuild_deal_totals` repairs it. Not managed by Django: the table is the triggers'.
    Figures only: the rows of a page are read from the deals.
    """

    pk = models.CompositePrimaryKey("opportunity", "user")
    opportunity = _copied(Opportunity)
    user = _copied(settings.AUTH_USER_MODEL)
    owner = _copied(settings.AUTH_USER_MODEL)
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices)
    stage = _copied(Stage)
    business_area = _copied(BusinessArea, null=True)
    forecast_category = _copied(ForecastCategory, null=True)
    amount = models.DecimalField(**MONEY)
    weighted_amount = models.DecimalField(**MONEY)
    expected_close_date = models.DateField()
    stage_date = models.DateField()
    next_action_date = models.DateField(null=True)

    objects = SharedDealQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "opportunities_shareddeal"
        verbose_name = _("shared deal")
        verbose_name_plural = _("shared deals")

    def __str__(self) -> str:
        return f"{self.opportunity_id}/{self.user_id}"


_KEPT_TOTALS = {**_TOTALS, "count": models.Sum("n")}


class KeptSumsQuerySet(models.QuerySet):
    """`DealFigures`' sums of deals read from their kept sums (`KeptSumsRow`): each row counts
    `n` deals."""

    def totals(self, *, listed: bool = False) -> dict:
        summed = {**_KEPT_TOTALS, "weighted": listed_weighted()} if listed else _KEPT_TOTALS
        result = self.order_by().aggregate(**summed)
        return {
            "count": int(result["count"] or 0),
            "amount": round_money(result["amount"] or ZERO),
            "weighted": round_money(result["weighted"] or ZERO),
        }

    def totals_per(self, field: str) -> dict:
        rows = self.order_by().values(field).annotate(**_KEPT_TOTALS).order_by()
        none = NO_AREA if field == "business_area" else None
        return {
            None if row[field] == none else row[field]: {**row, "count": int(row["count"])}
            for row in rows
            if row["count"]
        }


class KeptSumsRow(models.Model):
    """A row of a table of sums the database keeps of the deals (`kept_sums`): how many deals
    (`n`), their amount and weighted value, under the deal's own names. Each is unmanaged:
    the tables are the triggers'."""

    n = models.BigIntegerField()
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    weighted_amount = models.DecimalField(max_digits=20, decimal_places=2, db_column="weighted")

    objects = KeptSumsQuerySet.as_manager()

    class Meta:
        abstract = True


class OpenDealSums(KeptSumsRow):
    """The open deals' count (`n`), amount and weighted value per close date, owner, stage
    and forecast category (0: none), under the deal's own names, so the figures' conditions
    (`weighted_open_condition`, `overdue_condition`) read it as they read the deals.

    Kept by the database (PostgreSQL only) in the transaction of every write to the deals
    (`kept_sums.BY_CLOSE_OWNER_STAGE`, which says why, measured); a key may have several
    rows: always read them summed. Not managed by Django: the table is the triggers'.
    """

    pk = models.CompositePrimaryKey("expected_close_date", "owner", "stage", "forecast_category")
    expected_close_date = models.DateField()
    owner = _copied(settings.AUTH_USER_MODEL)
    stage = _copied(Stage)
    forecast_category = _copied(ForecastCategory)
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices)

    class Meta:
        managed = False
        db_table = "opportunities_open_deal_sums"
        verbose_name = _("open deal sums")
        verbose_name_plural = _("open deal sums")

    def __str__(self) -> str:
        return f"{self.expected_close_date}/{self.owner_id}/{self.stage_id}: {self.n}"


class OpenAreaSums(KeptSumsRow):
    """The open deals' count (`n`), amount and weighted value per close date, business area
    (0: none) and forecast category (0: none), under the deal's own names, so the figures'
    conditions (`weighted_open_condition`, `overdue_condition`) read it as they read the
    deals: the reports' open deals of a period (`forecasting.reports.figures`).

    Kept by the database (PostgreSQL only) in the transaction of every write to the deals
    (`kept_sums.BY_CLOSE_AREA`); a key may have several rows: always read them summed. Not
    managed by Django: the table is the triggers'.
    """

    pk = models.CompositePrimaryKey("expected_close_date", "business_area", "forecast_category")
    expected_close_date = models.DateField()
    business_area = _copied(BusinessArea)
    forecast_category = _copied(ForecastCategory)
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices)

    class Meta:
        managed = False
        db_table = "opportunities_open_area_sums"
        verbose_name = _("open deal sums per business area")
        verbose_name_plural = _("open deal sums per business area")

    def __str__(self) -> str:
        return f"{self.expected_close_date}/{self.business_area_id}: {self.n}"


class OpenNextActionSums(KeptSumsRow):
    """The open deals that have a next action counted (`n`) and summed per owner and next
    action date, under the deal's own names: how many of a salesperson's deals have their
    next action due (the dashboard).

    Kept by the database (PostgreSQL only) in the transaction of every write to the deals
    (`kept_sums.BY_OWNER_NEXT_ACTION`, which says why, measured); a key may have several
    rows: always read them summed. Not managed by Django: the table is the triggers'.
    """

    pk = models.CompositePrimaryKey("owner", "next_action_date", "status")
    owner = _copied(settings.AUTH_USER_MODEL)
    next_action_date = models.DateField()
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices)

    class Meta:
        managed = False
        db_table = "opportunities_open_next_action_sums"
        verbose_name = _("open deal sums per next action date")
        verbose_name_plural = _("open deal sums per next action date")

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.next_action_date}: {self.n}"


# The open deals' sums kept per close date, and the deal filters each has keys for (besides
# the close date and the status), smallest first: the deal list's open deals of a range of
# close dates (`OpportunityFilter`) and the reports' open deals of a period
# (`forecasting.reports.figures`).
KEPT_OPEN = (
    (OpenAreaSums, frozenset({"business_area", "forecast_category"})),
    (OpenDealSums, frozenset({"owner", "stage", "forecast_category"})),
)


class SharedSums(KeptSumsRow):
    """The deals shared with each user (their copy, `SharedDeal`) counted (`n`) and summed per
    user, owner, status, stage, business area (0: none) and forecast category (0: none), under
    the deal's own names (`listed_weighted` reads it as it reads the deals): the shared part of
    "mine"'s footer, counts per lookup and board (`OpportunityFilter.totals_source`).

    Kept by the database (PostgreSQL only) in the transaction of every write to the copy
    (`kept_sums.SHARED_BY_USER`, which says why, measured); a key may have several rows.
    """

    pk = models.CompositePrimaryKey(
        "user", "owner", "status", "stage", "business_area", "forecast_category"
    )
    user = _copied(settings.AUTH_USER_MODEL)
    owner = _copied(settings.AUTH_USER_MODEL)
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices)
    stage = _copied(Stage)
    business_area = _copied(BusinessArea)
    forecast_category = _copied(ForecastCategory)

    class Meta:
        managed = False
        db_table = "opportunities_shared_sums"
        verbose_name = _("shared deal sums")
        verbose_name_plural = _("shared deal sums")

    def __str__(self) -> str:
        return f"{self.user_id}/{self.status}/{self.stage_id}: {self.n}"


class ClosedDealSums(KeptSumsRow):
    """The won and lost deals' count (`n`), amount and weighted value per closed date, owner,
    business area (0: none) and status, under the deal's own names (`won_condition` reads it
    as it reads the deals): the won deals of a period in the reports.

    Kept as `OpenAreaSums` is (`kept_sums.BY_CLOSED`); a key may have several rows.
    """

    pk = models.CompositePrimaryKey("closed_date", "owner", "business_area", "status")
    closed_date = models.DateField()
    owner = _copied(settings.AUTH_USER_MODEL)
    business_area = _copied(BusinessArea)
    status = models.CharField(max_length=10, choices=Opportunity.Status.choices)

    class Meta:
        managed = False
        db_table = "opportunities_closed_deal_sums"
        verbose_name = _("closed deal sums")
        verbose_name_plural = _("closed deal sums")

    def __str__(self) -> str:
        return f"{self.closed_date}/{self.owner_id}/{self.business_area_id}/{self.status}: {self.n}"
