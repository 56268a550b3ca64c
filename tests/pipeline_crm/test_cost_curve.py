"""The benches' cost curve (issue 20, `pipeline_crm.management.cost_curve`): its scales, its
table, and a run on tiny scales, each in its own database (PostgreSQL; ~15 s: two children
seed a few hundred deals each and time a page or two)."""

import io
import re

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from pipeline_crm.management import cost_curve
from pipeline_crm.management.cost_curve import Scale


def test_the_scales_are_the_powers_of_ten_from_10000_up_to_the_deals():
    assert cost_curve.default_scales(1_000_000) == [10_000, 100_000, 1_000_000]
    assert cost_curve.default_scales(100_000) == [10_000, 100_000]
    assert cost_curve.default_scales(250_000) == [10_000, 100_000, 250_000]
    assert cost_curve.default_scales(300) == [300]
    assert cost_curve.parse_scales("5000, 1000") == [1000, 5000]
    assert [cost_curve.label(n) for n in (300, 10_000, 1_000_000, 1500)] == [
        "300",
        "10k",
        "1M",
        "1500",
    ]


def _pages(baseline: float, page: float) -> dict:
    return {
        "pages": [
            {"label": cost_curve.BASELINE, "budget_ms": 0, "p95": baseline},
            {"label": "list: every deal", "budget_ms": 60, "p95": page},
        ],
        "load": "1.00 1.00 1.00",
    }


def test_each_cell_is_the_p95_and_its_multiple_of_the_baseline_at_that_scale():
    scales = [Scale(10_000, "crm_10k", True), Scale(1_000_000, "crm_1m", False)]
    text = cost_curve.table("title", {10_000: _pages(10, 30), 1_000_000: _pages(20, 90)}, scales)
    header = next(line for line in text.splitlines() if line.startswith("page"))
    assert header.split() == ["page", "10k", "1M", "budget", "verdict"]
    row = next(line for line in text.splitlines() if line.startswith("list: every deal"))
    assert "30.0 (x3.0)" in row and "90.0 (x4.5)" in row
    assert row.endswith("OVER at 1M")
    assert "10k in crm_10k; 1M in crm_1m" in text


def _drop(names):
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    with psycopg.connect(**params) as maintenance:
        for name in names:
            maintenance.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_curve_measures_each_scale_in_its_own_seeded_database():
    if connection.vendor != "postgresql":
        pytest.skip("the curve's databases are PostgreSQL's")
    test_database = connection.settings_dict["NAME"]
    names = [f"{test_database}_150", f"{test_database}_300"]
    _drop(names)
    try:
        out = io.StringIO()
        # Each scale's database is created empty and migrated: the test database cannot be
        # their template while another thread (a browser test's live server) holds a session.
        options = {"scales": "150,300", "runs": 1}
        call_command("bench", only="list: every deal", stdout=out, stderr=io.StringIO(), **options)
        text = out.getvalue()
        header = next(line for line in text.splitlines() if line.startswith("page"))
        assert header.split() == ["page", "150", "300", "budget", "verdict"]
        rows = [line for line in text.splitlines() if line.startswith(("baseline", "list"))]
        assert [row.split("  ")[0] for row in rows] == [cost_curve.BASELINE, "list: every deal"]
        assert len(re.findall(r"\d+\.\d \(x\d+\.\d\)", rows[1])) == 2
        for name, deals in zip(names, (150, 300), strict=True):
            assert cost_curve._count(name, "opportunities_opportunity") == deals
        # The reports' curve reuses the databases.
        out = io.StringIO()
        call_command(
            "bench_reports", only="pipeline, quarter", stdout=out, stderr=io.StringIO(), **options
        )
        assert re.search(r"pipeline, quarter\s+\S+ \(x[\d.]+\)\s+\S+ \(x[\d.]+\)", out.getvalue())
    finally:
        _drop(names)


def test_use_takes_deals_in_ascii_digits_and_a_database():
    assert cost_curve.parse_uses(["100000=crm_bench"]) == {100_000: "crm_bench"}
    for value in ("²=crm_bench", "=crm_bench", "100000=", "ten=crm_bench"):
        with pytest.raises(CommandError):
            cost_curve.parse_uses([value])
