"""The sums kept per account and per stage-entry day (`opportunities.kept_sums`, PostgreSQL):
they equal a recount of the deals after every kind of write, the footers of the search and of
"stale" read from them equal those summed from the deals, concurrent writers never wait for
each other's rows, and the checks and the rebuild find and repair what is missing or wrong."""

from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.core import management
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import BusinessArea
from opportunities import kept_sums, services
from opportunities.checks import kept_sums_agree, kept_sums_triggers
from opportunities.models import (
    ForecastCategory,
    KeptSumsRow,
    Opportunity,
    OpportunityLine,
    Stage,
)

from ..factories import (
    AccountFactory,
    LossReasonFactory,
    OpportunityFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the sums are kept on PostgreSQL only"
    ),
]

LIST = reverse("opportunities:list")


def _rows(kept: kept_sums.KeptSums) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {kept.table}")
        return cursor.fetchone()[0]


def _keys(kept: kept_sums.KeptSums) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT DISTINCT {kept._names} FROM {kept.table}) k")
        return cursor.fetchone()[0]


def _kept_are_the_deals():
    assert kept_sums.differences() == []


def test_the_sums_follow_every_write(salesperson, other_salesperson, manager):
    """Deals created, saved, moved, closed, reopened, reassigned, changed by `update()`, by
    SQL and in bulk, deleted: after each, every table is a recount of the deals, and a key
    written without another writer has one row."""
    today = timezone.localdate()
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    first = OpportunityFactory(owner=salesperson, amount=Decimal("100.10"), next_action_date=today)
    second = OpportunityFactory(
        owner=salesperson,
        amount=Decimal("250.55"),
        stage_date=today - timedelta(days=90),
        next_action_date=today - timedelta(days=2),
    )
    third = OpportunityFactory(owner=other_salesperson, forecast_category=omitted)
    _kept_are_the_deals()
    first.amount = Decimal("120.00")
    services.save_opportunity(first, user=salesperson, seen_version=first.version)
    _kept_are_the_deals()
    later = (
        Stage.objects.filter(is_active=True, is_won_stage=False, requires_contact=False)
        .exclude(pk=second.stage_id)
        .first()
    )
    services.change_stage(
        second, later, user=salesperson, origin="board", seen_version=second.version
    )
    _kept_are_the_deals()
    second.refresh_from_db()
    services.close_won(second, user=salesperson, closed_date=today, seen_version=second.version)
    _kept_are_the_deals()
    second.refresh_from_db()
    services.reopen(second, user=manager, seen_version=second.version)
    first.refresh_from_db()
    services.change_owner(
        first, other_salesperson, user=manager, origin="bulk", seen_version=first.version
    )
    _kept_are_the_deals()
    Opportunity.objects.filter(pk=first.pk).update(
        account=AccountFactory(), amount=Decimal("7.35"), weighted_amount=Decimal("1.05")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE opportunities_opportunity SET expected_close_date = %s,"
            " forecast_category_id = NULL, next_action_date = %s WHERE id = %s",
            [today - timedelta(days=3), today, third.pk],
        )
    _kept_are_the_deals()
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                name=f"Bulk {n}",
                account=third.account,
                owner=salesperson,
                stage=third.stage,
                amount=Decimal("10.00") * n,
                weighted_amount=Decimal("1.00") * n,
                expected_close_date=today + timedelta(days=n),
                stage_date=today - timedelta(days=n * 20),
                next_action_date=today + timedelta(days=n % 3) if n % 2 else None,
            )
            for n in range(1, 6)
        ]
    )
    Opportunity.objects.filter(name__startswith="Bulk").update(
        status="lost", closed_date=today, loss_reason=LossReasonFactory()
    )
    _kept_are_the_deals()
    Opportunity.objects.get(pk=third.pk).delete()
    Opportunity.objects.filter(name__startswith="Bulk").delete()
    _kept_are_the_deals()
    for kept in kept_sums.ALL:
        assert _rows(kept) == _keys(kept)


