"""Demo quotes in every status on the demo deals (`seed_demo` runs this last).

Idempotent: with any quote in the database it adds nothing. Quotes are made through the
services (numbers, totals, history); none is e-mailed, and their PDFs are drawn when opened.

`--quotes N` instead tops the database up to N quotes for the benchmark (`bench_quotes`): the
quotes of deals with lines, written in bulk with their history, their lines copied from the
deal's, their totals, margin flags, numbers and valid-until dates from the services' own rule
functions (`quote_totals`, `flag_lines`, `reserve_numbers`, `format_quote_number`,
`default_valid_until`). 200,000 quotes take a few minutes.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from opportunities.models import LossReason, Opportunity, Product, ProductGroup
from pipeline_crm.concurrency import LOCKED
from pipeline_crm.history import Origin
from pipeline_crm.roles import SALES_MANAGER
from quotes import services, volume
from quotes.models import MinimumMargin, PriceList, PriceListItem, Quote, QuoteSettings

# (status, how many, days ago it was sent)
PLAN = (
    ("draft", 4, None),
    ("awaiting_approval", 2, None),
    ("approved", 1, None),
    ("sent", 8, (1, 25)),
    ("sent_soon_expiring", 2, (27, 29)),
    ("accepted", 3, (5, 40)),
    ("declined", 3, (5, 40)),
    ("expired", 2, (45, 70)),
)


class Command(BaseCommand):
    help = "Create demo quotes in every status on the demo deals (adds nothing if any exist)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--quotes",
            type=int,
            default=None,
            help="top the database up to this many quotes, in bulk (benchmark volume)",
        )

    def handle(self, *args, seed: int, quotes: int | None = None, **options):
        if quotes is not None:
            if quotes < 0:
                raise CommandError("--quotes must be 0 or more.")
            made = volume.seed_volume(quotes, seed=seed, log=self.stderr.write)
            self.stdout.write(f"Quotes: {Quote.objects.count():,} ({made:,} added).")
            return
        if Quote.objects.exists():
            self.stdout.write("Quotes exist already: none added.")
            return
        rng = random.Random(f"{seed}:quotes")
        wanted = sum(count for _status, count, _days in PLAN)
        deals = list(
            Opportunity.objects.open()
            .filter(has_lines=True)
            .select_related("owner", "account")
            .order_by("pk")[: wanted * 3]
        )
        if len(deals) < wanted:
            self.stdout.write("Too few open deals with lines: no quotes made.")
            return
        rng.shuffle(deals)
        manager = get_user_model().objects.filter(groups__name=SALES_MANAGER).first()
        with transaction.atomic():
            self.settings()
            made = 0
            for status, count, days in PLAN:
                for _ in range(count):
                    self.make(deals.pop(), status, days, rng, manager)
                    made += 1
        self.stdout.write(f"Demo quotes ready: {made} quotes.")

    def settings(self) -> None:
        QuoteSettings.objects.update_or_create(
            pk=1,
            defaults={
                "company_name": "Pipeline Demo AB",
                "company_details": "Storgatan 1\n111 22 Stockholm\nOrg. nr 556000-0000\n"
                "VAT SE556000000001",
            },
        )
        default, _created = PriceList.objects.get_or_create(
            name="Standard prices", defaults={"is_default": True}
        )
        for product in Product.objects.filter(is_active=True).order_by("pk")[:20]:
            PriceListItem.objects.get_or_create(
                price_list=default, product=product, defaults={"price": product.list_price}
            )
        for group in ProductGroup.objects.order_by("pk"):
            MinimumMargin.objects.get_or_create(group=group, defaults={"percent": Decimal("20")})

    def make(self, deal, status: str, days, rng: random.Random, manager) -> Quote:
        owner = deal.owner
        quote = services.create_quote(deal, user=owner, origin=Origin.SYSTEM)
        quote.introduction = "Thank you for your interest. Here is our offer."
        quote.save(update_fields=["introduction"])
        if status in ("awaiting_approval", "approved"):
            line = quote.lines.order_by("position").first()
            line.discount_percent = Decimal("60")
            services.update_line(line, user=owner)
            quote.refresh_from_db()
            if not services.needs_approval(quote):
                return quote  # a product without cost or minimum margin: it stays a draft
            quote = services.request_approval(quote, user=owner, comment="Strategic account")
            if status == "approved" and manager is not None:
                quote = services.approve_quote(quote, user=manager, comment="OK this time")
            return quote
        if status == "draft":
            return quote
        if quote.has_margin_warning:
            quote = services.request_approval(quote, user=owner)
            quote = services.approve_quote(quote, user=manager or owner)
        sent_on = timezone.localdate() - timedelta(days=rng.randint(*days))
        quote = services.mark_sent(quote, user=owner, today=sent_on)
        Quote.objects.filter(pk=quote.pk).update(
            sent_at=timezone.now() - (timezone.localdate() - sent_on)
        )
        if status == "accepted":
            # The seed reads the deal in its own transaction: no page version to compare.
            return services.accept_quote(quote, user=owner, seen_version=LOCKED, comment="Signed")
        if status == "declined":
            reason = LossReason.objects.filter(is_active=True).order_by("pk").first()
            close = reason is not None and rng.random() < 0.5
            return services.decline_quote(
                quote,
                user=owner,
                comment="Chose another offer",
                close_deal=close,
                loss_reason=reason,
            )
        if status == "expired":
            services.expire_quotes(today=quote.valid_until + timedelta(days=1))
        return quote
