"""Realistic Nordic demo data; idempotent, with volume options for benchmarks.

Deals are built in memory in batches, each from its own Random (by worker processes on
PostgreSQL: `demo.batches`), and copied in bulk with their history (`demo.past`). Their
derived figures come from the rule functions the services use, never computed here: the
amount and margin from the lines (`apply_lines`), the stage date (`enter_stage`), won and lost
(`mark_won`, `mark_lost`) and the probability (`apply_probability_rule`); the weighted
value as `Opportunity.save` stores it. Accounts and contacts are copied in bulk too, with the
history rows `bulk_create_with_history` gave them (`BulkRows.write_created`).

`-v 2` prints each phase's wall and CPU time (`Command.timed`): where a seed's time goes.
Measured at 100,000 deals on PostgreSQL, the same minutes, load 6-8 (CPU seconds: this process
+ the workers + the database's session): before issue 20's last changes 17.5 + 40.2 + 24.6 and
18.0 + 42.6 + 25.1, after them 5.2 + 33.8 + 20.3 and 5.6 + 35.6 + 21.1 (the accounts 2.4 →
1.6 s, this process's copying 12.6 → 1.0 s, the workers' building 40-43 → 34-36 s, the
database's 22-25 → 18-21 s). 1,000,000 deals, one run at load 5-7 (others' benchmarks: the
seed's processes got 38 % of a core), 1,006 s: accounts 23 s (CPU 16.7 s, before their
values were sent as they are: 20,000 accounts 7.0 → 2.7 s since), the deals built and copied
670 s (CPU 10.8 s here, 351 s in the workers, ~80 s the database's session), indexes and keys
284 s, activities 9 s, vacuum 12 s. Its wall does not compare with a quiet machine's.
"""

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import (
    Account,
    BusinessArea,
    Contact,
    ContactRole,
    CustomerType,
    Industry,
    LeadSource,
    Segment,
)
from demo.batches import Builders
from demo.past import (
    DEAL_FIELDS,
    HISTORY_FIELDS,
    LINE_FIELDS,
    BinaryRows,
    BulkRows,
    DealPast,
    Unsaved,
    bulk_load,
    deal_values,
    event_times,
    line_values,
    money_near,
)
from forecasting.models import Budget
from opportunities import kept_sums, services
from opportunities.models import (
    STILL_CURRENT,
    Competitor,
    DealTotals,
    DealType,
    ForecastCategory,
    LossReason,
    Opportunity,
    OpportunityLine,
    Product,
    ProductGroup,
    Stage,
)
from pipeline_crm.history import Origin
from pipeline_crm.models import CompanySettings, Role
from pipeline_crm.money import ZERO
from pipeline_crm.roles import role_group

DEMO_PASSWORD = "pipeline-demo"  # noqa: S105 - printed by `make run` for the demo logins
DEMO_USERS = (
    # username, first, last, role (None = administrator)
    ("anna", "Anna", "Lindqvist", Role.SALESPERSON),
    ("erik", "Erik", "Johansson", Role.SALESPERSON),
    ("ingrid", "Ingrid", "Hansen", Role.SALESPERSON),
    ("magnus", "Magnus", "Berg", Role.SALES_MANAGER),
    ("admin", "Astrid", "Admin", None),
)
# The demo's lookups in each language; the English name is the `name` column.
AREAS = (
    {"en": "East", "sv": "Öst", "nb": "Øst", "pl": "Wschód", "de": "Ost"},
    {"en": "West", "sv": "Väst", "nb": "Vest", "pl": "Zachód", "de": "West"},
    {"en": "South", "sv": "Syd", "nb": "Sør", "pl": "Południe", "de": "Süd"},
    {"en": "North", "sv": "Norr", "nb": "Nord", "pl": "Północ", "de": "Nord"},
)
INDUSTRIES = (
    {
        "en": "Manufacturing",
        "sv": "Tillverkning",
        "nb": "Industri",
        "pl": "Produkcja",
        "de": "Fertigung",
    },
    {
        "en": "Retail",
        "sv": "Detaljhandel",
        "nb": "Varehandel",
        "pl": "Handel detaliczny",
        "de": "Einzelhandel",
    },
    {
        "en": "Construction",
        "sv": "Bygg",
        "nb": "Bygg og anlegg",
        "pl": "Budownictwo",
        "de": "Bauwesen",
    },
    {
        "en": "Healthcare",
        "sv": "Vård och omsorg",
        "nb": "Helse",
        "pl": "Ochrona zdrowia",
        "de": "Gesundheitswesen",
    },
    {
        "en": "IT services",
        "sv": "IT-tjänster",
        "nb": "IT-tjenester",
        "pl": "Usługi IT",
        "de": "IT-Dienstleistungen",
    },
    {"en": "Energy", "sv": "Energi", "nb": "Energi", "pl": "Energetyka", "de": "Energie"},
)
GROUP_NAMES = {
    "Licences": {"sv": "Licenser", "nb": "Lisenser", "pl": "Licencje", "de": "Lizenzen"},
    "Services": {"sv": "Tjänster", "nb": "Tjenester", "pl": "Usługi", "de": "Dienstleistungen"},
    "Hardware": {"sv": "Hårdvara", "nb": "Maskinvare", "pl": "Sprzęt", "de": "Hardware"},
    "Support agreements": {
        "sv": "Supportavtal",
        "nb": "Supportavtaler",
        "pl": "Umowy serwisowe",
        "de": "Supportverträge",
    },
}
PREFIXES = (
    "Nord",
    "Fjäll",
    "Skog",
    "Havs",
    "Berg",
    "Sjö",
    "Vind",
    "Norr",
    "Öster",
    "Väster",
    "Ljung",
    "Björk",
    "Gran",
    "Ek",
    "Strand",
    "Klipp",
    "Dal",
    "Älv",
    "Fjord",
    "Polar",
)
SUFFIXES = (
    "bygg",
    "data",
    "teknik",
    "invest",
    "logistik",
    "energi",
    "konsult",
    "gruppen",
    "systems",
    "industri",
    "media",
    "vård",
    "handel",
    "design",
    "marin",
    "el",
    "mekanik",
    "frakt",
)
FORMS = ("AB", "AS", "Oy", "A/S", "Sp. z o.o.", "GmbH", "AB", "AB")
PLACES = (
    ("Stockholm", "Stockholms län", "SE"),
    ("Göteborg", "Västra Götaland", "SE"),
    ("Malmö", "Skåne", "SE"),
    ("Uppsala", "Uppsala län", "SE"),
    ("Umeå", "Västerbotten", "SE"),
    ("Oslo", "Oslo", "NO"),
    ("Bergen", "Vestland", "NO"),
    ("Trondheim", "Trøndelag", "NO"),
    ("København", "Hovedstaden", "DK"),
    ("Aarhus", "Midtjylland", "DK"),
    ("Helsinki", "Uusimaa", "FI"),
    ("Gdańsk", "Pomorskie", "PL"),
    ("Hamburg", "Hamburg", "DE"),
)
FIRST_NAMES = (
    "Karin",
    "Lars",
    "Maria",
    "Johan",
    "Eva",
    "Anders",
    "Sofia",
    "Mikael",
    "Lena",
    "Per",
    "Nora",
    "Ole",
    "Kari",
    "Piotr",
    "Agnieszka",
    "Jonas",
    "Emma",
    "Henrik",
    "Sara",
    "Fredrik",
)
LAST_NAMES = (
    "Andersson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsen",
    "Nowak",
    "Berg",
    "Lund",
    "Holm",
    "Svensson",
    "Dahl",
    "Strand",
    "Kowalski",
    "Bakke",
    "Sandberg",
)
STREETS = ("Storgatan", "Kungsgatan", "Havnegata", "Hauptstraße", "Drottninggatan")
TITLES = ("CEO", "CFO", "Purchasing manager", "IT manager", "Project manager", "Sales director")