def test_a_truncate_empties_them(salesperson):
    """Django's `flush` TRUNCATEs the deals: the sums go with them."""
    shared = OpportunityFactory(owner=salesperson, next_action_date=timezone.localdate())
    shared.co_responsible.add(UserFactory())
    OpportunityLine.objects.create(
        opportunity=shared, product=ProductFactory(), quantity=1, unit_price=Decimal("10.00")
    )
    won = OpportunityFactory(owner=salesperson)
    services.close_won(
        won, user=salesperson, closed_date=timezone.localdate(), seen_version=won.version
    )
    assert all(_rows(kept) for kept in kept_sums.ALL)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check pending
        cursor.execute("TRUNCATE opportunities_opportunity CASCADE")
    assert not any(_rows(kept) for kept in kept_sums.ALL)


def test_a_writer_that_cannot_fold_adds_rows_and_the_sums_stay_right(salesperson):
    """While another transaction holds the fold's lock, a write adds its change as rows of
    its own (it never waits); the next write that can fold folds the keys it changes. (The
    test's own transaction has not folded before: it would hold the lock to its end.)"""
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [kept_sums.FOLD_LOCK])
        deal = OpportunityFactory(owner=salesperson, amount=Decimal("100.00"))
        before = _rows(kept_sums.BY_ACCOUNT)
        for amount in ("110.00", "120.00", "130.00"):
            Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal(amount))
        assert _rows(kept_sums.BY_ACCOUNT) > before
        _kept_are_the_deals()
    finally:
        other.execute("SELECT pg_advisory_unlock(%s)", [kept_sums.FOLD_LOCK])
        other.close()
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("140.00"))
    _kept_are_the_deals()
    assert _rows(kept_sums.BY_ACCOUNT) == _keys(kept_sums.BY_ACCOUNT)


