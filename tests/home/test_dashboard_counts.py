"""The salesperson's dashboard writes its counts grouped in the user's language, as the
manager's does (issue 17: `23 525 open deals`), its reminders' badges and quote panel too."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from activities.templatetags import activities as activity_tags
from home import views

from ..factories import AccountFactory, ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "open_deals", "stale", "overdue", "today"),
    [
        ("sv", "23\xa0525", "1\xa0234", "19\xa0033 försenade", "1\xa0598 i dag"),
        ("en", "23,525", "1,234", "19,033 overdue", "1,598 today"),
    ],
)
def test_the_salespersons_counts_are_grouped(
    client_for, salesperson, monkeypatch, language, open_deals, stale, overdue, today
):
    # One overdue activity, so that the reminders' heading and its badges are shown.
    ActivityFactory(
        account=AccountFactory(), owner=salesperson, start=datetime.now(UTC) - timedelta(days=2)
    )
    figures = views.my_open_figures

    def many_deals(*args, **kwargs):
        pipeline, stages, due = figures(*args, **kwargs)
        return {**pipeline, "count": 23525, "stale": 1234}, stages, due

    reminders_for = activity_tags.reminders_for

    def many_reminders(*args, **kwargs):
        found = reminders_for(*args, **kwargs)
        return dataclasses.replace(found, overdue_count=19033, today_count=1598)

    monkeypatch.setattr(views, "my_open_figures", many_deals)
    monkeypatch.setattr(activity_tags, "reminders_for", many_reminders)
    page = client_for(salesperson).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    for text in (open_deals, stale, overdue, today):
        assert text in html
