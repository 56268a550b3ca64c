import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_bench_reports_runs_end_to_end(manager):
    out = io.StringIO()
    call_command("bench_reports", deals=20, runs=2, stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "pipeline, quarter" in text and "budget, year" in text
    assert "salespeople, longest" in text and "trend, longest" in text
    assert "pipeline as of today" in text and "pipeline as of -1 year" in text
    assert "movement, quarter" in text and "movement, last quarter" in text
