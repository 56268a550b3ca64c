"""Benchmark the outstanding quotes (`/quotes/`) at volume, against the deal list's budgets.

Tops the database up to `--quotes` quotes (`seed_quotes --quotes`) when it has fewer, then
times the list as `bench` times the deal list (django.test.Client, one warm-up request whose
SQL is captured, then `--runs` timed requests; p50 / p95 / max against the 60 ms list budget):
a salesperson's default (their own outstanding quotes), a manager's (the team's), filters,
sorts, a deep page, and the CSV and Excel exports of the team's outstanding quotes.

The table goes to stdout, progress to stderr; `-v 2` prints each page's slowest queries.
"""

import warnings
from time import perf_counter
from unittest import mock
from urllib.parse import urlencode

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from accounts.models import BusinessArea
from opportunities.management.commands import bench
from opportunities.models import Opportunity
from quotes.models import Quote

EXPORT_SECONDS, EXPORT_MB = bench.EXPORT_SECONDS, bench.EXPORT_MB


class Command(bench.Command):
    help = "Time the outstanding quotes list and its exports (p50/p95) at a number of quotes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quotes", type=int, default=200_000, help="quotes wanted (seeded when fewer exist)"
        )
        parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
        parser.add_argument(
            "--only", default="", help="measure only the pages whose label contains this text"
        )
        parser.add_argument("--no-exports", action="store_true", help="skip the exports")

    def handle(self, *args, **options):
        if options["runs"] < 1 or options["quotes"] < 0:
            raise CommandError("--runs must be at least 1 and --quotes at least 0.")
        seed_seconds = None
        if Quote.objects.count() < options["quotes"]:
            self.stderr.write(f"Seeding to {options['quotes']:,} quotes …")
            started = perf_counter()
            call_command(
                "seed_quotes", quotes=options["quotes"], stdout=self.stderr, stderr=self.stderr
            )
            seed_seconds = perf_counter() - started
        with override_settings(**self._settings()), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No directory at")
            pages, exports = self._measure(options)
        self.stdout.write(self._quote_table(pages, exports, options["runs"], seed_seconds))

    def _measure(self, options: dict):
        runs = options["runs"]
        manager, salesperson = self._users()
        as_manager, as_salesperson = Client(HTTP_HOST=bench.HOST), Client(HTTP_HOST=bench.HOST)
        as_manager.force_login(manager)
        as_salesperson.force_login(salesperson)
        area = BusinessArea.objects.active().first()
        list_url = reverse("quotes:list")

        def url(**params):
            return f"{list_url}?{urlencode(params)}" if params else list_url

        marker = b"/pdf/"  # one PDF link a row
        steps = [
            ("quotes: salesperson default", as_salesperson, salesperson, {}),
            ("quotes: manager default (team)", as_manager, manager, {}),
            ("quotes: team, owner", as_manager, manager, {"owner": salesperson.pk}),
            ("quotes: team, area", as_manager, manager, {"business_area": area.pk if area else ""}),
            ("quotes: mine, search", as_salesperson, salesperson, {"q": "bygg"}),
            ("quotes: team, valid until ≤", as_manager, manager, {"valid_until_before": ""}),
            ("quotes: mine, status accepted", as_salesperson, salesperson, {"status": "accepted"}),
            ("quotes: team, sort amount desc", as_manager, manager, {"sort": "-amount"}),
            ("quotes: mine, sort age", as_salesperson, salesperson, {"sort": "age"}),
            ("quotes: team, sort account", as_manager, manager, {"sort": "account"}),
            ("quotes: mine, page 100", as_salesperson, salesperson, {"page": 100}),
            ("quotes: team, any status, p 500", as_manager, manager, {"status": "", "page": 500}),
        ]
        soon = (
            Quote.objects.outstanding()
            .order_by("valid_until")
            .values_list("valid_until", flat=True)
        )
        steps[5][3]["valid_until_before"] = str(soon[len(soon) // 10] if soon else "")
        plan = [("baseline: password page", as_salesperson, salesperson, None)] + steps
        pages = []
        for label, client, user, params in plan:
            if options["only"] not in label:
                continue
            self.stderr.write(f"  {label} …")
            if params is None:
                result = self._page(client, reverse("password_change"), runs, None)
                result.budget_ms = 0
            else:
                result = self._page(client, url(**params), runs, marker)
                result.budget_ms = bench.LIST_P95_MS
            result.label, result.user = label, user.username
            pages.append(result)
            if options["verbosity"] >= 2:
                self.stderr.write(f"{label}: {url(**params) if params is not None else ''}")
                for ms, sql in result.slowest:
                    self.stderr.write(f"  {ms:8.1f} ms  {sql}")
        exports = []
        # An export of more than JOB_ROWS rows answers with a redirect to a background job,
        # which replays the same request; the bench times that request inline instead.
        with mock.patch("pipeline_crm.exports.JOB_ROWS", 10**9):
            for fmt in () if options["no_exports"] else ("csv", "xlsx"):
                self.stderr.write(f"  export {fmt} …")
                export = self._export(as_manager, url(export=fmt), fmt)
                export.label = f"export: team outstanding, {fmt.upper()}"
                exports.append(export)
        return pages, exports

    def _quote_table(self, pages, exports, runs: int, seed_seconds: float | None) -> str:
        table = self._table(pages, exports, runs, seed_seconds)
        outstanding = Quote.objects.outstanding().count()
        heading = (
            f"Quotes benchmark: {Quote.objects.count():,} quotes ({outstanding:,} outstanding) "
            f"on {Opportunity.objects.count():,} deals, {runs} runs per page, "
            f"{connection.vendor}, Django test client"
        )
        return "\n".join([heading, *table.splitlines()[1:]])
