"""The benches' cost curve (issue 20): the same pages measured at 10,000, 100,000 and
1,000,000 deals, side by side, each figure also as a multiple of the baseline page.

Each scale is measured in its own PostgreSQL database, by a child process running the bench
itself (`--here --prepare --json FILE`) with `DATABASE_URL` naming that database: Django's
connection settings are per process, so no connection is switched under a running one. The
databases:

- the configured database, for the scale it holds exactly (`crm_bench` at 100,000 deals): it
  is only read, neither migrated nor seeded;
- a database given with `--use DEALS=NAME`: only read, and refused when short of deals;
- otherwise `<configured name>_<scale>` (`_10k`, `_100k`, `_1m`): created when missing (empty,
  or as a copy of `--template`, a migrated database without deals), then migrated (unless just
  copied) and seeded up to its scale by the child, and reused by the next run.

Command output is fixed English, as all command output.
"""

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

FIRST_SCALE = 10_000
BASELINE = "baseline: password page"


def label(deals: int) -> str:
    """10000 → "10k", 1000000 → "1M", 300 → "300"."""
    if deals >= 1_000_000 and deals % 1_000_000 == 0:
        return f"{deals // 1_000_000}M"
    if deals >= 1000 and deals % 1000 == 0:
        return f"{deals // 1000}k"
    return str(deals)


def default_scales(deals: int) -> list[int]:
    """The powers of ten from 10,000 up to `deals`, and `deals` itself when it is not one."""
    scales, scale = [], FIRST_SCALE
    while scale <= deals:
        scales.append(scale)
        scale *= 10
    if deals not in scales:
        scales.append(deals)
    return scales


def parse_scales(value: str) -> list[int]:
    try:
        scales = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError as error:
        raise CommandError(
            f"--scales takes numbers of deals, e.g. 1000,5000; not {value!r}"
        ) from error
    if not scales or scales[0] < 1:
        raise CommandError("--scales takes numbers of deals of at least 1.")
    return scales


def parse_uses(values: list[str]) -> dict[int, str]:
    uses = {}
    for value in values:
        deals, _, name = value.partition("=")
        if not (deals.isascii() and deals.isdigit()) or not name:
            raise CommandError(f"--use takes DEALS=DATABASE, e.g. 100000=crm_bench; not {value!r}")
        uses[int(deals)] = name
    return uses


def add_arguments(parser) -> None:
    """The curve's options, shared by `bench` and `bench_reports`."""
    parser.add_argument(
        "--here",
        action="store_true",
        help="measure only the configured database (one scale: the single-scale table)",
    )
    parser.add_argument(
        "--scales",
        default="",
        help="the curve's scales in deals, e.g. 1000,5000 (default: 10,000, 100,000, … up to "
        "--deals)",
    )
    parser.add_argument(
        "--use",
        action="append",
        default=[],
        metavar="DEALS=DATABASE",
        help="measure this scale in an existing database, read only (e.g. 100000=crm_bench)",
    )
    parser.add_argument(
        "--template",
        default="",
        help="create a missing scale database as a copy of this one (migrated, no deals)",
    )
    parser.add_argument("--prepare", action="store_true", help="(the curve's child) migrate first")
    parser.add_argument("--json", default="", help="(the curve's child) write the figures here")


@dataclass
class Scale:
    deals: int
    database: str
    derived: bool  # ours to create, migrate and seed


def wanted(options: dict) -> list[int] | None:
    """The scales of the curve, or None for the single-scale table (`--here`, SQLite, or a
    single scale)."""
    if options["here"] or connection.vendor != "postgresql":
        return None
    scales = parse_scales(options["scales"]) if options["scales"] else None
    scales = scales or default_scales(options["deals"])
    return scales if len(scales) > 1 or options["scales"] else None


def plan(scales: list[int], options: dict, deals_table: str) -> list[Scale]:
    """Where each scale is measured (module docstring)."""
    uses = parse_uses(options["use"])
    configured = connection.settings_dict["NAME"]
    here = _count(configured, deals_table)
    result = []
    for deals in scales:
        if deals in uses:
            name = uses[deals]
            held = _count(name, deals_table)
            if held is None or held < deals:
                raise CommandError(f"{name} holds {held or 0:,} deals, fewer than {deals:,}.")
            result.append(Scale(deals, name, derived=False))
        elif here == deals:
            result.append(Scale(deals, configured, derived=False))
        else:
            result.append(Scale(deals, f"{configured}_{label(deals).lower()}", derived=True))
    return result


