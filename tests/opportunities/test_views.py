import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from opportunities import services
from opportunities.filters import ALL_DEALS_PARAMS as ALL_DEALS
from opportunities.models import Competitor, DealType, ForecastCategory, Opportunity, Stage

from ..factories import (
    AccountFactory,
    BusinessAreaFactory,
    ContactFactory,
    LeadSourceFactory,
    LossReasonFactory,
    OpportunityFactory,
    ProductFactory,
    StageFactory,
)
from ..form_data import deal_form_data

pytestmark = pytest.mark.django_db


def test_a_refused_edit_names_only_those_who_saved_since(client_for, salesperson, manager):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1000.00"))
    deal.history.update(history_user=salesperson)  # she created it
    data = deal_form_data(deal)
    client_for(manager).post(reverse("opportunities:edit", args=[deal.pk]), data)
    client_for(manager).post(
        reverse("opportunities:edit", args=[deal.pk]),
        {**data, "amount": "2000.00", "version": deal.version + 1},
    )
    response = client_for(salesperson).post(
        reverse("opportunities:edit", args=[deal.pk]), {**data, "name": "Renamed"}
    )
    conflict = response.context["form"].conflict
    assert conflict.by == [manager.get_full_name()]


def test_add_opportunity_from_account_fills_the_defaults(client_for, salesperson):
    account = AccountFactory(name="Fjordbygg AS")
    form = client_for(salesperson).get(reverse("opportunities:create"), {"account": account.pk})
    initial = form.context["form"].initial
    assert initial["name"] == "Fjordbygg AS"
    assert initial["account"] == account
    assert initial["business_area"] == account.business_area_id
    assert initial["owner"] == salesperson


def test_create_deal_through_the_form(client_for, salesperson):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    stage = Stage.objects.get(name="Quote sent")
    response = client_for(salesperson).post(
        reverse("opportunities:create") + f"?account={account.pk}",
        {
            "account": account.pk,
            "name": "Pilot 30 users",
            "owner": salesperson.pk,
            "stage": stage.pk,
            "probability": 10,
            "offered_probability": 10,
            "amount": "300000.00",
            "expected_close_date": "2026-12-31",
            "contacts": [contact.pk],
        },
    )
    deal = Opportunity.objects.get(name="Pilot 30 users")
    assert response.status_code == 302
    assert deal.probability == 25 and not deal.is_probability_manual
    assert list(deal.contacts.all()) == [contact]
    assert deal.history.first().history_user == salesperson


