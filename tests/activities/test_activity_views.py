from datetime import date

import pytest
from django.urls import reverse

from activities.models import Activity, ActivityType

from ..factories import AccountFactory, ActivityFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _meeting_data(account, **changes):
    data = {
        "type": ActivityType.objects.get(name="Meeting").pk,
        "subject": "Needs analysis",
        "start": "2026-12-01T09:00",
        "end": "2026-12-01T10:30",
        "account": account.pk,
        "notes": "Bring the pilot figures",
    }
    data.update(changes)
    return data


def test_new_activity_from_a_deal_preselects_the_deal_and_its_account(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    response = client_for(salesperson).get(reverse("activities:create"), {"opportunity": deal.pk})
    form = response.context["form"]
    assert form.initial["opportunity"] == deal
    assert form.initial["account"] == deal.account
    assert form.initial["owner"] == salesperson
    assert form["account"].is_hidden


def test_new_activity_from_a_contact_preselects_it(client_for, salesperson):
    contact = ContactFactory()
    response = client_for(salesperson).get(reverse("activities:create"), {"contact": contact.pk})
    initial = response.context["form"].initial
    assert initial["contact"] == contact and initial["account"] == contact.account


def test_log_a_meeting_on_a_deal(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    contact = ContactFactory(account=deal.account)
    response = client_for(salesperson).post(
        reverse("activities:create"),
        _meeting_data(deal.account, owner=salesperson.pk, opportunity=deal.pk, contact=contact.pk),
    )
    activity = Activity.objects.get(subject="Needs analysis")
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert (activity.opportunity, activity.contact, activity.owner) == (deal, contact, salesperson)
    assert not activity.is_done and activity.completed_at is None
    assert activity.history.first().history_user == salesperson


def test_log_something_already_done_stamps_the_completed_time(client_for, salesperson):
    account = AccountFactory()
    client_for(salesperson).post(
        reverse("activities:create"),
        _meeting_data(account, owner=salesperson.pk, is_done="on"),
    )
    activity = Activity.objects.get()
    assert activity.is_done and activity.completed_at is not None


def test_a_task_needs_a_due_date_and_gets_no_time(client_for, salesperson):
    account = AccountFactory()
    task = ActivityType.objects.get(name="Task").pk
    client = client_for(salesperson)
    response = client.post(
        reverse("activities:create"),
        _meeting_data(account, owner=salesperson.pk, type=task, start="", end=""),
    )
    assert response.status_code == 200
    assert "due_date" in response.context["form"].errors
    assert "Needs analysis" in response.text  # what the user typed stays
    client.post(
        reverse("activities:create"),
        _meeting_data(account, owner=salesperson.pk, type=task, due_date="2026-12-03"),
    )
    activity = Activity.objects.get()
    assert activity.due_date == date(2026, 12, 3) and activity.end is None


def test_end_before_start_is_a_form_error(client_for, salesperson):
    account = AccountFactory()
    response = client_for(salesperson).post(
        reverse("activities:create"),
        _meeting_data(account, owner=salesperson.pk, end="2026-12-01T08:00"),
    )
    assert "end" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_a_contact_of_another_account_is_refused(client_for, salesperson):
    account = AccountFactory()
    stranger = ContactFactory()
    response = client_for(salesperson).post(
        reverse("activities:create"),
        _meeting_data(account, owner=salesperson.pk, contact=stranger.pk),
    )
    assert "contact" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_log_from_a_panel_with_htmx_returns_the_panel(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson)
    prefix = f"log-opportunity-{deal.pk}-"
    data = {prefix + k: v for k, v in _meeting_data(deal.account, owner=salesperson.pk).items()}
    data[prefix + "opportunity"] = deal.pk
    data["panel"] = f"opportunity:{deal.pk}"
    response = client_for(salesperson).post(
        reverse("activities:create"), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<section")
    assert f'id="activities-opportunity-{deal.pk}"' in response.text
    assert "Needs analysis" in response.text
    assert Activity.objects.get().opportunity == deal


def test_panel_form_errors_come_back_in_the_panel(client_for, salesperson):
    account = AccountFactory()
    prefix = f"log-account-{account.pk}-"
    data = {prefix + "subject": "No type", prefix + "account": account.pk}
    data["panel"] = f"account:{account.pk}"
    response = client_for(salesperson).post(
        reverse("activities:create"), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "errorlist" in response.text and "No type" in response.text
    assert not Activity.objects.exists()


def test_link_options_list_the_accounts_contacts_and_deals(client_for, salesperson):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    ContactFactory()
    deal = OpportunityFactory(account=account)
    response = client_for(salesperson).get(
        reverse("activities:link_options"), {"account": account.pk}
    )
    assert list(response.context["form"].fields["contact"].queryset) == [contact]
    assert list(response.context["form"].fields["opportunity"].queryset) == [deal]


def test_detail_shows_history(client_for, salesperson, other_salesperson):
    activity = ActivityFactory(owner=salesperson)
    response = client_for(other_salesperson).get(activity.get_absolute_url())
    assert response.status_code == 200
    assert not response.context["can_edit"]
    assert response.context["history"]


def _edit_data(activity, **changes):
    data = {
        "type": activity.type_id,
        "subject": activity.subject,
        "start": activity.start.strftime("%Y-%m-%dT%H:%M"),
        "end": activity.end.strftime("%Y-%m-%dT%H:%M"),
        "owner": activity.owner_id,
        "account": activity.account_id,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("url_name", ["activities:edit", "activities:delete"])
def test_outsider_gets_403_on_get_and_post(client_for, salesperson, other_salesperson, url_name):
    activity = ActivityFactory(owner=salesperson, subject="Kept")
    client = client_for(other_salesperson)
    url = reverse(url_name, args=[activity.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _edit_data(activity, subject="Changed")).status_code == 403
    activity.refresh_from_db()
    assert activity.subject == "Kept"


def test_the_deals_co_responsible_may_edit_its_activity(
    client_for, salesperson, co_responsible, other_salesperson
):
    deal = OpportunityFactory(owner=salesperson)
    deal.co_responsible.add(co_responsible)
    activity = ActivityFactory(owner=other_salesperson, account=deal.account, opportunity=deal)
    response = client_for(co_responsible).post(
        reverse("activities:edit", args=[activity.pk]), _edit_data(activity, subject="Moved on")
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.subject == "Moved on"


def test_a_manager_edits_any_activity(client_for, salesperson, manager):
    activity = ActivityFactory(owner=salesperson)
    url = reverse("activities:edit", args=[activity.pk])
    assert client_for(manager).post(url, _edit_data(activity, subject="Mgr")).status_code == 302


def test_unticking_done_clears_the_completed_time(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson, is_done=True)
    client_for(salesperson).post(
        reverse("activities:edit", args=[activity.pk]), _edit_data(activity)
    )
    activity.refresh_from_db()
    assert not activity.is_done and activity.completed_at is None


def test_owner_deletes_and_history_keeps_who(client_for, salesperson):
    activity = ActivityFactory(owner=salesperson)
    response = client_for(salesperson).post(reverse("activities:delete", args=[activity.pk]))
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()
    record = Activity.history.filter(id=activity.pk, history_type="-").get()
    assert record.history_user == salesperson


def test_missing_activity_is_404(client_for, salesperson):
    assert client_for(salesperson).get(reverse("activities:edit", args=[999999])).status_code == 404


def test_next_must_be_local(client_for, salesperson):
    account = AccountFactory()
    response = client_for(salesperson).post(
        reverse("activities:create"),
        {**_meeting_data(account, owner=salesperson.pk), "next": "https://evil.example/"},
    )
    assert response["Location"] == Activity.objects.get().get_absolute_url()