@pytest.fixture
def deals(salesperson, other_salesperson):
    """Deals of two accounts named "Byggmax" and one "Kontor", open, won and lost, some out
    of the forecast, entered into their stage from today to 75 days ago, half of them past
    their close date; two deals named after "bygg" in the "Kontor" account."""
    today = timezone.localdate()
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    accounts = [
        AccountFactory(name="Byggmax Norr"),
        AccountFactory(name="Byggmax Syd"),
        AccountFactory(name="Kontor AB"),
    ]
    for n in range(36):
        OpportunityFactory(
            name=f"Bygget {n}" if n in (2, 5) else f"Deal {n}",
            account=accounts[n % 3],
            owner=(salesperson, other_salesperson)[n % 2],
            amount=Decimal("100.10") * (n + 1),
            forecast_category=omitted if n % 5 == 0 else None,
            expected_close_date=today + timedelta(days=n % 7 - 3),
            stage_date=today - timedelta(days=n * 75 // 36),
        )
    closed = Opportunity.objects.order_by("pk")[::4]
    Opportunity.objects.filter(pk__in=[deal.pk for deal in closed[::2]]).update(
        status="won", closed_date=today
    )
    Opportunity.objects.filter(pk__in=[deal.pk for deal in closed[1::2]]).update(
        status="lost", closed_date=today, loss_reason=LossReasonFactory()
    )


@pytest.mark.parametrize(
    "query",
    [
        {"q": "bygg"},
        {"q": "BYGG", "status": "open"},
        {"q": "bygg", "status": "won"},
        {"q": "ontor"},
        {"q": "bygg", "sort": "stage"},
        {"q": "bygg", "page": "2", "per_page": "5"},
        {"stale": "true"},
        {"stale": "true", "status": "open"},
        {"stale": "true", "sort": "-owner", "per_page": "5"},
        {"stale": "true", "page": "3", "per_page": "4"},
    ],
)
def test_the_footer_from_the_kept_sums_equals_the_deals_sums(
    client_for, settings, manager, deals, query
):
    client = client_for(manager)
    kept = client.get(LIST, query)
    settings.KEPT_SUMS = False
    summed = client.get(LIST, query)
    assert kept.context["totals"] == summed.context["totals"]
    assert kept.context["totals"]["count"] > 0
    kept_table, summed_table = kept.context["table"], summed.context["table"]
    assert kept_table.data.counts == summed_table.data.counts
    assert kept_table.paginator.count == summed_table.paginator.count
    assert [row.pk for row in kept_table.paginated_rows.data] == [
        row.pk for row in summed_table.paginated_rows.data
    ]


def test_the_open_deals_of_a_close_range_read_their_kept_sums(
    client_for, settings, manager, salesperson, deals
):
    """Open deals between two close dates, with keys of the sums kept per close date (area
    and category, or owner, stage and category; "(none)" too): the footer reads them, and it,
    the counts and the page equal those summed from the deals. Other filters sum the deals."""
    today = timezone.localdate()
    area = BusinessArea.objects.order_by("pk").first()
    Opportunity.objects.filter(pk__in=Opportunity.objects.order_by("pk").values("pk")[:12]).update(
        business_area=None
    )
    Opportunity.objects.filter(pk__in=Opportunity.objects.order_by("-pk").values("pk")[:12]).update(
        business_area=area
    )
    stage = Opportunity.objects.filter(owner=salesperson).values_list("stage", flat=True)[0]
    week = {"close_from": today - timedelta(days=1), "close_to": today + timedelta(days=2)}
    kept_queries = [
        {**week},
        {"close_to": today, "business_area": area.pk},
        {"close_from": today, "business_area": "null", "sort": "-amount"},
        {"close_from": today - timedelta(days=3), "forecast_category": "null"},
        {**week, "owner": salesperson.pk, "stage": stage, "sort": "stage"},
        {"close_to": today, "owner": salesperson.pk, "page": "2", "per_page": "3"},
    ]
    summed_queries = [
        {**week, "status": "won"},
        {**week, "status": ""},
        {**week, "status": "open", "business_area": area.pk, "owner": salesperson.pk},
        {**week, "status": "open", "q": "bygg"},
    ]
    client = client_for(manager)
    for query in [{"status": "open", **q} for q in kept_queries] + summed_queries:
        settings.KEPT_SUMS = True
        kept = client.get(LIST, query)
        part = kept.context["table"].data.parts[0]
        read_kept = isinstance(part, kept_sums.KeptPart)
        assert read_kept == (query not in summed_queries), query
        settings.KEPT_SUMS = False
        summed = client.get(LIST, query)
        # The page recounts the deals when a kept count disagrees with it: the kept figures
        # themselves are compared too.
        if read_kept:
            assert part.totals(listed=True) == summed.context["totals"], query
        assert kept.context["totals"] == summed.context["totals"], query
        assert kept.context["totals"]["count"] > 0, query
        kept_table, summed_table = kept.context["table"], summed.context["table"]
        assert kept_table.data.counts == summed_table.data.counts
        assert kept_table.paginator.count == summed_table.paginator.count
        assert [row.pk for row in kept_table.paginated_rows.data] == [
            row.pk for row in summed_table.paginated_rows.data
        ]
    area_week = Opportunity.objects.filter(
        status="open",
        business_area=area,
        expected_close_date__lte=today,
    )
    settings.KEPT_SUMS = True
    totals = client.get(LIST, {"status": "open", "close_to": today, "business_area": area.pk})
    assert totals.context["totals"]["count"] == len(area_week)
    assert totals.context["totals"]["amount"] == sum(d.amount for d in area_week)


def test_the_kept_parts_are_read_and_a_recount_of_the_deals(client_for, manager, deals):
    """The footer's parts come from the kept sums (no sum over the deals' amounts), and
    their figures are those of the filtered deals, counted one by one."""
    today = timezone.localdate()
    client = client_for(manager)
    response = client.get(LIST, {"stale": "true"})
    parts = response.context["table"].data.parts
    assert all(isinstance(part, kept_sums.KeptPart) for part in parts)
    stale = Opportunity.objects.stale(today, 30)
    assert response.context["totals"]["count"] == stale.count()
    assert response.context["totals"]["amount"] == sum(d.amount for d in stale)
    listed = stale.exclude(forecast_category__counts_in_forecast=False)
    assert response.context["totals"]["weighted"] == sum(d.weighted_amount for d in listed)
    searched = client.get(LIST, {"q": "bygg"})
    assert isinstance(searched.context["table"].data.parts[0], kept_sums.KeptPart)
    matching = Opportunity.objects.filter(name__icontains="bygg") | Opportunity.objects.filter(
        account__name__icontains="bygg"
    )
    assert searched.context["totals"]["count"] == matching.count()
    assert searched.context["totals"]["amount"] == sum(d.amount for d in matching)


def test_other_filters_with_the_search_or_stale_sum_the_deals(client_for, manager, deals):
    client = client_for(manager)
    for query in (
        {"q": "bygg", "mine": "true"},
        {"stale": "true", "status": "won"},
        {"q": "bygg", "stale": "true"},
        {"q": "by"},  # shorter than a trigram: the search is read whole
    ):
        parts = client.get(LIST, query).context["table"].data.parts
        assert not any(isinstance(part, kept_sums.KeptPart) for part in parts), query


def test_a_missing_trigger_is_reported_and_rebuilt(salesperson):
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER opportunities_sums_by_account_update ON opportunities_opportunity"
        )
    errors = kept_sums_triggers(databases=["default"])
    assert [error.id for error in errors] == ["opportunities.E010"]
    assert "opportunities_sums_by_account_update" in errors[0].msg
    deal = OpportunityFactory(owner=salesperson)
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("99.00"))  # unseen
    assert [error.id for error in kept_sums_agree(databases=["default"])] == ["opportunities.E011"]
    with pytest.raises(CommandError, match="opportunities_sums_by_account_update"):
        management.call_command("rebuild_deal_totals", check=True, stdout=None)
    management.call_command("rebuild_deal_totals", stdout=None)
    assert kept_sums_triggers(databases=["default"]) == []
    assert kept_sums_agree(databases=["default"]) == []


