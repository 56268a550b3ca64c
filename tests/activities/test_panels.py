"""The template tags other pages include: rendered through a tiny template, as a page would."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.agenda import company_today
from activities.models import ActivityType
from activities.panels import PANEL_LIMIT, activities_panel, activity_items, reminders_for

from ..factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DocumentFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db


def render(source: str, user, **context) -> str:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    template = Template("{% load activities %}" + source)
    return template.render(Context({"request": request, "user": user, **context}))


def test_account_panel_lists_planned_first_then_done_newest_first(salesperson):
    account = AccountFactory()
    now = datetime.now(UTC)
    ActivityFactory(
        account=account, subject="Done long ago", start=now - timedelta(days=9), is_done=True
    )
    ActivityFactory(
        account=account, subject="Done lately", start=now - timedelta(days=1), is_done=True
    )
    ActivityFactory(account=account, subject="Next month", start=now + timedelta(days=30))
    ActivityFactory(account=account, subject="Tomorrow", start=now + timedelta(days=1))
    html = render("{% activities_for account %}", salesperson, account=account)
    order = ["Tomorrow", "Next month", "Done lately", "Done long ago"]
    positions = [html.index(subject) for subject in order]
    assert positions == sorted(positions)
    assert "Log activity" in html and f"panel=account%3A{account.pk}" in html
    assert "<select" not in html  # the form loads when opened


def test_the_panel_form_loads_when_opened_and_falls_back_to_a_page(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    client = client_for(salesperson)
    url = reverse("activities:create")
    params = {"panel": f"opportunity:{deal.pk}", "next": deal.get_absolute_url()}

    fragment = client.get(url, params, headers={"hx-request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'name="panel" value="opportunity:{deal.pk}"' in fragment.text
    assert f'hx-target="#activities-opportunity-{deal.pk}"' in fragment.text
    assert "HX-Request" in fragment["Vary"]

    page = client.get(url, params)
    assert "<html" in page.text and f'value="opportunity:{deal.pk}"' in page.text
    response = client.post(
        url,
        {
            "panel": f"opportunity:{deal.pk}",
            "next": deal.get_absolute_url(),
            f"log-opportunity-{deal.pk}-type": ActivityType.objects.first().pk,
            f"log-opportunity-{deal.pk}-subject": "Without JavaScript",
            f"log-opportunity-{deal.pk}-start": "2026-11-24T10:00",
            f"log-opportunity-{deal.pk}-owner": salesperson.pk,
            f"log-opportunity-{deal.pk}-account": deal.account_id,
            f"log-opportunity-{deal.pk}-opportunity": deal.pk,
        },
    )
    assert response.status_code == 302, response.content
    assert response["Location"] == deal.get_absolute_url()
    assert deal.activities.get().subject == "Without JavaScript"


def test_an_unknown_panel_form_is_404(client_for, salesperson):
    url = reverse("activities:create")
    response = client_for(salesperson).get(url, {"panel": "opportunity:999999"})
    assert response.status_code == 404


def test_contact_panel_shows_only_the_contacts_activities(salesperson):
    contact = ContactFactory()
    ActivityFactory(account=contact.account, contact=contact, subject="With her")
    ActivityFactory(account=contact.account, subject="Without her")
    html = render("{% activities_for contact %}", salesperson, contact=contact)
    assert "With her" in html and "Without her" not in html


def test_deal_panel_offers_done_only_to_those_who_may_edit(salesperson, other_salesperson):
    deal = OpportunityFactory(owner=salesperson)
    ActivityFactory(account=deal.account, opportunity=deal, owner=salesperson)
    assert "/done/" in render("{% activities_for d %}", salesperson, d=deal)
    assert "/done/" not in render("{% activities_for d %}", other_salesperson, d=deal)


def test_panel_shows_at_most_the_limit_and_links_to_the_agenda(salesperson):
    account = AccountFactory()
    ActivityFactory.create_batch(PANEL_LIMIT + 2, account=account)
    html = render("{% activities_for account %}", salesperson, account=account)
    assert html.count('class="activity-item') == PANEL_LIMIT
    assert f"Show all {PANEL_LIMIT + 2} activities in the agenda" in html
    assert f"account={account.pk}" in html


@pytest.mark.parametrize("rows", [5, 50])
def test_activity_panels_queries_do_not_grow(salesperson, django_assert_max_num_queries, rows):
    deal = OpportunityFactory()
    contact = ContactFactory(account=deal.account)
    ActivityFactory.create_batch(
        rows, account=deal.account, opportunity=deal, contact=contact, owner=salesperson
    )
    for obj in (deal.account, contact, deal):
        with django_assert_max_num_queries(9):
            render("{% activities_for obj %}", salesperson, obj=obj)


@pytest.mark.parametrize("rows", [5, 50])
def test_documents_panel_queries_do_not_grow(
    salesperson, co_responsible, django_assert_max_num_queries, rows
):
    deal = OpportunityFactory(owner=co_responsible)
    DocumentFactory.create_batch(rows, account=deal.account)
    DocumentFactory.create_batch(rows, account=None, opportunity=deal)
    for obj in (deal.account, deal):
        with django_assert_max_num_queries(5):  # uploaders come with the lookup version
            render("{% documents_for obj %}", salesperson, obj=obj)


def test_documents_panel_of_a_deal_hides_upload_from_outsiders(salesperson, other_salesperson):
    deal = OpportunityFactory(owner=salesperson)
    DocumentFactory(account=None, opportunity=deal, original_name="Offer.pdf")
    mine = render("{% documents_for deal %}", salesperson, deal=deal)
    theirs = render("{% documents_for deal %}", other_salesperson, deal=deal)
    assert "Offer.pdf" in mine and "Offer.pdf" in theirs
    assert 'type="file"' in mine and 'type="file"' not in theirs
    assert "/delete/" in mine and "/delete/" not in theirs


def test_account_documents_panel_lists_its_deals_documents_too(salesperson):
    deal = OpportunityFactory()
    DocumentFactory(account=deal.account, original_name="Frame agreement.pdf")
    DocumentFactory(account=None, opportunity=deal, original_name="Quote.pdf")
    html = render("{% documents_for account %}", salesperson, account=deal.account)
    assert "Frame agreement.pdf" in html and "Quote.pdf" in html and deal.name in html


def test_previous_and_next_activity_of_a_deal(salesperson):
    deal = OpportunityFactory(next_step="Send the contract", next_action_date=company_today())
    now = datetime.now(UTC)
    ActivityFactory(
        account=deal.account,
        opportunity=deal,
        subject="Old",
        start=now - timedelta(days=9),
        is_done=True,
    )
    ActivityFactory(
        account=deal.account,
        opportunity=deal,
        subject="Last",
        start=now - timedelta(days=2),
        is_done=True,
    )
    ActivityFactory(
        account=deal.account, opportunity=deal, subject="Next", start=now + timedelta(days=2)
    )
    ActivityFactory(
        account=deal.account, opportunity=deal, subject="After", start=now + timedelta(days=5)
    )
    html = render("{% previous_next_activity deal %}", salesperson, deal=deal)
    assert "Last" in html and "Next" in html and "Send the contract" in html
    assert "Old" not in html and "After" not in html


def test_previous_activity_of_a_deal_whose_panel_is_all_planned(salesperson):
    deal = OpportunityFactory()
    now = datetime.now(UTC)
    ActivityFactory(
        account=deal.account, opportunity=deal, subject="Kick-off", start=now, is_done=True
    )
    for day in range(PANEL_LIMIT + 1):
        ActivityFactory(
            account=deal.account,
            opportunity=deal,
            subject=f"Planned {day:02}",
            start=now + timedelta(days=day + 1),
        )
    html = render("{% previous_next_activity deal %}", salesperson, deal=deal)
    assert "Kick-off" in html and "Planned 00" in html and "Planned 01" not in html


def test_next_activity_of_a_deal_is_the_first_logged_of_those_at_one_time(salesperson):
    deal = OpportunityFactory()
    start = datetime.now(UTC) + timedelta(days=1)
    for subject in ("Logged first", "Logged second"):
        ActivityFactory(account=deal.account, opportunity=deal, subject=subject, start=start)
    html = render("{% previous_next_activity deal %}", salesperson, deal=deal)
    panel = render("{% activities_for deal %}", salesperson, deal=deal)
    assert "Logged first" in html and "Logged second" not in html
    assert panel.index("Logged first") < panel.index("Logged second")


def test_my_reminders_lists_overdue_today_and_due_deals(salesperson, other_salesperson):
    today = company_today()
    now = datetime.now(UTC)
    ActivityFactory(
        owner=salesperson, subject="Overdue call", start=now - timedelta(days=3), end=None
    )
    ActivityFactory(owner=salesperson, subject="Due today", task=True, due_date=today)
    ActivityFactory(owner=salesperson, subject="Next week", start=now + timedelta(days=8))
    ActivityFactory(
        owner=salesperson, subject="Finished already", start=now - timedelta(days=1), is_done=True
    )
    ActivityFactory(owner=other_salesperson, subject="Not mine", start=now - timedelta(days=1))
    OpportunityFactory(owner=salesperson, name="Due deal", next_action_date=today)
    OpportunityFactory(owner=salesperson, name="Future deal", next_action_date=today + timedelta(5))
    html = render("{% my_reminders user %}", salesperson)
    assert "Overdue call" in html and "Due today" in html and "Due deal" in html
    for absent in ("Next week", "Finished already", "Not mine", "Future deal"):
        assert absent not in html
    assert "1 overdue" in html and "1 today" in html


def test_my_reminders_when_nothing_is_due(salesperson):
    assert "Nothing due today." in render("{% my_reminders user %}", salesperson)


def test_co_responsible_deals_are_in_my_reminders(salesperson, co_responsible):
    deal = OpportunityFactory(
        owner=salesperson, name="Shared deal", next_action_date=company_today()
    )
    deal.co_responsible.add(co_responsible)
    assert "Shared deal" in render("{% my_reminders user %}", co_responsible)


def _same_markup(html: str) -> str:
    """`html` with its CSRF tokens blanked (each rendering masks the token anew)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_reminder_items_are_the_django_items_markup(
    salesperson, co_responsible, settings, language
):
    """The dashboard's due activities rendered by Jinja2 (`activity_items`) equal the Django
    template's item of each byte for byte (`activity_item.html`, "item" layout): tasks and
    meetings, an end on the same day and on another, with and without a contact or a deal,
    overdue and today's, in English and Swedish."""
    from django.utils import translation

    now = datetime.now(UTC).replace(microsecond=0)
    today = company_today()
    deal = OpportunityFactory(owner=salesperson)
    contact = ContactFactory(account=deal.account)
    ActivityFactory(owner=salesperson, subject="Call <b>&", start=now - timedelta(days=3), end=None)
    ActivityFactory(
        owner=salesperson,
        subject="Meeting",
        account=deal.account,
        contact=contact,
        opportunity=deal,
        start=now - timedelta(days=2),
        end=now - timedelta(days=2) + timedelta(hours=1),
    )
    ActivityFactory(
        owner=salesperson,
        subject="Seminar",
        start=now - timedelta(days=5),
        end=now - timedelta(days=3),
    )
    ActivityFactory(owner=salesperson, subject="Task", task=True, due_date=today)
    request = RequestFactory().get("/?a=1&b=ö")
    request.user = salesperson
    with translation.override(language):
        activities = reminders_for(salesperson, today=today, request=request).activities
        assert len(activities) == 4
        django = "".join(
            render_to_string(
                "activities/partials/activity_item.html",
                {"activity": activity, "layout": "item"},
                request,
            )
            for activity in activities
        )
        jinja = activity_items(activities, request)
    assert _same_markup(jinja) == _same_markup(django)
    assert "csrfmiddlewaretoken" in jinja


