"""Log a meeting on a deal, find it in the agenda, mark it done; the deal page and dashboard
panels where the lead has added the activities tags to those pages."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Activity
from tests.factories import ActivityFactory, ContactFactory, OpportunityFactory

from .helpers import load_shipped_lookups, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_lookups(_browser_database):
    load_shipped_lookups(activity_types=True)


def _needs_tag(template: str, tag: str):
    """Skip until the page template includes the tag (the lead adds them to others' pages)."""
    source = (Path(settings.BASE_DIR) / "templates" / template).read_text()
    if tag not in source:
        pytest.skip(f"waiting for the lead to add {{% {tag} %}} to {template}")


@pytest.fixture
def watched(page):
    """Console errors, page errors and CSP violations seen while the test runs."""
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
    return problems


def test_log_a_meeting_for_a_deal_then_mark_it_done_in_the_agenda(
    page, live_server, login, salesperson, watched
):
    deal = OpportunityFactory(owner=salesperson, name="Pilot 30 users")
    ContactFactory(account=deal.account, first_name="Une", last_name="Amundsen")
    login(page, live_server, salesperson)

    visit(page, f"{live_server.url}/activities/new/?opportunity={deal.pk}", "activity-form-deal")
    expect(page.locator("#id_opportunity")).to_have_value(str(deal.pk))
    expect(page.get_by_text(deal.account.name).first).to_be_visible()

    # A task takes a due date instead of a time (CSS on the chosen type, no script).
    page.locator("#id_type").select_option(label="Task")
    expect(page.locator("#id_start")).to_be_hidden()
    expect(page.locator("#id_due_date")).to_be_visible()
    page.locator("#id_type").select_option(label="Meeting")
    expect(page.locator("#id_start")).to_be_visible()
    expect(page.locator("#id_due_date")).to_be_hidden()

    page.locator("#id_subject").fill("Board presentation")
    page.locator("#id_contact").select_option(label="Une Amundsen")
    page.locator("#id_notes").fill("They present to their board on the 21st.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    activity = Activity.objects.get(subject="Board presentation")
    assert (activity.opportunity, activity.owner) == (deal, salesperson)
    assert page.url == f"{live_server.url}/activities/{activity.pk}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Board presentation")

    # The agenda lists it (today, or overdue should the minute have passed) with one-click done.
    visit(page, f"{live_server.url}/activities/", "agenda-with-meeting")
    row = page.locator(f"#activity-{activity.pk}")
    expect(row).to_contain_text("Board presentation")
    expect(row).to_contain_text("Pilot 30 users")
    row.get_by_role("button", name="Mark “Board presentation” done").click()
    expect(page.locator(f"#activity-{activity.pk}")).to_have_class("activity-row is-done")
    expect(page.locator(f"#activity-{activity.pk}")).to_contain_text("done")
    screenshot(page, "agenda-meeting-done")
    activity.refresh_from_db()
    assert activity.is_done and activity.completed_at is not None
    assert watched == []


def test_reschedule_inline_in_the_agenda(page, live_server, login, salesperson, watched):
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    activity = ActivityFactory(owner=salesperson, subject="Follow-up call", start=start)
    login(page, live_server, salesperson)
    visit(page, f"{live_server.url}/activities/", "agenda-before-reschedule")
    row = page.locator(f"#activity-{activity.pk}")
    row.get_by_role("link", name="Reschedule").click()
    form = page.locator(f"#activity-{activity.pk} form.reschedule-form")
    expect(form).to_be_visible()
    new_start = (datetime.now() + timedelta(days=20)).strftime("%Y-%m-%dT10:00")
    form.locator("input[name=start]").fill(new_start)
    form.locator("input[name=end]").fill(new_start.replace("T10:00", "T11:00"))
    form.get_by_role("button", name="Move").click()
    expect(page.locator(f"#activity-{activity.pk} form.reschedule-form")).to_have_count(0)
    screenshot(page, "agenda-after-reschedule")
    activity.refresh_from_db()
    assert activity.start > start + timedelta(days=10)
    assert watched == []


def test_log_a_meeting_inline_on_the_deal_page(page, live_server, login, salesperson, watched):
    _needs_tag("opportunities/opportunity_detail.html", "activities_for")
    deal = OpportunityFactory(owner=salesperson)
    login(page, live_server, salesperson)
    # No screenshot before the swap: a full-page screenshot leaves style attributes that
    # htmx's settling then copies, which the CSP reports.
    page.goto(f"{live_server.url}{deal.get_absolute_url()}")
    panel = page.locator(f"#activities-opportunity-{deal.pk}")
    panel.get_by_text("Log activity").click()
    panel.get_by_label("Subject").fill("Negotiation meeting")
    panel.get_by_role("button", name="Save activity").click()
    expect(page.locator(f"#activities-opportunity-{deal.pk}")).to_contain_text(
        "Negotiation meeting"
    )
    assert page.url == f"{live_server.url}{deal.get_absolute_url()}"
    assert Activity.objects.get().opportunity == deal
    assert watched == []
    screenshot(page, "deal-activities-panel")


def test_dashboard_reminds_of_overdue_activities(page, live_server, login, salesperson, watched):
    _needs_tag("dashboard.html", "my_reminders")
    activity = ActivityFactory(
        owner=salesperson,
        subject="Call back about the quote",
        start=datetime.now(UTC) - timedelta(days=2),
        end=None,
    )
    login(page, live_server, salesperson)
    reminders = page.locator("#my-reminders")
    expect(reminders).to_contain_text("Call back about the quote")
    expect(reminders).to_contain_text("1 overdue")
    reminders.get_by_role("button", name="Mark “Call back about the quote” done").click()
    expect(page.locator(f"#activity-{activity.pk}")).to_have_class("activity-item is-done")
    screenshot(page, "dashboard-reminders")
    assert watched == []


def test_more_due_deals_than_the_panel_shows_lead_to_the_list_by_next_action(
    page, live_server, login, salesperson
):
    """The panel shows the first 25 deals whose next action is due and how many there are;
    its link opens all the salesperson's open deals, the longest overdue next action first."""
    today = timezone.localdate()
    for n in range(27):
        OpportunityFactory(
            owner=salesperson, name=f"Due {n:02}", next_action_date=today - timedelta(days=n)
        )
    login(page, live_server, salesperson)
    due = page.locator("#my-reminders h3", has_text="Deals whose next action is due")
    expect(due.locator(".badge")).to_have_text("27")
    expect(page.locator("#my-reminders .deal-reminders li")).to_have_count(25)
    with page.expect_navigation():
        page.get_by_role("link", name="All my open deals by next action").click()
    expect(page.locator("tbody tr").first).to_contain_text("Due 26")
    expect(page.locator("tbody tr")).to_have_count(27)
    screenshot(page, "due-deals-by-next-action")
