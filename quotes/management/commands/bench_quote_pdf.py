"""Time the PDF of a quote of N lines (issue 18: 50 lines in under a second).

Builds a throw-away account, deal and quote inside a transaction that is rolled back, renders
the PDF `--runs` times and prints each time and the median. Not a test: a machine's load
decides the figure."""

import statistics
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Account
from opportunities.models import Product
from opportunities.services import new_opportunity, save_opportunity
from quotes.models import QuoteLine
from quotes.pdf import render_quote_pdf
from quotes.services import create_quote, recalculate


class Command(BaseCommand):
    help = "Render a quote of --lines lines as PDF --runs times and print the times."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=50)
        parser.add_argument("--runs", type=int, default=5)

    def handle(self, *args, lines: int, runs: int, **options):
        if not 1 <= lines <= 1000 or not 1 <= runs <= 100:
            raise CommandError("--lines must be 1–1000 and --runs 1–100")
        with transaction.atomic():
            times, size = self._bench(lines, runs)
            transaction.set_rollback(True)
        for n, (wall, cpu) in enumerate(times, start=1):
            self.stdout.write(f"run {n}: {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms of CPU)")
        wall = statistics.median(wall for wall, _cpu in times)
        cpu = statistics.median(cpu for _wall, cpu in times)
        self.stdout.write(
            f"{lines} lines, {size:,} bytes: median {wall * 1000:.0f} ms "
            f"({cpu * 1000:.0f} ms of CPU; the difference is the wait for a core)"
        )

    def _bench(self, lines: int, runs: int) -> tuple[list[tuple[float, float]], int]:
        user = get_user_model().objects.create_user("bench-quote-pdf")
        account = Account.objects.create(name="Benchmark AB", owner=user)
        deal = save_opportunity(new_opportunity(user=user, account=account), user=user)
        quote = create_quote(deal, user=user)
        products = [
            Product(name=f"Bench product {n}", list_price=Decimal("100"), unit_cost=Decimal("60"))
            for n in range(lines)
        ]
        Product.objects.bulk_create(products)
        QuoteLine.objects.bulk_create(
            QuoteLine(
                quote=quote,
                position=n,
                product=product,
                description=f"{product.name}: installation and licence, year {n % 3 + 1}",
                quantity=Decimal(n % 7 + 1),
                unit_price=Decimal("1234.50") + n,
                discount_percent=Decimal(n % 4 * 5),
                unit_cost=Decimal("700"),
            )
            for n, product in enumerate(products)
        )
        quote = recalculate(quote, user=user)
        times, size = [], 0
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            size = len(render_quote_pdf(quote, language="sv"))
            times.append((time.perf_counter() - started, time.process_time() - cpu))
        return times, size