def measure(command: str, scales: list[Scale], options: dict, passed: list[str], log) -> dict:
    """Each scale's figures (`{deals: [page, …]}`) from a child bench in its database."""
    template = options["template"]
    if template and template == connection.settings_dict["NAME"]:
        connection.close()  # CREATE DATABASE … TEMPLATE wants no session on the template
    results = {}
    for scale in scales:
        # A copy of the template is as migrated as the template; any other may be behind.
        created = scale.derived and _create(scale.database, template)
        copied = created and bool(template)
        if created:
            log(f"Created {scale.database}" + (f" from {template}." if template else "."))
        log(f"Measuring {label(scale.deals)} deals in {scale.database} …")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "figures.json"
            arguments = ["--here", "--deals", str(scale.deals), "--json", str(out), *passed]
            if scale.derived and not copied:
                arguments.append("--prepare")
            environment = {**os.environ, "DATABASE_URL": _url(scale.database)}
            manage = Path(settings.BASE_DIR) / "manage.py"
            done = subprocess.run(  # noqa: S603 - our own manage.py, arguments from options
                [sys.executable, str(manage), command, *arguments],
                env=environment,
                stdout=subprocess.DEVNULL,
                check=False,
            )
            if done.returncode != 0:
                raise CommandError(f"The bench at {scale.deals:,} deals failed.")
            results[scale.deals] = json.loads(out.read_text())
    return results


def table(title: str, results: dict, scales: list[Scale]) -> str:
    """page | one column per scale | budget | verdict; each cell `p95 ms (xN)` with N the p95
    over the baseline page's p95 at that scale."""
    columns = [label(scale.deals) for scale in scales]
    pages: dict[str, dict] = {}
    for scale in scales:
        for page in results[scale.deals]["pages"]:
            pages.setdefault(page["label"], {"budget": page["budget_ms"]})[scale.deals] = page
    width = 16
    header = f"{'page':<34} " + " ".join(f"{c:>{width}}" for c in columns)
    header += f" {'budget':>9}  verdict"
    lines = [title, "", header, "-" * len(header)]
    for name, row in pages.items():
        cells, over = [], []
        for scale in scales:
            page = row.get(scale.deals)
            if page is None:
                cells.append(f"{'-':>{width}}")
                continue
            base = _baseline(results[scale.deals])
            times = f" (x{page['p95'] / base:.1f})" if base else ""
            cells.append(f"{page['p95']:.1f}{times}".rjust(width))
            if row["budget"] and page["p95"] > row["budget"]:
                over.append(label(scale.deals))
        budget = f"≤ {row['budget']} ms" if row["budget"] else "-"
        verdict = ("OVER at " + ", ".join(over) if over else "ok") if row["budget"] else "-"
        lines.append(f"{name[:34]:<34} " + " ".join(cells) + f" {budget:>9}  {verdict}")
    lines += [
        "",
        "each cell: p95 ms (x the baseline page's p95 at that scale: the machine's floor);",
        "where: " + "; ".join(f"{label(s.deals)} in {s.database}" for s in scales) + ".",
    ]
    loads = [f"{label(s.deals)}: {results[s.deals].get('load', '?')}" for s in scales]
    lines.append("load average (1, 5, 15 min) when each scale was measured: " + "; ".join(loads))
    return "\n".join(lines)


def write_json(path: str, pages: list[dict]) -> None:
    """The child's figures for the parent: each page's label, budget, p50, p95 (ms)."""
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    Path(path).write_text(json.dumps({"pages": pages, "load": load}))


def _baseline(result: dict) -> float | None:
    for page in result["pages"]:
        if page["label"] == BASELINE and page["p95"] > 0:
            return page["p95"]
    return None


def _url(database: str) -> str:
    """The configured DATABASE_URL naming `database` instead."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        raise CommandError("The cost curve needs DATABASE_URL naming a PostgreSQL database.")
    parts = urlsplit(configured)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _connect(database: str):
    params = {**connection.get_connection_params(), "dbname": database, "autocommit": True}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


def _create(database: str, template: str) -> bool:
    """Create `database` when missing (from `template` when given); True when created."""
    with _connect("postgres") as maintenance:
        found = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if found.fetchone():
            return False
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        maintenance.execute(statement)
    return True


def _count(database: str, deals_table: str) -> int | None:
    """The deals `database` holds; None when it or its table is missing."""
    try:
        with _connect(database) as other:
            found = other.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(deals_table))
            )
            return found.fetchone()[0]
    except psycopg.Error:
        return None
