"""The copy of the shared deals (`opportunities.kept_shared`, PostgreSQL): it equals the
co-responsible links joined to their deals after every kind of write, the figures of "mine"
read from it equal those summed from the deals, and the checks and the rebuild find and repair
what is missing or wrong."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import management
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from opportunities import kept_shared, services
from opportunities.checks import shared_deals_agree, shared_deals_triggers
from opportunities.models import ForecastCategory, Opportunity, SharedDeal, Stage

from ..factories import BusinessAreaFactory, OpportunityFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the shared deals are kept on PostgreSQL only"
    ),
]

LIST = reverse("opportunities:list")


def _copy_is_the_links():
    """No difference, and the copy holds exactly one row per link."""
    assert kept_shared.differences() == []
    links = Opportunity.co_responsible.through.objects.values_list("opportunity_id", "user_id")
    assert set(SharedDeal.objects.values_list("opportunity_id", "user_id")) == set(links)


def test_the_copy_follows_every_write(salesperson, co_responsible, other_salesperson, manager):
    """Links added, set and removed; a deal saved, moved, reassigned, closed, reopened,
    changed by `update()` and by SQL, deleted: after each, the copy is the links' deals."""
    first = OpportunityFactory(owner=salesperson, amount=Decimal("100.10"))
    second = OpportunityFactory(owner=co_responsible, amount=Decimal("250.55"))
    third = OpportunityFactory(owner=other_salesperson)
    first.co_responsible.add(co_responsible, other_salesperson)
    second.co_responsible.set([salesperson])
    _copy_is_the_links()
    first.amount = Decimal("120.00")
    services.save_opportunity(
        first,
        user=salesperson,
        seen_version=first.version,
        co_responsible=[co_responsible, manager],
    )
    _copy_is_the_links()
    later = (
        Stage.objects.filter(is_active=True, is_won_stage=False, requires_contact=False)
        .exclude(pk=second.stage_id)
        .first()
    )
    services.change_stage(
        second, later, user=co_responsible, origin="board", seen_version=second.version
    )
    first.refresh_from_db()
    services.change_owner(
        first, other_salesperson, user=manager, origin="bulk", seen_version=first.version
    )
    _copy_is_the_links()
    second.refresh_from_db()
    services.close_won(
        second, user=co_responsible, closed_date=timezone.localdate(), seen_version=second.version
    )
    second.refresh_from_db()
    services.reopen(second, user=manager, seen_version=second.version)
    _copy_is_the_links()
    Opportunity.objects.filter(pk=first.pk).update(
        amount=Decimal("7.35"), weighted_amount=Decimal("1.05"), next_action_date=date(2026, 5, 1)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE opportunities_opportunity SET business_area_id = %s WHERE id = %s",
            [BusinessAreaFactory().pk, second.pk],
        )
    _copy_is_the_links()
    third.co_responsible.add(salesperson)
    first.co_responsible.remove(manager)
    _copy_is_the_links()
    Opportunity.objects.get(pk=third.pk).delete()
    _copy_is_the_links()
    assert SharedDeal.objects.count() == 2


def test_a_truncate_empties_the_copy(salesperson, co_responsible):
    """Django's `flush` TRUNCATEs the tables: the copy goes with them."""
    OpportunityFactory(owner=salesperson).co_responsible.add(co_responsible)
    assert SharedDeal.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check pending
        cursor.execute("TRUNCATE opportunities_opportunity_co_responsible")
    assert SharedDeal.objects.count() == 0


@pytest.fixture
def shared(salesperson, co_responsible, other_salesperson):
    """Deals of Bob's and Charlie's shared with Alice, open and closed, in two areas and none,
    some out of the forecast, some past their close date; one of Alice's own shared with
    herself (counted once, as her own)."""
    today = timezone.localdate()
    omitted = ForecastCategory.objects.get(counts_in_forecast=False)
    area = BusinessAreaFactory(name="Norr")
    for n in range(24):
        deal = OpportunityFactory(
            owner=(co_responsible, other_salesperson, salesperson)[n % 3],
            amount=Decimal("100.10") * (n + 1),
            business_area=area if n % 2 else None,
            forecast_category=omitted if n % 5 == 0 else None,
            expected_close_date=today + timedelta(days=n % 7 - 3),
            stage_date=today - timedelta(days=n * 3),
            next_action_date=today + timedelta(days=n % 4 - 2),
        )
        if n % 3 != 1:
            deal.co_responsible.add(salesperson)
    won = Opportunity.objects.order_by("pk")[::5]
    Opportunity.objects.filter(pk__in=[deal.pk for deal in won]).update(
        status="won", closed_date=today
    )
    return area


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"mine": "true", "status": ""},
        {"mine": "true", "status": "won"},
        {"mine": "true", "business_area": "area"},
        {"mine": "true", "business_area": "-"},
        {"sort": "stage"},
        {"sort": "-owner"},
        {"sort": "business_area", "page": "2", "per_page": "5"},
    ],
)
def test_the_list_footer_from_the_copy_equals_the_deals_sums(
    client_for, settings, salesperson, shared, query
):
    query = {name: str(shared.pk) if value == "area" else value for name, value in query.items()}
    client = client_for(salesperson)
    kept = client.get(LIST, query)
    settings.KEPT_SHARED_DEALS = False
    summed = client.get(LIST, query)
    assert kept.context["totals"] == summed.context["totals"]
    assert kept.context["totals"]["count"] > 0
    kept_table, summed_table = kept.context["table"], summed.context["table"]
    assert kept_table.data.counts == summed_table.data.counts
    assert kept_table.paginator.count == summed_table.paginator.count
    assert [row.pk for row in kept_table.paginated_rows.data] == [
        row.pk for row in summed_table.paginated_rows.data
    ]


