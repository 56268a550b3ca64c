"""The Django admin is a write path like any other: a deal saved there goes through the rules
(issue 14, item 1), through the admin's own views as a superuser or a staff user would."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from opportunities.models import Opportunity, OpportunityLine, Stage
from pipeline_crm.history import Origin

from ..admin_helpers import change_url, form_data, form_errors, post_change
from ..factories import (
    ContactFactory,
    LossReasonFactory,
    OpportunityFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date(2026, 1, 5)


def stage(name: str) -> Stage:
    return Stage.objects.get(name=name)


@pytest.fixture
def deal(salesperson):
    deal = OpportunityFactory(owner=salesperson, name="Fleet renewal")
    Opportunity.objects.filter(pk=deal.pk).update(stage_date=LONG_AGO)
    deal.refresh_from_db()
    return deal


# --- stage changes apply the rules ---------------------------------------------------------------


def test_a_stage_change_in_the_admin_applies_the_stage_probability(client_for, admin_user, deal):
    response = post_change(client_for(admin_user), deal, {"stage": stage("Short list").pk})
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability) == ("Short list", 50)
    assert deal.weighted_amount == Decimal("50000.00")
    assert not deal.is_probability_manual


def test_a_stage_change_in_the_admin_sets_the_stage_date(client_for, admin_user, deal):
    post_change(client_for(admin_user), deal, {"stage": stage("Qualified").pk})
    deal.refresh_from_db()
    assert deal.stage_date == timezone.localdate()


def test_a_save_without_a_stage_change_keeps_the_stage_date(client_for, admin_user, deal):
    response = post_change(client_for(admin_user), deal, {"next_step": "Call the buyer"})
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert (deal.next_step, deal.stage_date) == ("Call the buyer", LONG_AGO)


def test_a_probability_typed_in_the_admin_is_kept_as_set_by_hand(client_for, admin_user, deal):
    response = post_change(
        client_for(admin_user), deal, {"stage": stage("Short list").pk, "probability": "61"}
    )
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert (deal.probability, deal.is_probability_manual) == (61, True)


def test_entering_the_won_stage_in_the_admin_closes_the_deal_as_won(client_for, admin_user, deal):
    response = post_change(client_for(admin_user), deal, {"stage": stage("Order").pk})
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert deal.status == Opportunity.Status.WON
    assert (deal.probability, deal.closed_date) == (100, timezone.localdate())
    assert deal.closed_by == admin_user


def test_the_stage_gate_holds_in_the_admin(client_for, admin_user, deal):
    gated = stage("Quote sent")
    gated.requires_contact = True
    gated.save()
    response = post_change(client_for(admin_user), deal, {"stage": gated.pk})
    assert "a contact" in " ".join(form_errors(response)["stage"])
    deal.refresh_from_db()
    assert deal.stage.name == "Prospect"


def test_the_stage_gate_counts_the_contacts_chosen_in_the_same_save(client_for, admin_user, deal):
    gated = stage("Quote sent")
    gated.requires_contact = True
    gated.save()
    contact = ContactFactory(account=deal.account)
    response = post_change(
        client_for(admin_user), deal, {"stage": gated.pk, "contacts": [contact.pk]}
    )
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert deal.stage == gated and list(deal.contacts.all()) == [contact]


def test_an_inactive_stage_is_not_offered_in_the_admin(client_for, admin_user, deal):
    retired = stage("Qualified")
    retired.is_active = False
    retired.save()
    response = post_change(client_for(admin_user), deal, {"stage": retired.pk})
    assert "stage" in form_errors(response)
    deal.refresh_from_db()
    assert deal.stage.name == "Prospect"


def test_a_new_deal_in_the_admin_takes_its_stage_probability(client_for, admin_user, salesperson):
    deal = OpportunityFactory.build(owner=salesperson)
    deal.account.owner.save()
    deal.account.business_area.save()
    deal.account.segment.save()
    deal.account.industry.save()
    deal.account.customer_type.save()
    deal.account.save()
    client = client_for(admin_user)
    url = reverse("admin:opportunities_opportunity_add")
    data = form_data(client, url)
    data.update(
        name="New in admin",
        account=deal.account.pk,
        owner=salesperson.pk,
        stage=stage("Final negotiation").pk,
        amount="1000.00",
        expected_close_date="2030-01-01",
    )
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    created = Opportunity.objects.get(name="New in admin")
    assert (created.probability, created.status) == (75, Opportunity.Status.OPEN)
    assert created.weighted_amount == Decimal("750.00")


# --- rule-carrying fields are not edited in the admin -------------------------------------------


def test_status_cannot_be_set_to_won_at_ten_percent(client_for, admin_user, deal):
    response = post_change(
        client_for(admin_user),
        deal,
        {"status": "won", "closed_date": "2026-12-01", "probability": "10"},
    )
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.closed_date) == ("open", 10, None)


@pytest.mark.parametrize(
    "field",
    [
        "status",
        "is_probability_manual",
        "stage_date",
        "closed_date",
        "closed_by",
        "loss_reason",
        "weighted_amount",
        "margin",
        "has_lines",
    ],
)
def test_rule_fields_are_read_only_in_the_admin(client_for, admin_user, deal, field):
    form = client_for(admin_user).get(change_url(deal)).context["adminform"].form
    assert field not in form.fields


def test_a_closed_deal_keeps_its_stage_amount_and_dates_in_the_admin(client_for, admin_user, deal):
    services.close_lost(
        deal, user=admin_user, loss_reason=LossReasonFactory(), seen_version=deal.version
    )
    client = client_for(admin_user)
    form = client.get(change_url(deal)).context["adminform"].form
    for field in ("stage", "probability", "amount", "expected_close_date", "owner"):
        assert field not in form.fields
    assert "description" in form.fields
    response = post_change(
        client,
        deal,
        {
            "stage": stage("Order").pk,
            "amount": "1.00",
            "probability": "100",
            "description": "Lost on price",
        },
    )
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert deal.description == "Lost on price"
    assert (deal.status, deal.stage.name, deal.amount) == (
        "lost",
        "Prospect",
        Decimal("100000.00"),
    )
    assert deal.probability == 0


# --- lines ----------------------------------------------------------------------------------------


@pytest.fixture
def deal_with_line(deal, admin_user):
    services.add_line(
        deal,
        OpportunityLine(product=ProductFactory(), quantity=Decimal("2"), unit_price=Decimal("500")),
        user=admin_user,
    )
    deal.refresh_from_db()
    return deal


def test_a_deal_with_lines_keeps_the_sum_of_its_lines_as_amount(
    client_for, admin_user, deal_with_line
):
    response = post_change(client_for(admin_user), deal_with_line, {"amount": "999999.00"})
    assert response.status_code == 302, form_errors(response)
    deal_with_line.refresh_from_db()
    assert deal_with_line.amount == Decimal("1000.00")


def test_lines_are_not_edited_in_the_admin(client_for, admin_user, deal_with_line):
    line = deal_with_line.lines.get()
    client = client_for(admin_user)
    data = form_data(client, change_url(deal_with_line))
    assert not any(name.startswith("lines-0-quantity") for name in data)
    data.update(
        {
            "lines-0-id": line.pk,
            "lines-0-opportunity": deal_with_line.pk,
            "lines-0-product": line.product_id,
            "lines-0-quantity": "100",
            "lines-0-unit_price": "500",
            "lines-0-DELETE": "on",
        }
    )
    response = client.post(change_url(deal_with_line), data)
    assert response.status_code in (200, 302)
    line.refresh_from_db()
    deal_with_line.refresh_from_db()
    assert line.quantity == Decimal("2")
    assert (deal_with_line.amount, deal_with_line.has_lines) == (Decimal("1000.00"), True)


def test_the_admin_links_to_the_deal_page_for_lines(client_for, admin_user, deal_with_line):
    page = client_for(admin_user).get(change_url(deal_with_line))
    assert deal_with_line.get_absolute_url() in page.text


# --- the version ----------------------------------------------------------------------------------


def test_an_admin_save_bumps_the_version(client_for, admin_user, deal):
    before = deal.version
    post_change(client_for(admin_user), deal, {"next_step": "Send the quote"})
    deal.refresh_from_db()
    assert deal.version > before


def test_a_stale_admin_form_is_refused_with_the_conflict_message(
    client_for, admin_user, salesperson, deal
):
    client = client_for(admin_user)
    data = form_data(client, change_url(deal))
    deal.refresh_from_db()
    deal.next_step = "Alice's step"
    services.save_opportunity(
        deal, user=salesperson, previous_stage=deal.stage, seen_version=deal.version
    )
    data["next_step"] = "Admin's step"
    response = client.post(change_url(deal), data)
    errors = form_errors(response)
    assert "Alice Andersson changed this record while you edited it." in errors["__all__"]
    deal.refresh_from_db()
    assert deal.next_step == "Alice's step"


def test_an_admin_post_without_its_version_is_refused(client_for, admin_user, deal):
    response = post_change(
        client_for(admin_user), deal, {"next_step": "x"}, drop=("loaded_version",)
    )
    assert form_errors(response)["__all__"]
    deal.refresh_from_db()
    assert deal.next_step == ""


def test_a_salespersons_stale_form_is_refused_after_an_admin_edit(
    client_for, admin_user, salesperson, deal
):
    edit = reverse("opportunities:edit", args=[deal.pk])
    seller = client_for(salesperson)
    seller_data = form_data(seller, edit)
    admin_client = client_for(admin_user)
    response = post_change(admin_client, deal, {"next_step": "Admin's step"})
    assert response.status_code == 302, form_errors(response)

    seller = client_for(salesperson)
    seller_data["next_step"] = "Alice's step"
    response = seller.post(edit, seller_data)
    assert response.status_code == 200
    assert "Astrid" in response.text and "changed this record" in response.text
    deal.refresh_from_db()
    assert deal.next_step == "Admin's step"


# --- history --------------------------------------------------------------------------------------


def test_an_admin_save_is_in_the_history_with_its_origin_and_user(client_for, admin_user, deal):
    post_change(client_for(admin_user), deal, {"stage": stage("Short list").pk})
    record = deal.history.latest()
    assert record.history_change_reason == Origin.ADMIN
    assert record.history_user == admin_user
    assert (record.stage.name, record.probability) == ("Short list", 50)


def test_the_deal_page_shows_the_admin_change(client_for, admin_user, salesperson, deal):
    post_change(client_for(admin_user), deal, {"stage": stage("Short list").pk})
    page = client_for(salesperson).get(deal.get_absolute_url())
    history = page.context["history"]
    assert history[0].origin == Origin.ADMIN.label
    assert history[0].who == admin_user
    assert any(change.new == "Short list" for change in history[0].changes)


def test_the_history_pages_of_the_admin_do_not_revert(client_for, admin_user, deal):
    client = client_for(admin_user)
    post_change(client, deal, {"next_step": "Later step"})
    first = deal.history.earliest()
    url = reverse(
        "admin:opportunities_opportunity_simple_history", args=[deal.pk, first.history_id]
    )
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(client, change_url(deal))
    data["next_step"] = ""
    response = client.post(url, data)
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.next_step == "Later step"


# --- staff users without superuser ----------------------------------------------------------------


@pytest.fixture
def staff_user(db):
    return UserFactory(username="stig", is_staff=True, first_name="Stig")


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_a_staff_user_without_permissions_cannot_change_a_deal(client_for, staff_user, deal):
    response = client_for(staff_user).get(change_url(deal))
    assert response.status_code == 403


def test_a_staff_user_with_view_permission_only_cannot_save_a_deal(client_for, staff_user, deal):
    _grant(staff_user, "view_opportunity")
    client = client_for(staff_user)
    page = client.get(change_url(deal))
    assert page.status_code == 200
    response = client.post(change_url(deal), {"stage": stage("Order").pk, "name": "x"})
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.status == "open"


def test_a_staff_user_with_change_permission_goes_through_the_rules(client_for, staff_user, deal):
    _grant(staff_user, "view_opportunity", "change_opportunity")
    client = client_for(staff_user)
    form = client.get(change_url(deal)).context["adminform"].form
    assert "status" not in form.fields and "is_probability_manual" not in form.fields
    response = post_change(client, deal, {"stage": stage("Order").pk, "status": "lost"})
    assert response.status_code == 302, form_errors(response)
    deal.refresh_from_db()
    assert (deal.status, deal.probability, deal.closed_by) == ("won", 100, staff_user)
    assert deal.history.latest().history_change_reason == Origin.ADMIN


def test_every_record_of_an_admin_save_is_labelled(client_for, admin_user, deal):
    contact = ContactFactory(account=deal.account)
    before = deal.history.count()
    response = post_change(
        client_for(admin_user), deal, {"next_step": "Call", "contacts": [contact.pk]}
    )
    assert response.status_code == 302, form_errors(response)
    new = deal.history.count() - before
    assert new == 2  # the deal's fields, then its contacts (as the deal form saves them)
    assert {r.history_change_reason for r in deal.history.all()[:new]} == {Origin.ADMIN}
