"""Quotes in bulk, for the benchmark's volume (`seed_quotes --quotes N`, `bench_quotes`).

The services write one quote at a time (locks, history, a recalculation per line): right for a
user, hours for 200,000 quotes. This module writes them in batches instead, with every value
from the services' own rule functions, so a bulk quote is what the services would have made:
its lines copied from its deal's, totals by `quote_totals`, the margin flag by `flag_lines`,
numbers by `reserve_numbers` + `format_quote_number` (gap-free per year, in the order sent),
valid-until by `default_valid_until`. History rows are written with the quotes and lines
(`bulk_create_with_history`), labelled as the system's.
"""

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from opportunities.models import Opportunity, OpportunityLine, Product
from pipeline_crm.history import Origin
from pipeline_crm.models import CompanySettings
from pipeline_crm.money import ZERO

from . import services
from .models import Quote, QuoteLine, QuoteSettings

# How a benchmark's quotes are spread over the statuses (parts of 100).
SHARES = (
    (Quote.Status.DRAFT, 8),
    (Quote.Status.AWAITING_APPROVAL, 1),
    (Quote.Status.APPROVED, 1),
    (Quote.Status.SENT, 15),
    (Quote.Status.ACCEPTED, 30),
    (Quote.Status.DECLINED, 25),
    (Quote.Status.EXPIRED, 20),
)
HISTORY_DAYS = 730  # answered and expired quotes were sent within the last two years
BATCH = 2000


@dataclass
class _Planned:
    deal_id: int
    owner_id: int
    version: int
    status: str
    sent_on: date | None = None
    sequence: int | None = None


def _plan(wanted: int, rng: random.Random, today: date, valid_days: int) -> list[_Planned]:
    """Which deal, version, status and sent day each new quote gets: the deals with lines in
    turn, each quote its deal's next version."""
    deals = list(
        Opportunity.objects.filter(has_lines=True).order_by("pk").values_list("pk", "owner_id")
    )
    if not deals:
        return []
    versions = dict(
        Quote.objects.order_by()
        .values("opportunity")
        .annotate(last=Max("version"))
        .values_list("opportunity", "last")
    )
    statuses = [status for status, share in SHARES for _ in range(share)]
    planned = []
    for index in range(wanted):
        deal_id, owner_id = deals[index % len(deals)]
        versions[deal_id] = versions.get(deal_id, 0) + 1
        status = rng.choice(statuses)
        item = _Planned(deal_id, owner_id, versions[deal_id], status)
        if status == Quote.Status.SENT:  # outstanding: still valid today
            item.sent_on = today - timedelta(days=rng.randint(0, valid_days - 1))
        elif status == Quote.Status.EXPIRED:
            item.sent_on = today - timedelta(days=rng.randint(valid_days + 1, HISTORY_DAYS))
        elif status in (Quote.Status.ACCEPTED, Quote.Status.DECLINED):
            item.sent_on = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
        planned.append(item)
    return planned


def _number(planned: list[_Planned]) -> None:
    """Running numbers per year in the order the quotes were sent (`reserve_numbers`)."""
    by_year: dict[int, list[_Planned]] = defaultdict(list)
    for item in sorted(
        (item for item in planned if item.sent_on), key=lambda item: (item.sent_on, item.deal_id)
    ):
        by_year[item.sent_on.year].append(item)
    for year, items in by_year.items():
        for item, sequence in zip(items, services.reserve_numbers(year, len(items)), strict=True):
            item.sequence = sequence