def test_the_dashboard_from_the_copy_equals_the_deals_sums(
    client_for, settings, salesperson, shared
):
    client = client_for(salesperson)
    kept = client.get(reverse("dashboard")).context
    settings.KEPT_SHARED_DEALS = False
    summed = client.get(reverse("dashboard")).context
    assert kept["my_pipeline"] == summed["my_pipeline"]
    assert kept["my_pipeline"]["count"] > 0 and kept["my_pipeline"]["stale"] > 0
    assert kept["report"].total == summed["report"].total
    assert kept["reminders"].deal_count == summed["reminders"].deal_count


def test_a_missing_trigger_is_reported_and_rebuilt(salesperson, co_responsible):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER shared_deals_update ON opportunities_opportunity")
    errors = shared_deals_triggers(databases=["default"])
    assert [error.id for error in errors] == ["opportunities.E008"]
    assert "shared_deals_update" in errors[0].msg
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("99.00"))  # unseen by the copy
    assert [error.id for error in shared_deals_agree(databases=["default"])] == [
        "opportunities.E009"
    ]
    with pytest.raises(CommandError, match="shared_deals_update"):
        management.call_command("rebuild_deal_totals", check=True, stdout=None)
    management.call_command("rebuild_deal_totals")
    assert shared_deals_triggers(databases=["default"]) == []
    assert shared_deals_agree(databases=["default"]) == []
    _copy_is_the_links()


def test_a_wrong_copy_is_reported_and_rebuilt(salesperson, co_responsible):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("10.00"))
    deal.co_responsible.add(co_responsible)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE opportunities_shareddeal SET amount = 11")
        cursor.execute(
            "INSERT INTO opportunities_shareddeal SELECT opportunity_id, %s, owner_id, status,"
            " stage_id, business_area_id, forecast_category_id, amount, weighted_amount,"
            " expected_close_date, stage_date, next_action_date FROM opportunities_shareddeal",
            [salesperson.pk],
        )
    wrong = kept_shared.differences()
    assert {(d.opportunity_id, d.user_id) for d in wrong} == {
        (deal.pk, co_responsible.pk),
        (deal.pk, salesperson.pk),
    }
    with pytest.raises(CommandError, match="2 copies of shared deals disagree"):
        management.call_command("rebuild_deal_totals", check=True, stdout=None)
    management.call_command("rebuild_deal_totals")
    _copy_is_the_links()


@pytest.mark.django_db(transaction=True)
def test_dump_then_load_into_an_empty_database_copies_each_link_once(tmp_path):
    """`dumpdata` leaves the copy out (Django does not manage its table); loading the dump
    into an emptied database fills it again through the links' trigger. Users in no group:
    a transactional test may follow one that emptied every table, the role groups too."""
    salesperson, co_responsible = UserFactory(username="ann"), UserFactory(username="ben")
    for n in range(3):
        deal = OpportunityFactory(owner=salesperson, amount=Decimal(10 + n))
        deal.co_responsible.add(co_responsible, salesperson)
    before = sorted(SharedDeal.objects.values_list("opportunity_id", "user_id", "amount"))
    dump = tmp_path / "dump.json"
    management.call_command("dumpdata", output=str(dump), verbosity=0)
    assert "opportunities.shareddeal" not in dump.read_text()

    management.call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not SharedDeal.objects.exists()
    management.call_command("loaddata", str(dump), verbosity=0)

    assert sorted(SharedDeal.objects.values_list("opportunity_id", "user_id", "amount")) == before
    _copy_is_the_links()


@pytest.mark.parametrize("sort", ["", "stage", "-owner", "business_area"])
@pytest.mark.parametrize("tamper", ["DELETE", "INSERT"])
def test_a_wrong_copy_hides_no_deal_of_a_page(client_for, salesperson, shared, sort, tamper):
    """A link missing from the copy, or one too many: the page that reads past where the
    counts say a value or the list ends sees it, and the list is recounted from the deals."""
    with connection.cursor() as cursor:
        if tamper == "DELETE":
            cursor.execute(
                "DELETE FROM opportunities_shareddeal WHERE opportunity_id = ("
                " SELECT MIN(opportunity_id) FROM opportunities_shareddeal"
                " WHERE status = 'open' AND owner_id <> %s)",
                [salesperson.pk],
            )
        else:
            cursor.execute(
                "INSERT INTO opportunities_shareddeal SELECT opportunity_id + 100000, user_id,"
                " owner_id, status, stage_id, business_area_id, forecast_category_id, amount,"
                " weighted_amount, expected_close_date, stage_date, next_action_date"
                " FROM opportunities_shareddeal WHERE status = 'open' AND owner_id <> %s"
                " ORDER BY opportunity_id LIMIT 1",
                [salesperson.pk],
            )
    assert kept_shared.differences()
    mine = Opportunity.objects.responsible_for(salesperson).filter(status="open")
    client = client_for(salesperson)
    seen, page = [], 1
    while True:
        query = {"page": page, "per_page": 4, **({"sort": sort} if sort else {})}
        table = client.get(LIST, query).context["table"]
        seen += [row.pk for row in table.paginated_rows.data]
        if not table.page.has_next():
            break
        page += 1
    assert sorted(seen) == sorted(mine.values_list("pk", flat=True))
    assert table.paginator.count == mine.count()
