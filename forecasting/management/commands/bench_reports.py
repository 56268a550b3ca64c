"""Time every report through the full Django stack at volume (`--deals N`).

Seeds with `seed_demo` when the database has fewer deals, then requests each report as a
sales manager: one warm-up (its query count is shown), then `--runs` timed requests, printed
as p50 / p95 against the issue's budget (pipeline and budget reports under 300 ms at 100,000
deals on PostgreSQL; issue 19: a report as of a past day under 1 s and the movement report
under 2 s at 100,000 deals and 1,000,000 history rows), beside the median SQL and CPU time of
a request (a loaded machine inflates the wall clock, less so those). The reports as of a day
are timed as of today, half a year and a year ago (the seed's history spans two years). The
header gives the machine's load average: figures from a busy machine are not a quiet one's.
The table goes to stdout, progress to stderr. The first row, the password page, is the
machine's floor: no deal on it.

On PostgreSQL, with `--deals` above 10,000 (or `--scales`), it prints the cost curve instead:
every report at 10,000, 100,000, … deals side by side, each in its own database
(`pipeline_crm.management.cost_curve`). `--here` keeps the single-scale table.
"""

import os
from datetime import timedelta
from functools import partial
from time import perf_counter, process_time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from opportunities.models import Opportunity
from pipeline_crm.gc_freeze import serving_as_a_worker
from pipeline_crm.management import cost_curve
from pipeline_crm.models import Role

from ...periods import current_quarter

BUDGET_MS = 300
# Issue 19: an as-of pipeline report under 1 s, the movement report under 2 s at 100,000 deals
# and 1,000,000 history rows.
AS_OF_BUDGET_MS = 1000
MOVEMENT_BUDGET_MS = 2000


def _percentile(samples: list[float], q: int) -> float:
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[rank - 1] * 1000


def _timed(waits: list, execute, sql, params, many, context):
    """An execute wrapper adding each statement's wait to `waits`."""
    start = perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        waits.append(perf_counter() - start)