def _aware(day: date, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _write_batch(batch: list[_Planned], rng: random.Random, context: dict) -> None:
    deal_ids = {item.deal_id for item in batch}
    # The deals' owners read again under a lock (in key order) until the seed commits: an
    # owner changed since the plan was made is the quote's, and none changes before the quotes
    # are there for the deals' trigger to follow (`kept_owner`).
    owners = dict(
        Opportunity.objects.select_for_update()
        .filter(pk__in=deal_ids)
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    deal_lines = defaultdict(list)
    for line in OpportunityLine.objects.filter(opportunity_id__in=deal_ids).order_by("pk"):
        deal_lines[line.opportunity_id].append(line)
    contacts = dict(
        Opportunity.contacts.through.objects.filter(opportunity_id__in=deal_ids)
        .values("opportunity_id")
        .annotate(first=Min("contact_id"))
        .values_list("opportunity_id", "first")
    )
    company, products = context["company"], context["products"]
    quotes, lines_of = [], []
    for item in batch:
        lines = [
            QuoteLine(
                position=position,
                product=products[line.product_id],
                description=products[line.product_id].name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                unit_cost=line.unit_cost,
            )
            for position, line in enumerate(deal_lines[item.deal_id], start=1)
        ]
        quote = Quote(
            opportunity_id=item.deal_id,
            owner_id=owners[item.deal_id],
            version=item.version,
            status=item.status,
            contact_id=contacts.get(item.deal_id),
            payment_terms=company.payment_terms,
            currency=context["currency"],
            vat_percent=context["vat_percent"],
            created_by_id=item.owner_id,
        )
        quote._history_user = context["users"][item.owner_id]
        for line in lines:
            line._history_user = quote._history_user
        if item.sent_on is not None:
            quote.number_year, quote.number_sequence = item.sent_on.year, item.sequence
            quote.number = services.format_quote_number(
                company.number_prefix, item.sent_on.year, item.sequence
            )
            quote.valid_until = services.default_valid_until(item.sent_on, company=company)
            quote.language = company.language
            quote.sent_at = _aware(item.sent_on, rng)
            quote.sent_by_id = item.owner_id
            if item.status in (Quote.Status.ACCEPTED, Quote.Status.DECLINED):
                days = min(company.valid_days, (context["today"] - item.sent_on).days)
                answered = item.sent_on + timedelta(days=rng.randint(0, days))
                quote.answered_at = _aware(answered, rng)
        quotes.append(quote)
        lines_of.append(lines)
    services.flag_lines(line for lines in lines_of for line in lines)  # one query a batch
    for quote, lines in zip(quotes, lines_of, strict=True):
        quote.has_margin_warning = any(line.is_under_minimum for line in lines)
        for name, value in services.quote_totals(lines, quote.vat_percent).items():
            setattr(quote, name, value)
    bulk_create_with_history(quotes, Quote, batch_size=BATCH, default_change_reason=Origin.SYSTEM)
    new_lines = []
    for quote, lines in zip(quotes, lines_of, strict=True):
        for line in lines:
            line.quote = quote
            new_lines.append(line)
    bulk_create_with_history(
        new_lines, QuoteLine, batch_size=BATCH, default_change_reason=Origin.SYSTEM
    )


def seed_volume(total: int, *, seed: int = 2026, log: Callable[[str], object] = print) -> int:
    """Top the database up to `total` quotes on the deals with lines (one transaction).

    Returns how many were added: none when there are `total` already or no deal has lines.
    """
    wanted = total - Quote.objects.count()
    if wanted <= 0:
        return 0
    rng = random.Random(f"{seed}:quote-volume")
    today = timezone.localdate()
    company = QuoteSettings.load()
    context = {
        "company": company,
        "today": today,
        "currency": CompanySettings.load().currency,
        "vat_percent": company.vat_percent if company.uses_vat else ZERO,
        "products": Product.objects.in_bulk(),
        "users": get_user_model().objects.in_bulk(),
    }
    with transaction.atomic():
        planned = _plan(wanted, rng, today, company.valid_days)
        _number(planned)
        for start in range(0, len(planned), BATCH):
            _write_batch(planned[start : start + BATCH], rng, context)
            log(f"  quotes: {min(start + BATCH, len(planned)):,} of {len(planned):,}")
    return len(planned)
