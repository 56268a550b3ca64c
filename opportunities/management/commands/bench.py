"""Benchmark the deal list, detail page, board and exports through the full Django stack.

Seeds volume with `seed_demo` when the database has fewer deals than asked, then requests each
page with django.test.Client as a force-logged-in salesperson or sales manager: one warm-up
request (its SQL is captured: query count and slowest queries), then `--runs` timed requests,
reported as p50 / p95 / max (with the process's CPU time and the database driver's time) against
the budgets of the scale issue. Exports are timed once and
measured once under tracemalloc (the Python heap's peak) while the response is consumed; the
growth of the process's peak RSS is reported beside it.

The table goes to stdout; progress goes to stderr. With `-v 2` the slowest queries of every page
are printed to stderr, ready for EXPLAIN ANALYZE.

On PostgreSQL, with `--deals` above 10,000 (or `--scales`), it prints the cost curve
instead: every page at 10,000, 100,000, … deals side by side, each in its own database
(`pipeline_crm.management.cost_curve`; the exports are left out of it). `--here` keeps the
single-scale table of the configured database.
"""

import gc
import os
import resource
import sys
import tracemalloc
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from time import perf_counter, process_time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import BusinessArea
from opportunities import kept_totals
from opportunities.filters import ALL_DEALS_PARAMS
from opportunities.models import Opportunity, Product
from pipeline_crm.gc_freeze import serving_as_a_worker
from pipeline_crm.management import cost_curve
from pipeline_crm.models import Role

LIST_P95_MS, DETAIL_P95_MS, BOARD_P95_MS = 60, 40, 150
DASHBOARD_P95_MS = 100
EXPORT_SECONDS, EXPORT_MB = 30, 150
HOST = "testserver"