# A Nordic IT supplier's price list in SEK: (group, topics of its deals, products), each product
# (name, code, list price, unit cost, the quantities a deal usually has).
CATALOGUE = (
    (
        "Licences",
        ("ERP rollout", "User expansion", "BI pilot", "Licence true-up", "Field service app"),
        (
            ("ERP licence, named user / year", "LIC-ERP-N", "12000", "3000", (5, 10, 25, 40, 80)),
            ("ERP licence, concurrent user / year", "LIC-ERP-C", "18000", "4500", (3, 5, 10, 20)),
            ("Document management, per user / year", "LIC-DOC", "3600", "900", (10, 25, 50, 150)),
            ("BI & reporting, per user / year", "LIC-BI", "6000", "1500", (5, 10, 20, 40)),
            ("Field service app, per user / year", "LIC-FSA", "2400", "600", (10, 20, 50, 120)),
            ("Integration platform, per site / year", "LIC-INT", "48000", "12000", (1, 2, 3)),
        ),
    ),
    (
        "Services",
        ("Implementation", "Integration project", "Data migration", "Training programme"),
        (
            ("Consulting hour, senior consultant", "SRV-SEN", "1450", "850", (16, 40, 80, 160)),
            ("Consulting hour, project manager", "SRV-PM", "1350", "800", (8, 24, 60, 120)),
            ("Implementation package, standard", "SRV-IMP", "95000", "60000", (1,)),
            ("Data migration, fixed price", "SRV-MIG", "45000", "28000", (1,)),
            ("Training day on site (max 8 people)", "SRV-TRN", "14500", "7000", (1, 2, 3, 5)),
            ("Integration development, fixed price", "SRV-API", "120000", "78000", (1, 2)),
        ),
    ),
    (
        "Hardware",
        ("Laptop refresh", "Warehouse scanners", "Server replacement", "Network upgrade"),
        (
            ('Business laptop 14"', "HW-LAP", "14900", "11800", (5, 10, 25, 60)),
            ("Rugged tablet", "HW-TAB", "22500", "17000", (2, 5, 10, 20)),
            ("Barcode scanner", "HW-SCN", "6900", "4900", (4, 10, 20, 40)),
            ("Rack server", "HW-SRV", "89000", "71000", (1, 2, 4)),
            ("Network switch, 48 ports", "HW-SW48", "24000", "18500", (1, 2, 6)),
            ("Label printer", "HW-PRN", "8400", "6100", (1, 3, 8)),
        ),
    ),
    (
        "Support agreements",
        ("Support renewal", "Support upgrade", "Hosting move", "Operations agreement"),
        (
            ("Support agreement Basic, per year", "SUP-BAS", "24000", "9000", (1, 2, 3)),
            ("Support agreement Plus, per year", "SUP-PLS", "60000", "24000", (1, 2, 3)),
            ("Support agreement Premium 24/7, per year", "SUP-PRM", "144000", "62000", (1, 3)),
            ("Hosting and operations, per month", "SUP-HOST", "8500", "4200", (12, 24, 36)),
        ),
    ),
)
RENEWAL_GROUP = "Support agreements"
COMPETITORS = (
    "Visma",
    "IFS",
    "Microsoft Dynamics 365",
    "SAP Business One",
    "Monitor ERP",
    "Unit4",
    "Tietoevry",
    "Atea",
    "Dustin",
    "CGI",
)
NEXT_STEPS = (
    "Send the revised quote",
    "Book a demo with their IT team",
    "Follow-up call",
    "Meet the decision maker",
    "Reference visit",
    "Clarify delivery terms",
    "Requirements workshop",
)
WIN_REPORTS = (
    "Won on the integration with their warehouse system.",
    "Local support team and references tipped it.",
    "Best total cost over three years.",
)
LOSS_REPORTS = (
    "Price about 15 % above the winner.",
    "The customer postponed the project to next year.",
    "The competitor already delivers their ERP.",
)
DISCOUNTS = (0, 0, 0, 0, 5, 5, 10, 10, 15, 20, 25)
LINE_COUNTS, LINE_COUNT_WEIGHTS = (0, 1, 2, 3, 4), (30, 30, 20, 12, 8)
WON_SHARE, LOST_SHARE = 0.30, 0.25  # of the deals made; the rest are still open
MANUAL_PROBABILITY_SHARE = 0.06
OVERDUE_SHARE = 0.15  # open deals already past their expected close date (stale)
LONG_IN_STAGE_SHARE = 0.15  # open deals longer than the company's stale days in their stage
PAST_DAYS = 730  # the demo's past: deals created over the last two years
CLOSED_WITHIN = 700  # closed deals closed over the last ~two years
CHUNK = 2000  # deals built and written per round; bounds memory at any volume
OPEN, WON, LOST = "open", "won", "lost"
# Events of one day happen in this order (a deal is created before anything else that day).
CREATE, LINES, AMOUNT, CLOSE_DATE, STAGE, HAND_SET, FOLLOW_UP, CLOSE = range(8)


