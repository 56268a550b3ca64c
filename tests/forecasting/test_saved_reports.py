"""Every report can be saved and reopened through the one flow (issue 16): its page carries the
save form, a saved report keeps its filters and a relative period, and opening it shows the
report again."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from forecasting.models import SavedReport
from forecasting.reports.saved import REPORTS

pytestmark = pytest.mark.django_db

# The relative period each report is saved with: forecast accuracy needs a period that ended.
RELATIVE = {SavedReport.Kind.ACCURACY: "last-quarter"}
REPORT_IDS = [report.kind for report in REPORTS]


@pytest.mark.parametrize("report", REPORTS, ids=REPORT_IDS)
def test_every_report_page_carries_the_save_form(client_for, salesperson, report):
    pick = RELATIVE.get(report.kind, "this-quarter")
    response = client_for(salesperson).get(reverse(report.url_name), {"pick": pick})
    assert response.status_code == 200
    assert f'action="{reverse("forecasting:save")}"' in response.text
    assert f'name="kind" value="{report.kind}"' in response.text
    assert f'<option value="{pick}" selected>' in response.text  # the relative period in use


@pytest.mark.parametrize("report", REPORTS, ids=REPORT_IDS)
def test_every_report_saves_and_reopens_with_a_relative_period(client_for, salesperson, report):
    client = client_for(salesperson)
    pick = RELATIVE.get(report.kind, "this-quarter")
    client.post(
        reverse("forecasting:save"),
        {
            "name": f"My {report.kind}",
            "kind": report.kind,
            "query": f"pick=2020-Q1&owner={salesperson.pk}&export=csv",
            "period": pick,
        },
    )
    saved = SavedReport.objects.get(owner=salesperson)
    assert saved.kind == report.kind
    assert parse_qs(saved.query) == {"pick": [pick], "owner": [str(salesperson.pk)]}

    opened = client.get(reverse("forecasting:saved", args=[saved.pk]))
    assert urlsplit(opened.url).path == reverse(report.url_name)
    page = client.get(opened.url)
    assert page.status_code == 200
    assert page.context["form"].is_valid()
    assert page.context["kind"] == report.kind


@pytest.mark.parametrize("report", REPORTS, ids=REPORT_IDS)
def test_the_reports_page_lists_every_report_and_its_saved_ones(client_for, salesperson, report):
    SavedReport.objects.create(
        name=f"Saved {report.kind}", kind=report.kind, query="pick=2020-Q1", owner=salesperson
    )
    html = client_for(salesperson).get(reverse("forecasting:index")).text
    assert f'href="{reverse(report.url_name)}"' in html
    assert f"Saved {report.kind}" in html
    assert str(report.title()) in html