@dataclass
class PageResult:
    label: str
    user: str
    budget_ms: float
    samples: list[float]
    cpu: list[float]
    sql: list[float]
    queries: int
    items: int
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def percentile(self, q: int, *, of: str = "samples") -> float:
        """Nearest-rank percentile of the wall times (or `cpu`, `sql`), in milliseconds."""
        ordered = sorted(getattr(self, of))
        rank = max(1, -(-len(ordered) * q // 100))  # ceil(len × q / 100) in integers
        return ordered[rank - 1] * 1000


@dataclass
class ExportResult:
    label: str
    seconds: float
    heap_peak_mb: float
    rss_growth_mb: float
    size_mb: float
    rows: int | None


def _max_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class _SqlTimer:
    """An execute wrapper adding up the time spent in the database driver's execute()."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += perf_counter() - started


def _figures(page: PageResult) -> dict:
    return {
        "label": page.label,
        "budget_ms": page.budget_ms,
        "p50": page.percentile(50),
        "p95": page.percentile(95),
        "cpu": page.percentile(50, of="cpu"),
        "sql": page.percentile(50, of="sql"),
        "queries": page.queries,
    }


def _consume(response) -> int:
    """Read the whole response body as a browser would; returns its size in bytes.

    The test client closes the response itself (a streaming one once it is read to the end),
    keeping `close_old_connections` out of it; closing it again here would drop the database
    connection inside a test's transaction.
    """
    if not response.streaming:
        return len(response.content)
    return sum(len(chunk) for chunk in response.streaming_content)


class Command(BaseCommand):
    help = "Time the deal list, detail, board and exports (p50/p95) at a given number of deals."

    def add_arguments(self, parser):
        parser.add_argument(
            "--deals", type=int, default=100_000, help="deals wanted (seeded when fewer exist)"
        )
        parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
        parser.add_argument(
            "--search", default="bygg", help="the text of the search filter (q) measured"
        )
        parser.add_argument(
            "--only",
            default="",
            help="measure only the pages whose label contains this text (e.g. 'list', 'board')",
        )
        parser.add_argument("--no-exports", action="store_true", help="skip the exports")
        parser.add_argument(
            "--without-kept-totals",
            action="store_true",
            help="sum the deals instead of reading what is kept of them (KEPT_DEAL_TOTALS, "
            "KEPT_SHARED_DEALS and KEPT_SUMS = False)",
        )
        cost_curve.add_arguments(parser)

    def handle(self, *args, **options):
        if options["runs"] < 1 or options["deals"] < 1:
            raise CommandError("--deals and --runs must be at least 1.")
        scales = cost_curve.wanted(options)
        if scales is not None:
            self._curve(scales, options)
            return
        if options["prepare"]:
            call_command("migrate", interactive=False, verbosity=0, stdout=self.stderr)
        seed_seconds = None
        if Opportunity.objects.count() < options["deals"]:
            self.stderr.write(f"Seeding to {options['deals']} deals …")
            started = perf_counter()
            call_command(
                "seed_demo", deals=options["deals"], stdout=self.stderr, stderr=self.stderr
            )
            seed_seconds = perf_counter() - started
        overrides = self._settings()
        if options["without_kept_totals"]:
            overrides["KEPT_DEAL_TOTALS"] = overrides["KEPT_SHARED_DEALS"] = False
            overrides["KEPT_SUMS"] = False
        # As gunicorn's post_worker_init does (gunicorn.conf.py).
        with serving_as_a_worker(), override_settings(**overrides), warnings.catch_warnings():
            # WhiteNoise warns once that STATIC_ROOT is missing; irrelevant to these pages.
            warnings.filterwarnings("ignore", message="No directory at")
            pages, exports = self._measure(options)
            if options["json"]:
                cost_curve.write_json(options["json"], [_figures(page) for page in pages])
            self.stdout.write(self._table(pages, exports, options["runs"], seed_seconds))

    def _curve(self, scales: list[int], options: dict) -> None:
        where = cost_curve.plan(scales, options, Opportunity._meta.db_table)
        passed = ["--runs", str(options["runs"]), "--search", options["search"], "--no-exports"]
        passed += ["--only", options["only"]] if options["only"] else []
        passed += ["--without-kept-totals"] if options["without_kept_totals"] else []
        results = cost_curve.measure("bench", where, options, passed, self.stderr.write)
        title = (
            f"Pipeline CRM cost curve: p95 of {options['runs']} runs per page, PostgreSQL, "
            f"Django test client, {os.cpu_count()} cores"
        )
        self.stdout.write(cost_curve.table(title, results, where))

    def _settings(self) -> dict:
        """Plain HTTP to a test host, no debug query log, static URLs without a manifest."""
        overrides = {
            "DEBUG": False,
            "SECURE_SSL_REDIRECT": False,
            "SESSION_COOKIE_SECURE": False,
            "CSRF_COOKIE_SECURE": False,
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, HOST],
        }
        if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            overrides["STORAGES"] = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
        return overrides

    # --- the scenarios -------------------------------------------------------------------------

    def _users(self):
        User = get_user_model()
        manager = (
            User.objects.filter(is_active=True, groups__crm_role__key=Role.SALES_MANAGER)
            .order_by("pk")
            .first()
        )
        salesperson = (
            User.objects.filter(is_active=True, groups__crm_role__key=Role.SALESPERSON)
            .annotate(deals=Count("owned_opportunities"))
            .order_by("-deals", "pk")
            .first()
        )
        if manager is None or salesperson is None:
            raise CommandError("The benchmark needs a sales manager and a salesperson.")
        return manager, salesperson

    def _measure(self, options: dict):
        runs, search, verbosity = options["runs"], options["search"], options["verbosity"]
        manager, salesperson = self._users()
        as_manager, as_salesperson = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
        as_manager.force_login(manager)
        as_salesperson.force_login(salesperson)
        today = timezone.localdate()
        area = BusinessArea.objects.active().first()
        product = Product.objects.active().order_by("pk").first()
        deal = (
            Opportunity.objects.filter(has_lines=True).order_by("pk").first()
            or Opportunity.objects.order_by("pk").first()
        )
        list_url = reverse("opportunities:list")
        board_url = reverse("opportunities:board")

        def url(base, **params):
            return f"{base}?{urlencode(params)}" if params else base

        area_id = area.pk if area else ""
        lists = [
            ("list: default (mine, open)", {}),
            ("list: every deal", ALL_DEALS_PARAMS),
            (
                "list: area + open + close range",
                {
                    "business_area": area_id,
                    "status": "open",
                    "close_from": today.isoformat(),
                    "close_to": (today + timedelta(days=90)).isoformat(),
                },
            ),
            (f"list: search q={search}", {"q": search}),
            ("list: product", {"product": product.pk if product else ""}),
            ("list: mine", {"mine": "true"}),
            ("list: stale", {"stale": "true"}),
            ("list: sort amount desc", {"sort": "-amount"}),
            ("list: sort account", {"sort": "account"}),
            ("list: sort stage", {"sort": "stage"}),
            ("list: sort owner", {"sort": "owner"}),
            ("list: sort weighted", {"sort": "weighted_amount"}),
            ("list: page 100", {"page": 100}),
        ]
        plan = [
            (
                label,
                as_salesperson,
                salesperson,
                url(list_url, **params),
                LIST_P95_MS,
                b'name="selected"',
            )
            for label, params in lists
        ]
        if deal is not None:
            plan.append(
                (
                    f"detail: deal with {deal.lines.count()} lines",
                    as_salesperson,
                    salesperson,
                    deal.get_absolute_url(),
                    DETAIL_P95_MS,
                    None,
                )
            )
        own_deal = (
            Opportunity.objects.filter(owner=salesperson, status=Opportunity.Status.OPEN)
            .order_by("pk")
            .first()
        )
        if own_deal is not None:
            # The form's selects: stage, account, contacts, lookups, co-responsible users.
            plan.append(
                (
                    "edit: own deal's form",
                    as_salesperson,
                    salesperson,
                    reverse("opportunities:edit", args=[own_deal.pk]),
                    DETAIL_P95_MS,
                    b"<option",
                )
            )
        plan += [
            ("board: default (mine)", as_manager, manager, board_url, BOARD_P95_MS, b"data-card="),
            (
                "board: everyone's",
                as_manager,
                manager,
                url(board_url, mine=""),
                BOARD_P95_MS,
                b"data-card=",
            ),
            (
                "board: owner",
                as_manager,
                manager,
                url(board_url, owner=salesperson.pk),
                BOARD_P95_MS,
                b"data-card=",
            ),
            (
                "board: business area",
                as_manager,
                manager,
                url(board_url, business_area=area_id),
                BOARD_P95_MS,
                b"data-card=",
            ),
            # The first page of the day: a salesperson's own, a manager's team figures.
            ("dashboard: salesperson", as_salesperson, salesperson, "/", DASHBOARD_P95_MS, None),
            ("dashboard: manager", as_manager, manager, "/", DASHBOARD_P95_MS, b"team-pipeline"),
        ]
        pages = []
        # A page with no deal on it: this machine's floor (session, middleware, base template),
        # to read the other figures against when the machine is slower or faster than usual.
        plan.insert(
            0,
            (
                cost_curve.BASELINE,
                as_salesperson,
                salesperson,
                reverse("password_change"),
                0,
                None,
            ),
        )
        # The baseline stays: the curve reads every page against it.
        plan = [step for step in plan if options["only"] in step[0] or step[4] == 0]
        for label, client, user, address, budget, marker in plan:
            self.stderr.write(f"  {label} …")
            result = self._page(client, address, runs, marker)
            result.label, result.user, result.budget_ms = label, user.username, budget
            pages.append(result)
            if verbosity >= 2:
                self.stderr.write(f"{label}: {address}")
                for ms, sql in result.slowest:
                    self.stderr.write(f"  {ms:8.1f} ms  {sql}")
        exports = []
        for fmt in () if options["no_exports"] else ("csv", "xlsx"):
            self.stderr.write(f"  export {fmt} …")
            address = url(list_url, export=fmt, **ALL_DEALS_PARAMS)
            exports.append(self._export(as_manager, address, fmt))
        return pages, exports

    def _page(self, client: Client, address: str, runs: int, marker: bytes | None) -> PageResult:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(address)
        if response.status_code != 200:
            raise CommandError(f"{address} answered {response.status_code}.")
        items = response.content.count(marker) if marker else 0
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        samples, cpu, sql = [], [], []
        for _ in range(runs):
            timer = _SqlTimer()
            with connection.execute_wrapper(timer):
                started, started_cpu = perf_counter(), process_time()
                _consume(client.get(address))
                samples.append(perf_counter() - started)
                cpu.append(process_time() - started_cpu)
            sql.append(timer.seconds)
        return PageResult(
            label="",
            user="",
            budget_ms=0,
            samples=samples,
            cpu=cpu,
            sql=sql,
            queries=len(timed),
            items=items,
            slowest=sorted(timed, reverse=True)[:3],
        )

    def _export(self, client: Client, address: str, fmt: str) -> ExportResult:
        gc.collect()
        rss_before = _max_rss_mb()
        started = perf_counter()
        response = client.get(address)
        if response.status_code != 200:
            raise CommandError(f"{address} answered {response.status_code}.")
        rows = None
        if fmt == "csv":
            size = 0
            rows = -1  # the header
            for chunk in response.streaming_content:
                size += len(chunk)
                rows += chunk.count(b"\n")
        else:
            size = _consume(response)
        seconds = perf_counter() - started
        rss_growth = _max_rss_mb() - rss_before
        # A second pass under tracemalloc: it slows Python down, so it is not the timed one.
        gc.collect()
        tracemalloc.start()
        try:
            _consume(client.get(address))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return ExportResult(
            label=f"export: all deals, {fmt.upper()}",
            seconds=seconds,
            heap_peak_mb=peak / 2**20,
            rss_growth_mb=rss_growth,
            size_mb=size / 2**20,
            rows=rows,
        )

    # --- the report ----------------------------------------------------------------------------

    def _table(self, pages, exports, runs: int, seed_seconds: float | None) -> str:
        deals = Opportunity.objects.count()
        kept = "kept totals" if kept_totals.enabled() else "without kept totals"
        lines = [
            f"Pipeline CRM benchmark: {deals:,} deals, {runs} runs per page, "
            f"{connection.vendor}, Django test client, {kept}"
        ]
        if seed_seconds is not None:
            lines.append(f"Seeded in {seed_seconds:.1f} s.")
        lines.append("")
        header = (
            f"{'page':<34} {'user':<8} {'items':>5} {'queries':>7} {'sql p50':>7} "
            f"{'cpu p50':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'budget':>9}  verdict"
        )
        lines += [header, "-" * len(header)]
        for page in pages:
            p95 = page.percentile(95)
            budget = f"≤ {page.budget_ms} ms" if page.budget_ms else "-"
            verdict = ("ok" if p95 <= page.budget_ms else "OVER") if page.budget_ms else "-"
            lines.append(
                f"{page.label[:34]:<34} {page.user[:8]:<8} {page.items:>5} {page.queries:>7} "
                f"{page.percentile(50, of='sql'):>7.1f} {page.percentile(50, of='cpu'):>7.1f} "
                f"{page.percentile(50):>7.1f} {p95:>7.1f} "
                f"{max(page.samples) * 1000:>7.1f} {budget:>9}  {verdict}"
            )
        lines.append("")
        header = (
            f"{'export':<34} {'rows':>8} {'size MB':>8} {'wall s':>7} {'heap MB':>8} "
            f"{'RSS+ MB':>8} {'budget':>15}  verdict"
        )
        lines += [header, "-" * len(header)]
        for export in exports:
            within = (
                export.seconds <= EXPORT_SECONDS
                and max(export.heap_peak_mb, export.rss_growth_mb) <= EXPORT_MB
            )
            rows = f"{export.rows:,}" if export.rows is not None else "-"
            lines.append(
                f"{export.label:<34} {rows:>8} {export.size_mb:>8.1f} {export.seconds:>7.1f} "
                f"{export.heap_peak_mb:>8.1f} {export.rss_growth_mb:>8.1f} "
                f"{f'≤ {EXPORT_SECONDS} s, {EXPORT_MB} MB':>15}  {'ok' if within else 'OVER'}"
            )
        lines.append("")
        lines += [
            "baseline: a page without deals, this machine's floor for every page;",
            "items: table rows or board cards shown;",
            "sql p50: time in the database driver's execute() per request;",
            "cpu p50: this process's CPU time per request (Python; on SQLite the database too);",
            "heap MB: tracemalloc peak; RSS+ MB: growth of the process's peak RSS.",
        ]
        return "\n".join(lines)