class Command(BaseCommand):
    help = "Seed N deals (if needed) and print each report's p50/p95 response time."

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument(
            "--only", default="", help="measure only the reports whose label contains this text"
        )
        cost_curve.add_arguments(parser)

    def handle(self, *args, **options):
        scales = cost_curve.wanted(options)
        if scales is not None:
            where = cost_curve.plan(scales, options, Opportunity._meta.db_table)
            passed = ["--runs", str(options["runs"])]
            passed += ["--only", options["only"]] if options["only"] else []
            results = cost_curve.measure("bench_reports", where, options, passed, self.stderr.write)
            title = (
                f"Reports' cost curve: p95 of {options['runs']} runs each, PostgreSQL, "
                f"{os.cpu_count()} cores"
            )
            self.stdout.write(cost_curve.table(title, results, where))
            return
        if options["prepare"]:
            call_command("migrate", interactive=False, verbosity=0, stdout=self.stderr)
        if Opportunity.objects.count() < options["deals"]:
            self.stderr.write(f"Seeding {options['deals']} deals…")
            call_command(
                "seed_demo", deals=options["deals"], stdout=self.stderr, stderr=self.stderr
            )
        with serving_as_a_worker():  # as gunicorn's post_worker_init does (gunicorn.conf.py)
            self._bench(options)

    def _bench(self, options) -> None:
        manager = get_user_model().objects.filter(groups__crm_role__key=Role.SALES_MANAGER).first()
        if manager is None:
            manager = get_user_model().objects.filter(is_superuser=True).first()
        today = timezone.localdate()
        quarter = current_quarter().as_query()
        year = {"pick": str(current_quarter().start.year)}
        # The longest periods the forms allow (forecasting/forms.py), from this year on.
        first = current_quarter().start.replace(month=1)
        years = {
            n: {"start": first.isoformat(), "end": f"{first.year + n - 1}-12-31"} for n in (1, 2, 3)
        }
        as_of_days = (
            ("today", today),
            ("-6 months", today - timedelta(days=182)),
            ("-1 year", today - timedelta(days=365)),
        )
        year_ago = (today - timedelta(days=365)).isoformat()
        previous = current_quarter().start - timedelta(days=1)
        last_quarter = {"start": previous.replace(day=1, month=previous.month - 2).isoformat()}
        last_quarter["end"] = previous.isoformat()
        pages = [
            (cost_curve.BASELINE, "password_change", {}, None),
            ("pipeline, quarter", "forecasting:pipeline", quarter, BUDGET_MS),
            ("pipeline, year", "forecasting:pipeline", year, BUDGET_MS),
            ("budget, quarter", "forecasting:budget", quarter, BUDGET_MS),
            ("budget, year", "forecasting:budget", year, BUDGET_MS),
            ("funnel, all open", "forecasting:funnel", {}, None),
            ("salespeople, year", "forecasting:salespeople", year, None),
            ("win/loss, year", "forecasting:winloss", year, None),
            ("trend, year", "forecasting:trend", year, None),
            ("salespeople, longest", "forecasting:salespeople", years[1], None),
            (
                "salespeople, 8 quarters",
                "forecasting:salespeople",
                {**years[2], "by": "quarter"},
                None,
            ),
            ("trend, longest", "forecasting:trend", years[3], None),
            ("effort, quarter", "forecasting:effort", quarter, None),
            ("pipeline CSV export", "forecasting:pipeline", {**year, "export": "csv"}, None),
            # As of today every history row is older than the cut-off: the most rows to pick
            # from. As of half a year and a year ago, the history of a seeded past (seed_demo).
            *(
                (f"{what} as of {label}", name, {**params, "as_of": day.isoformat()}, budget)
                for label, day in as_of_days
                for what, name, params, budget in (
                    ("pipeline", "forecasting:pipeline", quarter, AS_OF_BUDGET_MS),
                    ("budget", "forecasting:budget", quarter, AS_OF_BUDGET_MS),
                )
            ),
            ("funnel as of a year ago", "forecasting:funnel", {"as_of": year_ago}, AS_OF_BUDGET_MS),
            (
                "salespeople as of -1y",
                "forecasting:salespeople",
                {**year, "as_of": year_ago},
                AS_OF_BUDGET_MS,
            ),
            ("trend as of a year ago", "forecasting:trend", {**year, "as_of": year_ago}, None),
            ("movement, quarter", "forecasting:movement", quarter, MOVEMENT_BUDGET_MS),
            ("movement, last quarter", "forecasting:movement", last_quarter, MOVEMENT_BUDGET_MS),
            ("movement, year", "forecasting:movement", year, MOVEMENT_BUDGET_MS),
            (
                "movement deals, won",
                "forecasting:movement_deals",
                {**quarter, "part": "won"},
                MOVEMENT_BUDGET_MS,
            ),
        ]
        deals = Opportunity.objects.count()
        history = Opportunity.history.count()
        load = " ".join(f"{n:.2f}" for n in os.getloadavg())
        self.stdout.write(
            f"Reports at {deals} deals, {history} history rows, {options['runs']} runs each "
            f"(load average {load}, {os.cpu_count()} cores)"
        )
        # SQL: the time spent waiting for the database; CPU: this process's (both medians, ms).
        self.stdout.write(
            f"{'report':<28} {'queries':>7} {'SQL ms':>7} {'CPU ms':>7} {'p50 ms':>8} "
            f"{'p95 ms':>8}  budget"
        )
        plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(
            SECURE_SSL_REDIRECT=False,
            ALLOWED_HOSTS=["testserver"],
            STORAGES={**settings.STORAGES, "staticfiles": plain_static},
        ):
            client = Client()
            client.force_login(manager)
            figures = []
            for label, name, params, budget in pages:
                if options["only"] not in label and label != cost_curve.BASELINE:
                    continue
                try:
                    url = reverse(name)
                except NoReverseMatch:
                    continue
                # A counting wrapper: request_started clears connection.queries mid-capture.
                queries = []
                with connection.execute_wrapper(
                    lambda run, sql, *a, log=queries: log.append(sql) or run(sql, *a)
                ):
                    self._get(client, url, params)
                samples, sql, cpu = [], [], []
                for _ in range(options["runs"]):
                    waits = []
                    start, start_cpu = perf_counter(), process_time()
                    with connection.execute_wrapper(partial(_timed, waits)):
                        self._get(client, url, params)
                    samples.append(perf_counter() - start)
                    cpu.append(process_time() - start_cpu)
                    sql.append(sum(waits))
                p50, p95 = _percentile(samples, 50), _percentile(samples, 95)
                sql_ms, cpu_ms = _percentile(sql, 50), _percentile(cpu, 50)
                verdict = "" if budget is None else ("ok" if p95 <= budget else f"OVER {budget}")
                self.stdout.write(
                    f"{label:<28} {len(queries):>7} {sql_ms:>7.0f} {cpu_ms:>7.0f} "
                    f"{p50:>8.1f} {p95:>8.1f}  {verdict}"
                )
                figures.append(
                    {
                        "label": label,
                        "budget_ms": budget or 0,
                        "p50": p50,
                        "p95": p95,
                        "cpu": cpu_ms,
                        "sql": sql_ms,
                        "queries": len(queries),
                    }
                )
        if options["json"]:
            cost_curve.write_json(options["json"], figures)

    def _get(self, client, url, params):
        response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if response.streaming:
            b"".join(response.streaming_content)
        return response