def test_wrong_sums_are_reported_and_rebuilt(salesperson):
    OpportunityFactory(owner=salesperson, amount=Decimal("10.00"))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {kept_sums.BY_STAGE_AND_CLOSE.table} SET amount = amount + 1")
    wrong = kept_sums.differences()
    assert [table for table, _key in wrong] == [kept_sums.BY_STAGE_AND_CLOSE.table]
    with pytest.raises(CommandError, match="1 kept sums disagree"):
        management.call_command("rebuild_deal_totals", check=True, stdout=None)
    management.call_command("rebuild_deal_totals", stdout=None)
    _kept_are_the_deals()


@pytest.mark.django_db(transaction=True)
def test_dump_then_load_into_an_empty_database_keeps_each_deal_once(tmp_path):
    """`dumpdata` leaves the sums out (no Django model); loading the dump into an emptied
    database fills them again through the deals' trigger."""
    owner = UserFactory(username="ann")
    for n in range(3):
        OpportunityFactory(
            owner=owner, amount=Decimal(10 + n), next_action_date=timezone.localdate()
        )
    dump = tmp_path / "dump.json"
    management.call_command("dumpdata", output=str(dump), verbosity=0)
    assert "sums_by" not in dump.read_text()
    for model in KeptSumsRow.__subclasses__():  # each kept sums model, the next one too
        assert model._meta.label_lower not in dump.read_text()
    management.call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not any(_rows(kept) for kept in kept_sums.ALL)
    management.call_command("loaddata", str(dump), verbosity=0)
    _kept_are_the_deals()
    assert kept_sums.BY_ACCOUNT.sums("true", [], listed=False, using="default")["count"] == 3


