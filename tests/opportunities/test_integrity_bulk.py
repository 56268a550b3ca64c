"""Issue 14, item 2: bulk stage and owner changes lock each deal, read it again and apply the
rule to the fresh row; a deal changed since the user selected it is reported, not overwritten."""

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityLine, Stage
from pipeline_crm.concurrency import EditConflict

from ..factories import OpportunityFactory, ProductFactory, StageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bulk(client, deals, seen=None, **action):
    seen = [f"{d.pk}:{d.version}" for d in deals] if seen is None else seen
    data = {"selected": [d.pk for d in deals], "seen": seen, **action}
    return client.post(reverse("opportunities:bulk"), data, follow=True)


def test_the_list_sends_the_version_of_each_deal_the_user_may_change(
    client_for, salesperson, other_salesperson
):
    mine = OpportunityFactory(owner=salesperson)
    services.reset_probability(mine, user=salesperson, seen_version=1)
    theirs = OpportunityFactory(owner=other_salesperson)
    page = client_for(salesperson).get(reverse("opportunities:list")).text
    assert f'name="seen" value="{mine.pk}:2" form="bulk-form"' in page
    assert f'value="{theirs.pk}:' not in page


def test_a_deal_changed_since_it_was_selected_is_reported_not_moved(client_for, salesperson):
    deal, other = OpportunityFactory.create_batch(2, owner=salesperson)
    selected = [f"{deal.pk}:{deal.version}", f"{other.pk}:{other.version}"]
    line = OpportunityLine(product=ProductFactory(list_price=Decimal("16800.00")), quantity=1)
    services.add_line(deal, line, user=salesperson)  # after the list was loaded
    quote = Stage.objects.get(name="Quote sent")
    response = _bulk(
        client_for(salesperson), [deal, other], selected, action="stage", stage=quote.pk
    )
    assert "1 deal moved." in response.text
    assert f"{deal}: It was changed since you selected it" in response.text
    deal.refresh_from_db()
    assert (deal.stage.name, deal.amount) == ("Prospect", Decimal("16800.00"))
    assert Opportunity.objects.get(pk=other.pk).stage == quote


def test_a_reassignment_of_a_deal_changed_since_is_reported_not_made(
    client_for, salesperson, other_salesperson
):
    deal = OpportunityFactory(owner=salesperson)
    selected = [f"{deal.pk}:{deal.version}"]
    services.reset_probability(deal, user=salesperson, seen_version=deal.version)
    response = _bulk(
        client_for(salesperson), [deal], selected, action="owner", owner=other_salesperson.pk
    )
    assert "0 deals reassigned." in response.text and "changed since you selected" in response.text
    assert Opportunity.objects.get(pk=deal.pk).owner == salesperson


def test_a_selection_without_versions_changes_nothing(client_for, salesperson):
    deals = OpportunityFactory.create_batch(2, owner=salesperson)
    quote = Stage.objects.get(name="Quote sent")
    response = _bulk(client_for(salesperson), deals, [], action="stage", stage=quote.pk)
    assert "0 deals moved." in response.text
    assert response.text.count("does not say which version") == 2
    assert set(Opportunity.objects.values_list("stage__name", flat=True)) == {"Prospect"}


def test_bulk_applies_the_rule_to_the_fresh_row(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    stale = Opportunity.objects.get(pk=deal.pk)  # as the view read it, before any lock
    deal.probability, deal.is_probability_manual = 61, True
    deal.save()
    quote = Stage.objects.get(name="Quote sent")
    moved, refused = services.bulk_change_stage(
        [stale], quote, user=salesperson, seen_versions={deal.pk: 2}
    )
    deal.refresh_from_db()
    assert (moved, refused) == (1, [])
    assert (deal.stage, deal.probability, deal.is_probability_manual) == (quote, 61, True)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's concurrent writers"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_lines_bulk_changes_and_form_saves_lose_nothing():
    """20 line additions, bulk stage changes and form saves at once: the amount is the sum of
    the lines and every acknowledged change is in the final row."""
    owner = UserFactory(username="concurrent-owner")
    # A transactional test may follow one that emptied the tables: its own lookups.
    stages = [StageFactory(name=f"Concurrent {n}", order=200 + n) for n in range(3)]
    product = ProductFactory(list_price=Decimal("100.00"))
    deal = OpportunityFactory(owner=owner, stage=stages[0], business_area=None)
    acknowledged = {"lines": 0, "description": deal.description, "stage": stages[0].pk}
    order = threading.Lock()
    errors = []

    def run(work):
        try:
            for n in range(20):
                work(n)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def add_line(n):
        with transaction.atomic():
            line = OpportunityLine(product=product, quantity=Decimal(n % 3 + 1))
            services.add_line(Opportunity(pk=deal.pk), line, user=owner)
            with order:
                acknowledged["lines"] += 1

    def bulk(n):
        selected = Opportunity.objects.get(pk=deal.pk)  # the list page
        stage = random.choice(stages)
        with transaction.atomic():
            moved, refused = services.bulk_change_stage(
                [selected], stage, user=owner, seen_versions={deal.pk: selected.version}
            )
            if not refused:
                with order:
                    acknowledged["stage"] = stage.pk

    def form_save(n):
        loaded = Opportunity.objects.select_related("stage").get(pk=deal.pk)  # the form
        loaded.description = f"Saved {n}"
        try:
            with transaction.atomic():
                services.save_opportunity(
                    loaded,
                    user=owner,
                    previous_stage=loaded.stage,
                    seen_version=loaded.version,
                )
                with order:
                    acknowledged["description"] = loaded.description
        except EditConflict:
            pass  # refused and said so: not acknowledged

    threads = [threading.Thread(target=run, args=(w,)) for w in (add_line, bulk, form_save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    deal.refresh_from_db()
    lines = list(deal.lines.all())
    assert len(lines) == acknowledged["lines"] == 20
    assert deal.amount == sum(line.total for line in lines)
    assert deal.description == acknowledged["description"]
    assert deal.stage_id == acknowledged["stage"]