def test_form_save_with_typed_probability_marks_it_manual(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client_for(salesperson).post(
        reverse("opportunities:edit", args=[deal.pk]), deal_form_data(deal, probability=42)
    )
    deal.refresh_from_db()
    assert deal.probability == 42 and deal.is_probability_manual


def test_stage_gate_error_is_shown_next_to_the_stage(client_for, salesperson):
    gated = Stage.objects.get(name="Short list")
    gated.requires_next_action = True
    gated.save()
    deal = OpportunityFactory(owner=salesperson)
    response = client_for(salesperson).post(
        reverse("opportunities:edit", args=[deal.pk]), deal_form_data(deal, stage=gated.pk)
    )
    assert response.status_code == 200
    assert "a next action date" in str(response.context["form"].errors["stage"])


def test_concurrent_edit_is_refused_with_what_changed(client_for, salesperson, manager):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1000.00"))
    data = deal_form_data(deal)
    client_for(manager).post(
        reverse("opportunities:edit", args=[deal.pk]), {**data, "amount": "2000.00"}
    )
    response = client_for(salesperson).post(
        reverse("opportunities:edit", args=[deal.pk]), {**data, "name": "Renamed"}
    )
    assert response.status_code == 200
    assert f"{manager.get_full_name()} changed this record while you edited it" in response.text
    assert "1,000.00 → 2,000.00" in response.text
    deal.refresh_from_db()
    assert deal.name != "Renamed" and deal.amount == Decimal("2000.00")


@pytest.mark.parametrize(
    "url_name", ["opportunities:edit", "opportunities:close_won", "opportunities:close_lost"]
)
def test_outsider_gets_403_on_get_and_post(client_for, salesperson, other_salesperson, url_name):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(other_salesperson)
    url = reverse(url_name, args=[deal.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, deal_form_data(deal)).status_code == 403
    deal.refresh_from_db()
    assert deal.status == "open" and deal.version == 1


def test_co_responsible_may_edit(client_for, salesperson, co_responsible):
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    response = client_for(co_responsible).post(
        reverse("opportunities:edit", args=[deal.pk]), deal_form_data(deal, name="Co-edited")
    )
    assert response.status_code == 302


def test_manager_edits_any_deal(client_for, salesperson, manager):
    deal = OpportunityFactory(owner=salesperson)
    url = reverse("opportunities:edit", args=[deal.pk])
    assert client_for(manager).post(url, deal_form_data(deal, name="Managed")).status_code == 302


def test_outsider_cannot_move_or_add_lines(client_for, salesperson, other_salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(other_salesperson)
    stage = Stage.objects.get(name="Quote sent")
    assert (
        client.post(reverse("opportunities:move", args=[deal.pk]), {"stage": stage.pk}).status_code
        == 403
    )
    line = {"product": ProductFactory().pk, "quantity": "1", "discount_percent": "0"}
    assert client.post(reverse("opportunities:line_add", args=[deal.pk]), line).status_code == 403
    assert not deal.lines.exists()


def test_close_lost_without_reason_keeps_the_form(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    response = client_for(salesperson).post(
        reverse("opportunities:close_lost", args=[deal.pk]),
        {"closed_date": "2026-11-23", "report": "They chose another vendor"},
    )
    assert response.status_code == 200
    assert "loss_reason" in response.context["form"].errors
    assert "They chose another vendor" in response.text


def test_close_lost_with_reason(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    reason = LossReasonFactory()
    response = client_for(salesperson).post(
        reverse("opportunities:close_lost", args=[deal.pk]),
        {"loss_reason": reason.pk, "closed_date": "2026-11-23", "version": deal.version},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.probability) == ("lost", reason, 0)


def test_lines_are_added_with_htmx_without_leaving_the_page(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    product = ProductFactory(list_price=Decimal("250.00"))
    response = client_for(salesperson).post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": product.pk, "quantity": "4", "discount_percent": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    deal.refresh_from_db()
    assert deal.amount == Decimal("1000.00")


def test_list_footer_totals_cover_all_filtered_rows(client_for, salesperson):
    area = BusinessAreaFactory(name="Öst")
    for _ in range(60):
        OpportunityFactory(business_area=area, amount=Decimal("100.00"))
    OpportunityFactory(amount=Decimal("999.00"))
    response = client_for(salesperson).get(
        reverse("opportunities:list"), {"business_area": area.pk}
    )
    assert response.context["totals"]["amount"] == Decimal("6000.00")
    assert response.context["totals"]["weighted"] == Decimal("600.00")
    assert response.context["totals"]["count"] == 60
    assert len(response.context["table"].page.object_list) == 50


def test_export_equals_the_filtered_rows(client_for, salesperson):
    area = BusinessAreaFactory(name="Väst")
    OpportunityFactory(name="=cmd|evil", business_area=area, amount=Decimal("1.50"))
    OpportunityFactory(name="Kept", business_area=area)
    OpportunityFactory(name="Other")
    client = client_for(salesperson)
    csv_response = client.get(
        reverse("opportunities:list"), {"business_area": area.pk, "export": "csv", "sort": "name"}
    )
    rows = list(
        csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig")))
    )
    assert [r[0] for r in rows[1:]] == ["'=cmd|evil", "Kept"]
    assert rows[1][5] == "1.50"
    xlsx_response = client.get(
        reverse("opportunities:list"), {"business_area": area.pk, "export": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content))).active
    assert sheet.max_row == 3


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow(
    client_for, salesperson, django_assert_max_num_queries, rows
):
    OpportunityFactory.create_batch(rows, owner=salesperson)
    client = client_for(salesperson)
    # The default list: the salesperson's open deals, owned and shared (counted and summed
    # part by part), and the open deals out of the forecast, which the weighted total leaves
    # out (`KeptTotals.totals(listed=True)`); the shared deals' count comes with their sums
    # (`KeptTotals.totals_counting`). The first request fills the lookup caches.
    with django_assert_max_num_queries(26):
        assert client.get(reverse("opportunities:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("opportunities:list")).status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_stale_list_query_count_does_not_grow(
    client_for, salesperson, django_assert_max_num_queries, rows
):
    long_ago = datetime.date.today() - datetime.timedelta(days=400)
    OpportunityFactory.create_batch(rows, owner=salesperson, stage_date=long_ago)
    OpportunityFactory.create_batch(rows, owner=salesperson, expected_close_date=long_ago)
    client = client_for(salesperson)
    client.get(reverse("opportunities:list"))  # fills the lookup caches
    # Summed as its two parts (`OpportunityFilter.deal_parts`): a query more than one sum.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("opportunities:list"), {"stale": "true"})
    assert response.context["totals"]["count"] == 2 * rows


@pytest.mark.parametrize("rows", [5, 50])
def test_board_query_count_does_not_grow(
    client_for, salesperson, django_assert_max_num_queries, rows
):
    OpportunityFactory.create_batch(rows, owner=salesperson)
    client = client_for(salesperson)
    with django_assert_max_num_queries(24):
        response = client.get(reverse("opportunities:board"))
    assert response.status_code == 200


def test_board_defaults_to_my_deals_and_totals_cover_every_card(client_for, salesperson):
    OpportunityFactory.create_batch(25, owner=salesperson, amount=Decimal("10.00"))
    OpportunityFactory(amount=Decimal("5000.00"))  # someone else's
    response = client_for(salesperson).get(reverse("opportunities:board"))
    first = response.context["columns"][0]
    assert first["count"] == 25 and len(first["cards"]) == 20
    assert first["amount"] == Decimal("250.00")
    assert first["more"]  # a "Show more" button: the next five are a click away


def test_board_shows_everyones_deals_when_asked(client_for, salesperson):
    OpportunityFactory(owner=salesperson)
    OpportunityFactory()  # someone else's
    client = client_for(salesperson)
    board = reverse("opportunities:board")
    mine = client.get(board).context["columns"][0]["count"]
    everyone = client.get(board, {"mine": "", "stage": "", "owner": ""}).context["columns"][0]
    assert (mine, everyone["count"]) == (1, 2)
    assert "mine=&" in client.get(board, {"mine": ""}).context["board_query"] + "&"


def test_board_drop_changes_stage_and_history(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    stage = Stage.objects.get(name="Short list")
    response = client_for(salesperson).post(
        reverse("opportunities:move", args=[deal.pk]),
        {"stage": stage.pk, "version": deal.version, "query": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == stage and deal.probability == 50
    assert deal.history.first().history_change_reason == "board"


def test_a_card_moved_below_its_columns_first_cards_is_announced(client_for, salesperson):
    stage = Stage.objects.get(name="Short list")
    soon = datetime.date(2030, 1, 1)
    OpportunityFactory.create_batch(20, owner=salesperson, stage=stage, expected_close_date=soon)
    late = OpportunityFactory(owner=salesperson, expected_close_date=datetime.date(2031, 1, 1))
    shown = OpportunityFactory(owner=salesperson, expected_close_date=datetime.date(2029, 1, 1))
    client = client_for(salesperson)

    def move(deal):
        return client.post(
            reverse("opportunities:move", args=[deal.pk]),
            {"stage": stage.pk, "version": deal.version, "query": ""},
            HTTP_HX_REQUEST="true",
        )

    assert f"“{late}” moved to Short list." in move(late).text
    assert "moved to" not in move(shown).text  # its card is shown, and keeps the focus


def test_a_refused_board_move_names_the_deal(client_for, salesperson):
    gated = StageFactory(name="Gated", requires_contact=True)
    deal = OpportunityFactory(owner=salesperson, name="Kiruna expansion")
    response = client_for(salesperson).post(
        reverse("opportunities:move", args=[deal.pk]),
        {"stage": gated.pk, "version": deal.version, "query": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.context["board_error"].startswith("Kiruna expansion: The stage")


def test_bulk_change_stage_applies_rules(client_for, salesperson):
    deals = OpportunityFactory.create_batch(3, owner=salesperson)
    stage = Stage.objects.get(name="Quote sent")
    client_for(salesperson).post(
        reverse("opportunities:bulk"),
        {
            "action": "stage",
            "stage": stage.pk,
            "selected": [d.pk for d in deals],
            "seen": [f"{d.pk}:{d.version}" for d in deals],
        },
    )
    assert set(Opportunity.objects.values_list("probability", flat=True)) == {25}


def test_bulk_change_says_how_many_deals_changed(client_for, salesperson, other_salesperson):
    one, two = OpportunityFactory.create_batch(2, owner=salesperson)
    client = client_for(salesperson)
    bulk = reverse("opportunities:bulk")
    stage = Stage.objects.get(name="Quote sent")
    response = client.post(
        bulk,
        {"action": "stage", "stage": stage.pk, "selected": [one.pk], "seen": f"{one.pk}:1"},
        follow=True,
    )
    assert "1 deal moved." in response.content.decode()
    response = client.post(
        bulk,
        {
            "action": "owner",
            "owner": other_salesperson.pk,
            "selected": [one.pk, two.pk],
            "seen": [f"{one.pk}:2", f"{two.pk}:1"],
        },
        follow=True,
    )
    assert "2 deals reassigned." in response.content.decode()


def test_bulk_on_someone_elses_deal_is_403_and_changes_nothing(
    client_for, salesperson, other_salesperson
):
    mine = OpportunityFactory(owner=other_salesperson)
    theirs = OpportunityFactory(owner=salesperson)
    stage = Stage.objects.get(name="Quote sent")
    response = client_for(other_salesperson).post(
        reverse("opportunities:bulk"),
        {"action": "stage", "stage": stage.pk, "selected": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 403
    assert set(Opportunity.objects.values_list("probability", flat=True)) == {10}


def test_a_line_the_form_refuses_comes_back_with_its_errors(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    response = client_for(salesperson).post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": ProductFactory().pk, "quantity": "-1", "discount_percent": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422  # htmx swaps it in (base.html's responseHandling)
    assert 'value="-1"' in response.text and "errorlist" in response.text
    assert not deal.lines.exists()


def test_a_closed_deal_offers_no_line_changes(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    add = reverse("opportunities:line_add", args=[deal.pk])
    client.post(add, {"product": ProductFactory().pk, "quantity": "1", "discount_percent": "0"})
    deal.refresh_from_db()
    services.close_won(deal, user=salesperson, seen_version=deal.version)
    page = client.get(deal.get_absolute_url()).text
    assert "Reopen the deal to change its lines." in page and add not in page
    response = client.post(
        add,
        {"product": ProductFactory().pk, "quantity": "1", "discount_percent": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422 and "reopen it to change its lines" in response.text
    assert deal.lines.count() == 1


def test_history_reads_as_the_page_does(client_for, salesperson, other_salesperson):
    deal = OpportunityFactory(owner=salesperson, amount=Decimal("1000.00"))
    services.bulk_change_owner(
        [deal], other_salesperson, user=salesperson, seen_versions={deal.pk: deal.version}
    )
    deal.refresh_from_db()
    deal.amount = Decimal("1920000.00")
    deal.save()
    client = client_for(other_salesperson)
    client.cookies["django_language"] = "sv"
    history = client.get(deal.get_absolute_url()).context["history"]
    changes = {c.label: (c.old, c.new, entry.origin) for entry in history for c in entry.changes}
    people = (salesperson.get_full_name(), other_salesperson.get_full_name())
    assert changes["ansvarig"] == (*people, "massändring")
    assert changes["belopp"][:2] == ("1\xa0000,00", "1\xa0920\xa0000,00")


def test_detail_shows_history_of_deal_and_lines(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    client.post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": ProductFactory(name="Licence").pk, "quantity": "2", "discount_percent": "0"},
    )
    response = client.get(deal.get_absolute_url())
    labels = [entry.object_label for entry in response.context["history"]]
    assert "Line: Licence" in labels
    [added] = [e for e in response.context["history"] if e.object_label == "Line: Licence"]
    assert [(c.label, c.old, c.new) for c in added.changes][:1] == [("quantity", "—", "2.00")]
    amount_changes = [
        c for e in response.context["history"] for c in e.changes if c.label == "amount"
    ]
    assert amount_changes


@pytest.mark.parametrize("lines", [1, 10])
def test_detail_query_count_is_fixed(client_for, salesperson, django_assert_max_num_queries, lines):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    for _ in range(lines):
        client.post(
            reverse("opportunities:line_add", args=[deal.pk]),
            {"product": ProductFactory().pk, "quantity": "1", "discount_percent": "0"},
        )
    with django_assert_max_num_queries(30):
        assert client.get(deal.get_absolute_url()).status_code == 200


def test_detail_query_count_with_every_lookup_filled(
    client_for, salesperson, manager, django_assert_max_num_queries
):
    """Each optional lookup the deal page shows is one small query, never one per row."""
    deal = OpportunityFactory(
        owner=salesperson,
        deal_type=DealType.objects.create(name="Expansion"),
        source=LeadSourceFactory(),
        forecast_category=ForecastCategory.objects.first(),
        competitor=Competitor.objects.create(name="Rival AB"),
        loss_reason=LossReasonFactory(),
        status=Opportunity.Status.LOST,
        closed_by=manager,
        closed_date=datetime.date(2026, 11, 2),
    )
    deal.co_responsible.add(manager)
    deal.contacts.add(ContactFactory(account=deal.account))
    client = client_for(salesperson)

    with django_assert_max_num_queries(36):
        response = client.get(deal.get_absolute_url())
    assert "Rival AB" in response.text and "Expansion" in response.text


def test_contact_options_follow_the_chosen_account(client_for, salesperson):
    account = AccountFactory()
    ContactFactory(account=account, first_name="Une", last_name="Amundsen")
    ContactFactory(first_name="Other")
    response = client_for(salesperson).get(
        reverse("opportunities:contact_options"), {"account": account.pk}
    )
    assert "Une Amundsen" in response.text and "Other" not in response.text
    form = client_for(salesperson).get(reverse("opportunities:create")).text
    assert 'hx-get="/opportunities/contact-options/"' in form


def test_a_new_deals_empty_fields_take_the_chosen_accounts(client_for, salesperson):
    area = BusinessAreaFactory(name="Norr")
    account = AccountFactory(name="Kiruna Gruv AB", business_area=area)
    response = client_for(salesperson).get(
        reverse("opportunities:contact_options"),
        {"account": account.pk, "name": "", "business_area": "", "source": "7"},
    )
    assert 'id="id_name"' in response.text and 'value="Kiruna Gruv AB"' in response.text
    assert f'<option value="{area.pk}" selected>Norr</option>' in response.text
    assert 'id="id_source"' not in response.text  # the user chose one already
    assert response.text.count('hx-swap-oob="true"') == 2


def test_detail_marks_a_deal_past_its_close_date_stale(client_for, salesperson):
    from datetime import date

    deal = OpportunityFactory(owner=salesperson, expected_close_date=date(2020, 1, 1))
    assert client_for(salesperson).get(deal.get_absolute_url()).context["is_stale"]


def test_deal_page_lists_a_co_responsible_user_added_without_signals(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    client.get(deal.get_absolute_url())  # the users are cached now
    [newcomer] = User.objects.bulk_create([User(username="newcomer", first_name="Nora")])
    deal.co_responsible.through.objects.bulk_create(
        [deal.co_responsible.through(opportunity=deal, user=newcomer)]
    )
    assert "Nora" in client.get(deal.get_absolute_url()).content.decode()


def test_list_names_owners_and_labels_its_totals(client_for, salesperson):
    OpportunityFactory(owner=salesperson, amount=Decimal("100.00"))
    page = client_for(salesperson).get(reverse("opportunities:list"), ALL_DEALS).text
    name = salesperson.get_full_name()
    assert name and f">{name}</option>" in page
    assert ">Total</td>" in page


def test_deal_form_follows_the_stage_only_without_a_probability_set_by_hand(
    client_for, salesperson
):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    edit = reverse("opportunities:edit", args=[deal.pk])
    form = client.get(edit).text
    assert 'data-probability="25"' in form and "data-follows-stage" in form
    Opportunity.objects.filter(pk=deal.pk).update(is_probability_manual=True)
    assert "data-follows-stage" not in client.get(edit).text


def test_list_offers_the_bulk_action_only_on_deals_the_user_may_change(
    client_for, salesperson, other_salesperson
):
    mine = OpportunityFactory(owner=salesperson)
    shared = OpportunityFactory(owner=other_salesperson)
    shared.co_responsible.add(salesperson)
    theirs = OpportunityFactory(owner=other_salesperson)
    page = client_for(salesperson).get(reverse("opportunities:list"), ALL_DEALS).text

    def box(deal) -> str:
        start = page.index(f'name="selected" value="{deal.pk}"')
        return page[start : page.index(">", start)]

    assert "disabled" not in box(mine) and "disabled" not in box(shared)
    assert "disabled" in box(theirs)


def test_an_empty_board_of_my_deals_offers_everyones(client_for, manager):
    OpportunityFactory()  # someone else's
    client = client_for(manager)
    board = reverse("opportunities:board")
    assert "Show everyone" in client.get(board).text
    assert "Show everyone" not in client.get(board, {"mine": ""}).text


def test_closing_and_reopening_say_what_happened(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, name="Kiruna expansion")
    client = client_for(salesperson)
    won = client.post(
        reverse("opportunities:close_won", args=[deal.pk]),
        {"closed_date": "2026-12-01", "version": deal.version},
        follow=True,
    )
    assert "Deal “Kiruna expansion” closed as won." in won.text
    assert "closed 12/01/2026" in won.text
    deal.refresh_from_db()
    reopened = client.post(
        reverse("opportunities:reopen", args=[deal.pk]), {"version": deal.version}, follow=True
    )
    assert "Deal “Kiruna expansion” reopened." in reopened.text