@pytest.mark.parametrize("tamper", ["-", "+"])
def test_a_wrong_count_hides_no_deal_of_a_page(client_for, manager, deals, tamper):
    """A kept count one too low or too high: the page that reads past where the count says
    the list ends sees it, and the list is recounted from the deals."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {kept_sums.BY_STAGE_DATE.table} SET n = n {tamper} 1"
            f" WHERE stage_date = (SELECT min(stage_date) FROM {kept_sums.BY_STAGE_DATE.table})"
        )
    stale = Opportunity.objects.stale(timezone.localdate(), 30)
    client = client_for(manager)
    seen, page = [], 1
    while True:
        table = client.get(LIST, {"stale": "true", "page": page, "per_page": 4}).context["table"]
        seen += [row.pk for row in table.paginated_rows.data]
        if not table.page.has_next():
            break
        page += 1
    assert sorted(seen) == sorted(stale.values_list("pk", flat=True))
    assert table.paginator.count == stale.count()


def test_the_managers_dashboard_from_the_kept_sums_equals_the_deals_sums(settings, deals):
    """Weighted open, overdue and the overdue count per stage and owner (`OpenDealSums`, the
    deals' conditions on their kept sums) equal those of the deals near today."""
    from forecasting.dashboard import open_groups

    today = timezone.localdate()
    kept = open_groups(today, 30)
    settings.KEPT_SUMS = False
    summed = open_groups(today, 30)
    assert kept.per_stage == summed.per_stage
    assert kept.per_owner == summed.per_owner
    assert sum(row["overdue_count"] for row in kept.per_owner.values()) > 0
    assert sum(row["weighted_open"] for row in kept.per_stage.values()) > 0


def test_the_shared_sums_follow_the_links_and_mines_footers_equal_the_deals(
    client_for, settings, salesperson, other_salesperson, manager, deals
):
    """The deals shared with a user, kept per user (`SharedSums`): after links are added and
    removed and a shared deal changes owner, they are a recount of the shared deals' copy, and
    "mine"'s footers and board read from them equal those summed from the copy and the deals."""
    theirs = list(Opportunity.objects.filter(owner=other_salesperson).order_by("pk"))
    for deal in theirs[:8]:
        deal.co_responsible.add(salesperson)
    theirs[0].co_responsible.add(manager)
    own = Opportunity.objects.filter(owner=salesperson).order_by("pk").first()
    own.co_responsible.add(salesperson)  # co-responsible for a deal they own: counted once
    _kept_are_the_deals()
    theirs[1].co_responsible.remove(salesperson)
    theirs[2].refresh_from_db()
    services.change_owner(
        theirs[2], salesperson, user=manager, origin="bulk", seen_version=theirs[2].version
    )
    _kept_are_the_deals()
    assert _rows(kept_sums.SHARED_BY_USER) == _keys(kept_sums.SHARED_BY_USER)
    client = client_for(salesperson)
    stage = theirs[3].stage_id
    queries = [
        {"mine": "true"},
        {"mine": "true", "status": "open"},
        {"mine": "true", "status": "open", "stage": stage},
        {"mine": "true", "business_area": "none"},
        {"mine": "true", "sort": "stage", "per_page": "5"},
        {"mine": "true", "sort": "-owner", "per_page": "5", "page": "2"},
        {"mine": "true", "status": "open", "sort": "business_area"},
    ]
    kept = [client.get(LIST, query).context["totals"] for query in queries]
    board = _board_totals(client)
    settings.KEPT_SUMS = False
    assert kept == [client.get(LIST, query).context["totals"] for query in queries]
    assert _board_totals(client) == board
    assert board[-1]["count"] > 0
    mine = Opportunity.objects.owned_by(salesperson)
    assert kept[0]["count"] == mine.count() > 20
    assert kept[0]["amount"] == sum(deal.amount for deal in mine)


def _board_totals(client) -> list:
    context = client.get(reverse("opportunities:board"), {"mine": "true"}).context
    columns = [
        {name: column[name] for name in ("count", "amount", "weighted")}
        for column in context["columns"]
    ]
    return [*columns, context["grand"]]
