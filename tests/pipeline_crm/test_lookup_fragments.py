"""Fragments built from lookup tables are cached under the lookup version, and rebuilt as soon
as a lookup row or a user changes."""

import pytest
from django.urls import reverse

from accounts.models import BusinessArea
from opportunities.models import Stage
from pipeline_crm.lookups import lookups_version

from ..factories import BusinessAreaFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")


def _panel(response) -> str:
    html = response.content.decode()
    start = html.index('<form class="filters"')
    return html[start : html.index("</form>", start)]


def test_a_renamed_stage_shows_in_the_filter_panel_at_once(client_for, salesperson):
    client = client_for(salesperson)
    assert "Qualified" in _panel(client.get(LIST))
    stage = Stage.objects.get(name="Qualified")
    stage.name = "Qualified lead"
    stage.save()
    panel = _panel(client.get(LIST))
    assert "Qualified lead" in panel


def test_a_new_user_and_a_deleted_area_show_in_the_panels_at_once(client_for, salesperson):
    area = BusinessAreaFactory(name="Nordvast")
    client = client_for(salesperson)
    assert "Nordvast" in _panel(client.get(LIST))
    UserFactory(username="newcomer", first_name="Nils", last_name="Newcomer")
    BusinessArea.objects.filter(pk=area.pk).get().delete()
    response = client.get(LIST)
    assert ">Nils Newcomer<" in _panel(response)  # the owner filter names people
    assert "Nils Newcomer" in response.content.decode().split('id="bulk-form"')[1]
    assert "Nordvast" not in _panel(response)


def test_every_change_to_a_lookup_or_a_user_gives_a_new_version(salesperson):
    before = lookups_version()
    BusinessAreaFactory(name="Syd")
    after_area = lookups_version()
    salesperson.groups.clear()
    after_groups = lookups_version()
    assert len({before, after_area, after_groups}) == 3


def test_the_panel_keeps_what_the_user_chose_and_the_language(client_for, salesperson):
    stage = Stage.objects.get(name="Qualified")
    client = client_for(salesperson)
    client.get(LIST)
    chosen = _panel(client.get(LIST, {"stage": stage.pk}))
    assert f'<option value="{stage.pk}" selected>' in chosen
    assert f'<option value="{stage.pk}" selected>' not in _panel(client.get(LIST, {"page": 1}))
    swedish = _panel(client.get(LIST, headers={"accept-language": "sv"}))
    assert "Sök" in swedish or "Affärsområde" in swedish


def test_a_cached_panel_saves_the_choice_queries(
    client_for, salesperson, django_assert_max_num_queries
):
    OpportunityFactory.create_batch(3, owner=salesperson)
    client = client_for(salesperson)
    client.get(LIST)
    # Session, user, role, settings, version, rows, and the default "mine, open" footer: the
    # owned and shared parts and the out-of-forecast read (test_list_defaults.py).
    with django_assert_max_num_queries(13):
        assert client.get(LIST).status_code == 200


def test_the_deal_page_reads_its_lookups_once_per_version(
    client_for, salesperson, django_assert_max_num_queries
):
    from opportunities.models import DealType

    deal = OpportunityFactory(owner=salesperson, deal_type=DealType.objects.first())
    client = client_for(salesperson)
    client.get(deal.get_absolute_url())
    with django_assert_max_num_queries(19):
        warm = client.get(deal.get_absolute_url())
    assert deal.deal_type.name in warm.text
    deal.deal_type.name = "Renamed type"
    deal.deal_type.save()
    assert "Renamed type" in client.get(deal.get_absolute_url()).text


def test_list_rows_show_renamed_lookups_and_link_their_pages(client_for, salesperson):
    deal = OpportunityFactory(owner=salesperson, business_area=BusinessAreaFactory(name="Väst"))
    client = client_for(salesperson)
    client.get(LIST)
    deal.stage.name = "Renamed stage"
    deal.stage.save()
    salesperson.first_name = "Alicia"
    salesperson.save()
    html = client.get(LIST).text
    row = html[html.index(f'name="selected" value="{deal.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Renamed stage" in row and "Alicia Andersson" in row and "Väst" in row
    assert f'href="{deal.get_absolute_url()}"' in row
    assert f'href="{deal.account.get_absolute_url()}"' in row


def test_a_login_keeps_the_version(client, salesperson):
    salesperson.set_password("a-long-secret-4711")
    salesperson.save()
    before = lookups_version()
    response = client.post(
        reverse("login"), {"username": "alice", "password": "a-long-secret-4711"}
    )
    assert response.status_code == 302
    assert lookups_version() == before


def test_loaded_fixtures_and_migrations_give_a_new_version(tmp_path, salesperson):
    from django.core.management import call_command

    fixture = tmp_path / "area.json"
    fixture.write_text(
        '[{"model": "accounts.businessarea", "pk": 9001, "fields": {"name": "Fixture area"}}]'
    )
    before = lookups_version()
    call_command("loaddata", str(fixture), verbosity=0)
    after_fixture = lookups_version()
    call_command("migrate", verbosity=0)
    assert len({before, after_fixture, lookups_version()}) == 3


def test_changed_company_settings_apply_at_once(client_for, salesperson):
    from datetime import date, timedelta

    from pipeline_crm.models import CompanySettings

    client = client_for(salesperson)
    new = reverse("opportunities:create")
    six_weeks = (date.today() + timedelta(weeks=6)).isoformat()
    assert f'value="{six_weeks}"' in client.get(new).text
    settings = CompanySettings.load()
    settings.close_date_weeks = 2
    settings.save()
    two_weeks = (date.today() + timedelta(weeks=2)).isoformat()
    assert f'value="{two_weeks}"' in client.get(new).text


def test_a_new_role_applies_at_once(client_for, other_salesperson, manager):
    from django.contrib.auth.models import Group

    deal = OpportunityFactory()
    client = client_for(other_salesperson)
    edit = reverse("opportunities:edit", args=[deal.pk])
    assert client.get(edit).status_code == 403
    other_salesperson.groups.set([Group.objects.get(name="Sales manager")])
    assert client.get(edit).status_code == 200


def test_outside_a_request_versioned_values_are_read_fresh(salesperson):
    from pipeline_crm.lookups import versioned

    calls = []
    assert versioned("probe", lambda: calls.append(1) or len(calls)) == 1
    assert versioned("probe", lambda: calls.append(1) or len(calls)) == 2
