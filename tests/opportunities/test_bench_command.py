import io
import re

import pytest
from django.core.management import CommandError, call_command

from opportunities.models import Opportunity

pytestmark = pytest.mark.django_db


def test_bench_seeds_and_measures_every_page_and_export():
    out = io.StringIO()
    call_command("bench", deals=30, runs=2, stdout=out, stderr=io.StringIO())
    table = out.getvalue()
    assert Opportunity.objects.count() == 30
    for label in (
        "list: default (mine, open)",
        "list: every deal",
        "list: sort weighted",
        "detail: deal with",
        "board: default (mine)",
        "board: business area",
    ):
        assert label in table
    assert re.search(r"export: all deals, CSV\s+30\s", table)
    assert "export: all deals, XLSX" in table


def test_bench_refuses_zero_runs():
    with pytest.raises(CommandError):
        call_command("bench", deals=30, runs=0, stdout=io.StringIO(), stderr=io.StringIO())


def test_bench_measures_the_pages_without_the_kept_totals_when_asked():
    out = io.StringIO()
    call_command(
        "bench",
        deals=30,
        runs=1,
        only="list: every deal",
        no_exports=True,
        without_kept_totals=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "without kept totals" in out.getvalue()