@dataclass
class _Deal:
    """One deal to write: its past (its records, its lines) and its many-to-many rows."""

    past: DealPast
    contact_ids: list[int] = field(default_factory=list)
    co_responsible_ids: list[int] = field(default_factory=list)

    @property
    def deal(self) -> Opportunity:
        return self.past.deal


@dataclass(order=True)
class _Event:
    day: date
    kind: int
    apply: Callable = field(compare=False)
    reason: str = field(default=Origin.FORM.value, compare=False)


FORM = Origin.FORM.value  # the reasons are written as they are stored: the choices' values


class _DealMaker:
    """Builds unsaved deals and their pasts from the lookups in the database, drawing from one
    Random."""

    def __init__(self, *, owners, today: date, now, stale_days: int):
        self.owners = owners
        self.today = today
        self.now = now
        # Read once: `localdate` without a zone looks the current one up in a thread-local.
        self.zone = timezone.get_current_timezone()
        self.stale_days = stale_days
        self.accounts = list(
            Account.objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", "name", "business_area_id", "lead_source_id")
        )
        self.contacts: dict[int, list[int]] = {}
        for account_id, contact_id in Contact.objects.order_by("pk").values_list(
            "account_id", "pk"
        ):
            self.contacts.setdefault(account_id, []).append(contact_id)
        self.areas = list(BusinessArea.objects.active().values_list("pk", flat=True))
        self.sources = list(LeadSource.objects.active().values_list("pk", flat=True))
        self.deal_types = list(DealType.objects.active())
        # Read once: a translated name looks the language up on each read.
        self.renewals = {t.pk for t in self.deal_types if t.name == "Renewal"}
        self.new_deal = Unsaved(Opportunity)
        self.new_line = Unsaved(OpportunityLine)
        # New business first, then upsell, then renewals, as in most order books.
        self.deal_type_weights = [max(1, 5 - 2 * i) for i in range(len(self.deal_types))]
        stages = list(Stage.objects.active())
        self.open_stages = [s for s in stages if not s.is_won_stage]
        won = [s for s in stages if s.is_won_stage]
        self.won_stage = won[0] if won else (self.open_stages[-1] if self.open_stages else None)
        # A funnel: more deals in the early stages than in the late ones.
        self.funnel = [len(self.open_stages) - i for i in range(len(self.open_stages))]
        self.forecast = dict(ForecastCategory.objects.active().values_list("kind", "pk"))
        self.loss_reasons = list(LossReason.objects.active().values_list("pk", flat=True))
        # One unsaved instance per reason, shared: only its pk is written.
        self.loss_reason = {pk: LossReason(pk=pk) for pk in self.loss_reasons}
        self.competitors = list(Competitor.objects.active().values_list("pk", flat=True))
        products = list(Product.objects.active().select_related("group").order_by("pk"))
        self.products = products
        self.by_group: dict[str, list[Product]] = {}
        for product in products:
            self.by_group.setdefault(product.group.name if product.group else "", []).append(
                product
            )
        self.quantities = {
            code: quantities for _g, _n, code, _p, _c, quantities in _catalogue_products()
        }
        self.topics = {group: topics for group, topics, _ in CATALOGUE}

    def ready(self) -> bool:
        return bool(self.accounts and self.owners and self.open_stages and self.loss_reasons)

    def make(self, rng: random.Random) -> _Deal:
        account_id, account_name, area_id, source_id = rng.choice(self.accounts)
        owner = rng.choice(self.owners)
        deal_type = (
            rng.choices(self.deal_types, weights=self.deal_type_weights)[0]
            if self.deal_types
            else None
        )
        if deal_type is not None and deal_type.pk in self.renewals:
            group = RENEWAL_GROUP
        else:
            group = rng.choice(CATALOGUE)[0]
        deal = self.new_deal(
            name=f"{account_name} – {rng.choice(self.topics[group])}"[:200],
            account_id=account_id,
            owner=owner,
            business_area_id=area_id,
            deal_type=deal_type,
            source_id=source_id,
        )
        if self.areas and rng.random() < 0.1:
            deal.business_area_id = rng.choice(self.areas)
        if rng.random() < 0.3:
            deal.source_id = (
                rng.choice(self.sources) if self.sources and rng.random() < 0.5 else None
            )
        if self.competitors and rng.random() < 0.4:
            deal.competitor_id = rng.choice(self.competitors)
        roll = rng.random()
        fate = WON if roll < WON_SHARE else LOST if roll < WON_SHARE + LOST_SHARE else OPEN
        path, closed = self._stages(rng, fate)
        made = _Deal(DealPast(deal))
        contacts = self.contacts.get(account_id, [])
        needs_contact = any(stage.requires_contact for _day, stage in path)
        if contacts and (needs_contact or rng.random() < 0.75):
            made.contact_ids = rng.sample(contacts, k=min(len(contacts), rng.choice((1, 1, 2))))
        if len(self.owners) > 1 and rng.random() < 0.08:
            made.co_responsible_ids = [rng.choice([u.pk for u in self.owners if u != owner])]
        self._live(rng, made.past, group, fate, path, closed)
        return made

    # --- the plan of a deal's life ---------------------------------------------------------

    def _stages(self, rng: random.Random, fate: str) -> tuple[list[tuple[date, Stage]], date]:
        """The open stages the deal went through with the day it entered each, and the day
        its life ends: closed, or today for an open deal."""
        count = len(self.open_stages)
        if fate == OPEN:
            last = rng.choices(range(count), weights=self.funnel)[0]
            if rng.random() < LONG_IN_STAGE_SHARE:
                in_stage = rng.randint(self.stale_days + 1, max(self.stale_days + 1, 240))
            else:
                in_stage = rng.randint(0, self.stale_days)
            end = self.today
            entered_last = end - timedelta(days=in_stage)
        else:
            if fate == WON:
                last = rng.randint(min(2, count - 1), count - 1)
            else:
                last = rng.choices(range(count), weights=self.funnel)[0]
            end = self.today - timedelta(days=rng.randint(1, CLOSED_WITHIN))
            entered_last = end - timedelta(days=rng.randint(3, 40) if fate == WON else 0)
            if fate == LOST:
                entered_last -= timedelta(days=rng.randint(0, 60))
        earliest = self.today - timedelta(days=PAST_DAYS)
        entered_last = max(entered_last, earliest)
        first = 0 if rng.random() < 0.8 else min(1, last)
        skipped = [i for i in range(first + 1, last) if rng.random() < 0.2]
        steps = [i for i in range(first, last + 1) if i not in skipped]
        durations = [rng.randint(4, 45) for _ in steps[:-1]]
        room = (entered_last - earliest).days
        if sum(durations) > room:  # squeezed into the demo's two years
            durations = [d * room // sum(durations) for d in durations]
        days = [entered_last]
        for duration in reversed(durations):
            days.insert(0, days[0] - timedelta(days=duration))
        return [(day, self.open_stages[i]) for day, i in zip(days, steps, strict=True)], end

    def _live(self, rng, past: DealPast, group, fate, path, end: date) -> None:
        """Create the deal on the day it entered its first stage and apply its events up to
        `end` in order, recording each (`DealPast`)."""
        deal = past.deal
        owner_id = deal.owner.pk
        created = path[0][0]
        events: list[_Event] = []

        def on(day: date, kind: int, reason: str = FORM):
            def add(apply):
                events.append(_Event(min(max(day, created), end), kind, apply, reason))
                return apply

            return add

        # The stages after the first, each entered on its day (by the board or the form).
        for day, stage in path[1:]:
            reason = Origin.BOARD.value if rng.random() < 0.6 else FORM
            on(day, STAGE, reason)(lambda when, stage=stage: self._enter(deal, stage, when))
        # The amount: lines added and discounts granted on the way, or a typed figure revised.
        lines = self._lines(rng, group)
        first_lines = lines[:1] + [line for line in lines[1:] if rng.random() < 0.5]
        for line in lines:
            added = created
            if line not in first_lines:
                added = _day_between(rng, created, end)
                on(added, LINES)(lambda when, line=line: past.add_line(line, when, FORM, owner_id))
            if line.discount_percent and rng.random() < 0.4:
                granted = line.discount_percent
                line.discount_percent = ZERO  # until it is granted, after the line is added

                def grant(when, line=line, granted=granted):
                    line.discount_percent = granted
                    past.change_line(line, when, FORM, owner_id)

                on(_day_between(rng, added, end), LINES)(grant)
        typed = None
        if not lines:
            # A typed amount: round thousands, median about 150,000 SEK; revised on the way.
            thousands = min(5000, max(10, round(rng.lognormvariate(5.0, 0.9))))
            typed = Decimal(thousands) * Decimal("1000.00")
            revisions = rng.choices((0, 1, 2), weights=(45, 40, 15))[0]
            amounts = [money_near(typed, rng.uniform(0.6, 1.5)) for _ in range(revisions)]
            days = sorted(_day_between(rng, created, end) for _ in range(revisions))
            if revisions:
                for day, amount in zip(days, [*amounts[1:], typed], strict=True):
                    on(day, AMOUNT)(lambda when, a=amount: setattr(deal, "amount", a))
                typed = amounts[0]
        # The expected close date: planned at creation, then pushed out or pulled in.
        final_close = self._final_close_date(rng, fate, created, end)
        planned = created + timedelta(weeks=rng.randint(3, 13))
        last_move = min(end, max(created, final_close))
        moves = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
        if planned == final_close or last_move <= created:
            planned, moves = final_close, 0
        days = sorted(_day_between(rng, created, last_move) for _ in range(moves - 1))
        for step, day in enumerate([*days, last_move][:moves], start=1):
            value = planned + (final_close - planned) * step // moves
            on(day, CLOSE_DATE)(
                lambda when, value=value: setattr(deal, "expected_close_date", value)
            )
        # Follow-ups booked every few weeks while the deal is open; an open deal's last one is
        # its next step today.
        final_next, last_follow_up = None, end
        if fate == OPEN:
            if path[-1][1].requires_next_action or rng.random() < 0.65:
                final_next = self.today + timedelta(days=rng.randint(-14, 45))
            last_follow_up = min(end, (final_next or end) - timedelta(days=rng.randint(1, 14)))
            last_follow_up = max(last_follow_up, created)
        day = created + timedelta(days=rng.randint(4, 21))
        while day < last_follow_up:
            booked, step = day + timedelta(days=rng.randint(2, 21)), rng.choice(NEXT_STEPS)
            on(day, FOLLOW_UP)(lambda when, d=booked, s=step: self._book(deal, d, s))
            day += timedelta(days=rng.randint(4, 21))
        if fate == OPEN:
            step = rng.choice(NEXT_STEPS) if final_next else ""
            on(last_follow_up, FOLLOW_UP)(lambda when: self._book(deal, final_next, step))
        # A probability set by hand, after the last stage change.
        hand_set = MANUAL_PROBABILITY_SHARE if fate == OPEN else MANUAL_PROBABILITY_SHARE / 2
        if rng.random() < hand_set:
            default = path[-1][1].default_probability
            value = _other_probability(rng, default)
            on(_day_between(rng, path[-1][0], end), HAND_SET)(
                lambda when: self._set_by_hand(deal, value)
            )
        if fate == WON:
            report = rng.choice(WIN_REPORTS) if rng.random() < 0.4 else ""
            on(end, CLOSE)(lambda when: self._won(deal, end, report))
        elif fate == LOST:
            report = rng.choice(LOSS_REPORTS) if rng.random() < 0.5 else ""
            reason = self.loss_reason[rng.choice(self.loss_reasons)]
            on(end, CLOSE)(lambda when: self._lost(deal, end, reason, report))

        # Created: its first stage, the planned close date, its first lines or typed amount.
        deal.amount = typed if typed is not None else ZERO
        deal.expected_close_date = planned
        services.enter_stage(deal, path[0][1], today=created)
        if rng.random() < 0.7:
            self._book(deal, created + timedelta(days=rng.randint(2, 14)), rng.choice(NEXT_STEPS))
        events.sort()
        moments = event_times([created, *(event.day for event in events)], rng, latest=self.now)
        for line in first_lines:
            past.add_line(line, moments[0], FORM, owner_id)
        if not lines:
            services.apply_lines(deal, [])
        omitted = fate == OPEN and rng.random() < 0.05
        self._categorise(deal, omitted)
        creation = Origin.IMPORT.value if rng.random() < 0.1 else FORM
        past.record(moments[0], creation, owner_id)
        for event, when in zip(events, moments[1:], strict=True):
            event.apply(when)
            self._categorise(deal, omitted)
            past.record(when, event.reason, owner_id)

    def _final_close_date(self, rng, fate: str, created: date, end: date) -> date:
        if fate != OPEN:
            return max(created, end + timedelta(days=rng.randint(-30, 21)))
        if rng.random() < OVERDUE_SHARE:
            return max(created, self.today - timedelta(days=rng.randint(1, 182)))
        return self.today + timedelta(days=int(rng.triangular(1, 365, 45)))

    # --- the events, through the services' rule functions ----------------------------------

    def _enter(self, deal: Opportunity, stage: Stage, when) -> None:
        services.enter_stage(deal, stage, today=when.astimezone(self.zone).date())  # localdate

    @staticmethod
    def _book(deal: Opportunity, day: date | None, step: str) -> None:
        deal.next_action_date = day
        deal.next_step = step if day else ""

    @staticmethod
    def _set_by_hand(deal: Opportunity, probability: int) -> None:
        deal.is_probability_manual = True
        deal.probability = probability

    def _won(self, deal: Opportunity, closed: date, report: str) -> None:
        services.enter_stage(deal, self.won_stage, today=closed)
        services.mark_won(deal, user=deal.owner, closed_date=closed)
        deal.win_loss_report = report

    def _lost(self, deal: Opportunity, closed: date, reason: LossReason, report: str) -> None:
        services.mark_lost(deal, user=deal.owner, loss_reason=reason, closed_date=closed)
        deal.win_loss_report = report

    def _categorise(self, deal: Opportunity, omitted: bool) -> None:
        """The forecast category a salesperson would give the deal as it stands."""
        services.apply_probability_rule(deal)
        if deal.status == Opportunity.Status.WON:
            kind = ForecastCategory.Kind.COMMIT
        elif deal.status == Opportunity.Status.LOST or omitted:
            kind = ForecastCategory.Kind.OMITTED
        elif deal.probability >= 75:
            kind = ForecastCategory.Kind.COMMIT
        elif deal.probability >= 50:
            kind = ForecastCategory.Kind.BEST_CASE
        else:
            kind = ForecastCategory.Kind.PIPELINE
        deal.forecast_category_id = self.forecast.get(kind)

    def _lines(self, rng: random.Random, group: str) -> list[OpportunityLine]:
        count = rng.choices(LINE_COUNTS, weights=LINE_COUNT_WEIGHTS)[0]
        if not count or not self.products:
            return []
        first = rng.choice(self.by_group.get(group) or self.products)
        others = [
            p for p in rng.sample(self.products, k=min(count, len(self.products))) if p != first
        ]
        lines = []
        for product in [first, *others][:count]:
            quantity = rng.choice(self.quantities.get(product.code, (1, 2, 5, 10)))
            lines.append(
                self.new_line(
                    product=product,
                    quantity=Decimal(quantity),
                    unit_price=product.list_price,
                    discount_percent=Decimal(rng.choice(DISCOUNTS)),
                    unit_cost=product.unit_cost,
                )
            )
        return lines


def _day_between(rng: random.Random, first: date, last: date) -> date:
    """A day from `first` to `last` (both included; `first` when `last` is earlier)."""
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _catalogue_products():
    for group, _topics, products in CATALOGUE:
        for name, code, price, cost, quantities in products:
            yield group, name, code, price, cost, quantities


def _ensure_lookup(model, names: dict[str, str], **defaults):
    """The lookup row with one of these names (in any language: an administrator may have
    renamed it in one), else a new one with them all; an administrator's edits stay."""
    found = Q(name__in=names.values())
    for language, name in names.items():
        found |= Q(**{f"name_{language}": name})
    row = model.objects.all().rewrite(False).filter(found).first()
    if row is None:
        row = model(**{f"name_{language}": name for language, name in names.items()}, **defaults)
        row.save()
    return row


def _other_probability(rng: random.Random, default: int) -> int:
    """A hand-set probability near the stage default but never equal to it."""
    candidates = [default + step for step in (-15, -10, -5, 5, 10, 15)]
    return rng.choice([p for p in candidates if 1 <= p <= 99])


class Command(BaseCommand):
    help = (
        "Create demo users, lookups, products, accounts, contacts and deals "
        "(idempotent: adds only what is missing; volume options for benchmarks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, default=300, help="deals wanted in all")
        parser.add_argument(
            "--accounts",
            type=int,
            default=None,
            help="accounts wanted in all (default: max(60, deals // 20))",
        )
        parser.add_argument("--activities", type=int, default=500, help="activities wanted in all")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1) if (os.cpu_count() or 1) > 1 else 0,
            help="processes building the deals on PostgreSQL (0: none; the same deals either "
            "way; default: 2 where there are two CPUs or more)",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        deals = options["deals"]
        accounts = options["accounts"]
        if accounts is None:
            accounts = max(60, deals // 20)
        rng = random.Random(options["seed"])
        self.verbosity = options["verbosity"]
        with transaction.atomic():
            with self.timed("users, lookups, catalogue"):
                users = self.ensure_users()
                self.ensure_lookups()
                self.ensure_catalogue()
            with self.timed("accounts and contacts"):
                new_accounts = self.ensure_accounts(rng, users, accounts)
            new_deals = self.ensure_deals(options["seed"], users, deals, workers=options["workers"])
            with self.timed("budgets"):
                self.ensure_budgets()
        with self.timed("activities"):
            call_command(
                "seed_activities",
                activities=options["activities"],
                seed=options["seed"],
                stdout=self.stderr,
            )
        with self.timed("quotes"):
            call_command("seed_quotes", seed=options["seed"], stdout=self.stderr)
        with self.timed("vacuum and analyze"):
            self.analyze()
        self.stderr.write(
            f"Demo data ready: {new_accounts} new accounts, {new_deals} new deals "
            f"in {time.monotonic() - started:.1f} s."
        )

    verbosity = 1

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """At `-v 2`, a phase's wall time and CPU time (this process's, and the worker
        processes' that ended in it) on stderr: where a seed's time goes (issue 20). The
        database's CPU is not seen from here; wall minus CPU is mostly waiting for it."""
        if self.verbosity < 2:
            yield
            return
        started, cpu = time.monotonic(), os.times()
        yield
        ended = os.times()
        here = ended.user + ended.system - cpu.user - cpu.system
        workers = ended.children_user + ended.children_system
        workers -= cpu.children_user + cpu.children_system
        self.stderr.write(
            f"  {phase}: {time.monotonic() - started:.1f} s "
            f"(CPU {here:.1f} s here, {workers:.1f} s in workers)"
        )

    def ensure_budgets(self) -> int:
        """Monthly budgets per business area for last year and this one, when there are none:
        the area's average won per month since last January plus a tenth, rounded up to
        10,000, so that the budget comparison and the manager's dashboard give a verdict on a
        fresh install. An area that won nothing gets no budget (the comparison shows it apart).
        Returns the number of budgets made."""
        if Budget.objects.exists():
            return 0
        today = timezone.localdate()
        since = date(today.year - 1, 1, 1)
        months_past = (today.year - since.year) * 12 + today.month
        won = (
            Opportunity.objects.won_in(since, today)
            .exclude(business_area=None)
            .values("business_area")
            .annotate(total=Sum("amount"))
        )
        step = Decimal("10000")
        budgets = []
        for row in won:
            monthly = row["total"] * Decimal("1.1") / months_past
            amount = (monthly / step).to_integral_value(rounding=ROUND_CEILING) * step
            budgets += [
                Budget(
                    business_area_id=row["business_area"],
                    month=date(year, month, 1),
                    amount=amount,
                )
                for year in (since.year, today.year)
                for month in range(1, 13)
            ]
        bulk_create_with_history(budgets, Budget)
        return len(budgets)

    def analyze(self) -> None:
        """Vacuum and refresh the planner's statistics of every table after a bulk load.

        Until autovacuum gets to it (or never, where it is off) PostgreSQL plans for the
        empty tables it last saw, and without a vacuum's visibility map a count cannot be
        answered from an index alone: the benchmarks would measure a database no production
        one resembles. Inside a transaction (a test's), where VACUUM cannot run, ANALYZE alone;
        on SQLite, ANALYZE.
        """
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                # The sums the database keeps of the deals were folded once per batch: their
                # files hold many times their rows (at 1,000,000 deals the deal totals' 793
                # rows took 6 MB, the open deals' sums per close date and owner 33 MB for 2.4,
                # and reading them cost 15 ms where it costs 1.3). Rewritten, they are their
                # size; a plain VACUUM only frees the space for reuse.
                kept = [DealTotals._meta.db_table, *(table.table for table in kept_sums.ALL)]
                cursor.execute(f"VACUUM (FULL, ANALYZE) {', '.join(kept)}")
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE")

    def ensure_users(self):
        User = get_user_model()
        users = []
        for username, first, last, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": role is None,
                    "is_superuser": role is None,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if role:
                user.groups.add(role_group(role))
            users.append(user)
        return users

    def ensure_lookups(self):
        for order, names in enumerate(AREAS, start=1):
            _ensure_lookup(BusinessArea, names, order=order * 10)
        for order, names in enumerate(INDUSTRIES, start=1):
            _ensure_lookup(Industry, names, order=order * 10)

    def ensure_catalogue(self):
        """Product groups, products and competitors (get_or_create: an admin's edits stay)."""
        for order, (group_name, _topics, products) in enumerate(CATALOGUE, start=1):
            names = {"en": group_name, **GROUP_NAMES.get(group_name, {})}
            group = _ensure_lookup(ProductGroup, names, order=order * 10)
            for position, (name, code, price, cost, _quantities) in enumerate(products, start=1):
                Product.objects.get_or_create(
                    name=name,
                    defaults={
                        "code": code,
                        "group": group,
                        "order": order * 100 + position,
                        "list_price": Decimal(price),
                        "unit_cost": Decimal(cost),
                    },
                )
        for order, name in enumerate(COMPETITORS, start=1):
            Competitor.objects.get_or_create(name=name, defaults={"order": order * 10})

    def ensure_accounts(self, rng, users, wanted: int) -> int:
        missing = wanted - Account.objects.count()
        if missing <= 0:
            return 0
        areas = list(BusinessArea.objects.all())
        industries = list(Industry.objects.all())
        segments = list(Segment.objects.all())
        types = list(CustomerType.objects.all())
        sources = list(LeadSource.objects.all())
        roles = list(ContactRole.objects.all())
        owners = [u for u in users if not u.is_superuser]
        taken = set(Account.objects.values_list("name", flat=True))
        new_account, new_contact = Unsaved(Account), Unsaved(Contact)
        accounts = []
        while len(accounts) < missing:
            name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} {rng.choice(FORMS)}"
            if name in taken:
                name = f"{name} {len(taken) + 1}"
            taken.add(name)
            city, region, country = rng.choice(PLACES)
            accounts.append(
                new_account(
                    name=name,
                    org_number=f"55{rng.randrange(10**7, 10**8)}",
                    customer_type=rng.choice(types) if types else None,
                    segment=rng.choice(segments) if segments else None,
                    industry=rng.choice(industries),
                    rating=rng.choice("ABCD"),
                    owner=rng.choice(owners),
                    business_area=rng.choice(areas),
                    street=f"{rng.choice(STREETS)} {rng.randint(1, 99)}",
                    postal_code=f"{rng.randint(10000, 99999)}",
                    city=city,
                    region=region,
                    country=country,
                    employees=rng.choice((5, 12, 40, 85, 250, 1200)),
                    yearly_revenue=Decimal(rng.randrange(2, 900)) * Decimal("1000000"),
                    lead_source=rng.choice(sources) if sources else None,
                )
            )
        rows = BulkRows()
        rows.write_created(Account, accounts)
        contacts = []
        for account in accounts:
            for _ in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                contacts.append(
                    new_contact(
                        account=account,
                        first_name=first,
                        last_name=last,
                        title=rng.choice(TITLES),
                        role=rng.choice(roles) if roles else None,
                        email=f"{first}.{last}@example.com".lower(),
                        phone=f"+46 8 {rng.randint(100, 999)} {rng.randint(10, 99)} 00",
                    )
                )
        rows.write_created(Contact, contacts)
        return len(accounts)

    def ensure_deals(self, seed: int, users, wanted: int, *, workers: int = 0) -> int:
        """Add deals until there are `wanted`; returns how many were made. With `workers` on
        PostgreSQL, that many processes build the batches (`demo.batches`; the same deals)."""
        existing = Opportunity.objects.count()
        missing = wanted - existing
        if missing <= 0:
            return 0
        salespeople = set(role_group(Role.SALESPERSON).user_set.values_list("pk", flat=True))
        owners = sorted((u for u in users if u.pk in salespeople), key=lambda u: u.username)
        maker = _DealMaker(
            owners=owners,
            today=timezone.localdate(),
            now=timezone.now(),
            stale_days=CompanySettings.load().stale_days,
        )
        if not maker.ready():
            self.stderr.write(
                "No deals made: accounts, salespeople, open stages or loss reasons missing."
            )
            return 0

        def build(index: int) -> _Batch:
            # Each batch from its own Random, so that any process can build it (`demo.batches`):
            # seeded by the count too, so a top-up run does not repeat the first run's deals;
            # the first batch by the Random all deals came from before, so a seed of up to
            # `CHUNK` deals writes what it always did.
            name = f"{seed}:deals:{existing}" + (f":{index}" if index else "")
            rng = random.Random(name)
            return _Batch([maker.make(rng) for _ in range(sizes[index])], binary)

        sizes = [min(CHUNK, missing - start) for start in range(0, missing, CHUNK)]
        tables = _tables()
        # On PostgreSQL the rows leave the process that builds them as binary COPY data.
        binary = None
        if connection.vendor == "postgresql":
            binary = [BinaryRows(model, columns) for model, columns in tables]
        made = written = 0
        # Workers only where ids are counted here (`BulkRows(locked=True)`): elsewhere a batch's
        # ids are read from its table, which must hold the previous batch's rows by then.
        workers = workers if connection.vendor == "postgresql" else 0
        # Workers are forked before the copying thread starts (`BulkRows`), and joined before
        # the phase's timing ends, so that their CPU is counted in it.
        with (
            bulk_load(
                [model for model, _columns in tables],
                rebuild_indexes=missing >= existing,
                timed=lambda phase: self.timed(f"deals: {phase}"),
            ),
            self.timed("deals: built and copied"),
            Builders(len(sizes), build, workers=workers) as builders,
        ):
            rows = BulkRows(locked=True)

            def take_ids(counts):
                return [
                    rows.ids(model, count, column=column)
                    for (model, column), count in zip(_counted(), counts, strict=True)
                ]

            def write(batch_rows):
                nonlocal made, written
                for (model, columns), table_rows in zip(tables, batch_rows, strict=True):
                    rows.write(model, columns, table_rows)
                before, made = made, made + sizes[written]  # the batches come in order
                written += 1
                if made // (50 * CHUNK) > before // (50 * CHUNK):  # every 100,000 deals
                    self.stderr.write(f"  {made}/{missing} deals")

            try:
                builders.write_in_order(take_ids, write)
            except BaseException:
                rows.abandon()
                raise
            rows.finish()
        return made


class _Batch:
    """A batch of deals built (`_DealMaker.make`), made into rows once its ids are known: per
    table of `_tables`, tuples, or with `binary` (one per table) binary COPY data."""

    def __init__(self, items: list[_Deal], binary: list[BinaryRows] | None = None):
        self.items = items
        self.binary = binary

    def counts(self) -> tuple[int, ...]:
        """The ids the batch needs, in the order of `_counted`."""
        items = self.items
        return (
            len(items),
            sum(len(item.past.lines) for item in items),
            sum(len(item.past.records) for item in items),
            sum(len(item.contact_ids) for item in items),
            sum(len(item.co_responsible_ids) for item in items),
        )

    def rows(self, ids) -> list[list[tuple] | bytes]:
        """The rows of the deals, their lines and many-to-many rows, and the history of each,
        per table of `_tables`, with the ids taken for them (`counts`)."""
        tables = self._rows(ids)
        if self.binary is None:
            return tables
        return [binary.encode(rows) for binary, rows in zip(self.binary, tables, strict=True)]

    def _rows(self, ids) -> list[list[tuple]]:
        batch = self.items
        deal_ids, line_ids, history_ids, contact_link_ids, co_link_ids = ids
        for item, pk in zip(batch, deal_ids, strict=True):
            item.deal.id = pk
        lines = [line for item in batch for line in item.past.lines]
        for line, pk in zip(lines, line_ids, strict=True):
            line.id = pk
        for item in batch:
            for line in item.past.lines:
                line.opportunity_id = item.deal.id
        records = [(item, record) for item in batch for record in item.past.records]
        # Each row stands until the deal's next one (the triggers of migration 0015 would
        # set the same; written here, they find nothing to change).
        ends = [
            end.when if end is not None else STILL_CURRENT
            for item in batch
            for end in [*item.past.records[1:], None]
        ]
        history_rows = [
            (item.deal.id, *record.values[1:], history_id, record.when, record.reason)
            + (record.kind, record.user_id, end)
            for (item, record), history_id, end in zip(records, history_ids, ends, strict=True)
        ]
        line_rows = []
        opportunity_at = LINE_FIELDS.index("opportunity_id")
        for item in batch:
            for record in item.past.line_records:
                values = list(record.values)
                values[0], values[opportunity_at] = record.line.id, item.deal.id
                line_rows.append((*values, record.when, record.reason, record.kind, record.user_id))
        tables = [
            [deal_values(item.deal) for item in batch],
            [line_values(line) for line in lines],
            history_rows,
            line_rows,
        ]
        history_of: dict[int, list[int]] = {}
        for (item, _record), history_id in zip(records, history_ids, strict=True):
            history_of.setdefault(item.deal.id, []).append(history_id)
        # Each many-to-many field: its link rows, and django-simple-history's copy of them
        # with every record of the deal (from its creation on, as the demo sets them then).
        for attribute, ids in (
            ("contact_ids", contact_link_ids),
            ("co_responsible_ids", co_link_ids),
        ):
            members = [(item.deal.id, m) for item in batch for m in getattr(item, attribute)]
            tables.append([(pk, deal_id, m) for (deal_id, m), pk in zip(members, ids, strict=True)])
            tables.append(
                [
                    (pk, history_id, deal_id, m)
                    for (deal_id, m), pk in zip(members, ids, strict=True)
                    for history_id in history_of[deal_id]
                ]
            )
        return tables


def _counted() -> list:
    """The (model, auto column) whose ids a batch takes, in the order of `_Batch.counts`."""
    return [
        (Opportunity, "id"),
        (OpportunityLine, "id"),
        (Opportunity.history.model, "history_id"),
        (Opportunity.contacts.through, "id"),
        (Opportunity.co_responsible.through, "id"),
    ]


def _tables() -> list:
    """The (model, columns) a batch's rows are written into, in the order of `_Batch.rows`."""
    return [
        (Opportunity, DEAL_FIELDS),
        (OpportunityLine, LINE_FIELDS),
        (Opportunity.history.model, (*DEAL_FIELDS, *HISTORY_FIELDS, "valid_until")),
        (OpportunityLine.history.model, LINE_FIELDS + HISTORY_FIELDS[1:]),
        (Opportunity.contacts.through, ("id", "opportunity_id", "contact_id")),
        (
            apps.get_model("opportunities", "HistoricalOpportunity_contacts"),
            ("id", "history_id", "opportunity_id", "contact_id"),
        ),
        (Opportunity.co_responsible.through, ("id", "opportunity_id", "user_id")),
        (
            apps.get_model("opportunities", "HistoricalOpportunity_co_responsible"),
            ("id", "history_id", "opportunity_id", "user_id"),
        ),
    ]
