"""`bench_quotes` tops the quotes up and times the outstanding list and its exports."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from quotes.models import Quote

pytestmark = pytest.mark.django_db


def test_bench_quotes_seeds_and_measures_every_page_and_export():
    call_command("seed_demo", deals=60, activities=0, stdout=io.StringIO(), stderr=io.StringIO())
    wanted = Quote.objects.count() + 40
    out = io.StringIO()
    call_command("bench_quotes", quotes=wanted, runs=2, stdout=out, stderr=io.StringIO())
    table = out.getvalue()
    assert Quote.objects.count() == wanted
    assert f"Quotes benchmark: {wanted:,} quotes" in table
    for label in (
        "quotes: salesperson default",
        "quotes: manager default (team)",
        "quotes: team, area",
        "quotes: team, sort amount desc",
        "quotes: mine, page 100",
    ):
        assert label in table
    outstanding = Quote.objects.outstanding().count()
    assert re.search(rf"export: team outstanding, CSV\s+{outstanding}\s", table)
    assert "export: team outstanding, XLSX" in table


def test_bench_quotes_refuses_zero_runs():
    with pytest.raises(CommandError):
        call_command("bench_quotes", runs=0, stdout=io.StringIO(), stderr=io.StringIO())
