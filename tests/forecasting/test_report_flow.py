"""The one flow of every report (`forecasting.reports.base.ReportView`), tested once for all."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasting.models import SavedReport
from forecasting.periods import current_quarter
from forecasting.reports.accuracy import last_closed_quarter
from forecasting.reports.saved import REPORTS

pytestmark = pytest.mark.django_db

REPORT_IDS = [report.kind for report in REPORTS]


@pytest.mark.parametrize("report", REPORTS, ids=REPORT_IDS)
def test_a_report_opened_bare_goes_to_its_default_period_keeping_its_options(
    client_for, salesperson, report
):
    """The current quarter (accuracy: the last closed one, as only a closed period has an
    outcome; the funnel: no period, every open deal), other parameters kept."""
    response = client_for(salesperson).get(reverse(report.url_name), {"by": "quarter"})
    if report.kind == SavedReport.Kind.FUNNEL:
        assert response.status_code == 200
        return
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    expected = (
        last_closed_quarter(timezone.localdate())
        if report.kind == SavedReport.Kind.ACCURACY
        else current_quarter()
    )
    assert query["start"] == [expected.start.isoformat()]
    assert query["end"] == [expected.end.isoformat()]
    assert query["by"] == ["quarter"]