@pytest.mark.parametrize("rows", [5, 50])
def test_reminders_queries_do_not_grow(salesperson, django_assert_max_num_queries, rows):
    now = datetime.now(UTC)
    ActivityFactory.create_batch(rows, owner=salesperson, start=now - timedelta(days=1), end=None)
    OpportunityFactory.create_batch(rows, owner=salesperson, next_action_date=company_today())
    with django_assert_max_num_queries(11):
        render("{% my_reminders user %}", salesperson)


def test_a_panel_post_without_its_account_is_refused_not_a_crash(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    response = client_for(salesperson).post(
        reverse("activities:create"),
        {
            "panel": f"opportunity:{deal.pk}",
            f"log-opportunity-{deal.pk}-type": ActivityType.objects.first().pk,
            f"log-opportunity-{deal.pk}-subject": "Tampered",
            f"log-opportunity-{deal.pk}-start": "2026-11-24T10:00",
            f"log-opportunity-{deal.pk}-owner": salesperson.pk,
        },
    )
    assert response.status_code == 200
    assert not deal.activities.exists()


@pytest.mark.parametrize("language", ["en", "sv", "de"])
@pytest.mark.parametrize("kind", ["opportunity", "account", "contact"])
def test_panel_items_are_the_django_items_markup(
    salesperson, other_salesperson, settings, language, kind
):
    """A panel's activities rendered by Jinja2 (`activity_items`, in
    `activities_panel`) equal the Django template's item of each, byte for byte: done and
    planned, overdue, the user's own and another's on another's deal (no buttons), a contact
    and a deal shown unless the panel is theirs, text that HTML escapes."""
    from django.utils import translation

    now = datetime.now(UTC).replace(microsecond=0)
    deal = OpportunityFactory(owner=other_salesperson, name="O'Neil & <Sons>")
    contact = ContactFactory(account=deal.account, first_name='Ann "A"')
    on = {"account": deal.account, "contact": contact, "opportunity": deal}
    ActivityFactory(owner=salesperson, subject="Call <b>&'\"", start=now - timedelta(days=3), **on)
    ActivityFactory(owner=other_salesperson, subject="Theirs", start=now + timedelta(days=1), **on)
    ActivityFactory(
        owner=salesperson,
        subject="Seminar",
        start=now - timedelta(days=5),
        end=now - timedelta(days=3),
        **on,
    )
    ActivityFactory(
        owner=salesperson, subject="Met", is_done=True, completed_at=now, end=None, **on
    )
    ActivityFactory(owner=salesperson, subject="Task", task=True, due_date=company_today(), **on)
    request = RequestFactory().get("/opportunities/1/?a=1&b=ö")
    request.user = salesperson
    with translation.override(language):
        panel = activities_panel(salesperson, on[kind], request=request)
        assert len(panel["activities"]) == 5
        django = "".join(
            render_to_string(
                "activities/partials/activity_item.html",
                {"activity": activity, "panel_kind": kind},
                request,
            )
            for activity in panel["activities"]
        )
        jinja = panel["activity_items"]
    assert _same_markup(jinja) == _same_markup(django)
    assert jinja.count("csrfmiddlewaretoken") == 3  # the user's planned ones


@pytest.mark.parametrize(
    ("who", "editable"),
    [
        ("salesperson", {"Mine", "Theirs", "Outsider's"}),
        ("co_responsible", {"Mine", "Theirs", "Outsider's"}),
        ("other_salesperson", {"Outsider's"}),
        ("manager", {"Mine", "Theirs", "Outsider's"}),
    ],
)
def test_a_deals_panel_says_who_may_change_each_activity_without_a_query_per_row(
    request,
    salesperson,
    co_responsible,
    other_salesperson,
    who,
    editable,
    django_assert_max_num_queries,
):
    """On a deal's panel each activity may be changed by its owner, the deal's editors (all of
    them) and managers (`can_edit_activity`), asked of the deal once, not per row: no EXISTS
    in the query of its activities, and as many queries for eight activities as for three."""
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    ActivityFactory(owner=salesperson, subject="Mine", opportunity=deal, account=deal.account)
    ActivityFactory(owner=co_responsible, subject="Theirs", opportunity=deal, account=deal.account)
    ActivityFactory(
        owner=other_salesperson, subject="Outsider's", opportunity=deal, account=deal.account
    )
    user = request.getfixturevalue(who)
    fresh = type(deal).objects.select_related("account").get(pk=deal.pk)
    activities_panel(user, fresh)  # fills the lookup caches
    with CaptureQueriesContext(connection) as three:
        panel = activities_panel(user, fresh)
    assert {a.subject for a in panel["activities"] if a.user_can_edit} == editable
    ActivityFactory.create_batch(5, owner=other_salesperson, opportunity=deal, account=deal.account)
    with django_assert_max_num_queries(len(three)):  # not one more per activity
        assert len(activities_panel(user, fresh)["activities"]) == 8
    [read] = [q["sql"] for q in three.captured_queries if 'FROM "activities_activity"' in q["sql"]]
    assert "EXISTS" not in read
