"""Realistic Nordic demo data; idempotent, with volume options for benchmarks.

Deals are built in memory and written with bulk_create (history included), so 100,000 deals take
minutes. Their derived figures come from the rule functions the services use, never computed
here: the amount and margin from the lines (`apply_lines`), the stage date (`enter_stage`), won
and lost (`mark_won`, `mark_lost`) and the probability (`apply_probability_rule`); the weighted
value as `Opportunity.save` stores it.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Q
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
from opportunities import services
from opportunities.models import (
    Competitor,
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
from pipeline_crm.money import weighted
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
WON_SHARE, LOST_SHARE = 0.20, 0.15
MANUAL_PROBABILITY_SHARE = 0.06
OVERDUE_SHARE = 0.15  # open deals already past their expected close date (stale)
LONG_IN_STAGE_SHARE = 0.15  # open deals longer than the company's stale days in their stage
CHUNK = 2000  # deals built and written per round; bounds memory at any volume


@dataclass
class _Deal:
    """One deal to write, with its lines and the ids of its many-to-many rows."""

    deal: Opportunity
    lines: list[OpportunityLine]
    contact_ids: list[int] = field(default_factory=list)
    co_responsible_ids: list[int] = field(default_factory=list)


class _DealMaker:
    """Builds unsaved deals from the lookups in the database, drawing from one Random."""

    def __init__(self, *, owners, today: date, stale_days: int):
        self.owners = owners
        self.today = today
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
        if deal_type is not None and deal_type.name == "Renewal":
            group = RENEWAL_GROUP
        else:
            group = rng.choice(CATALOGUE)[0]
        deal = Opportunity(
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
        deal._history_user = owner
        lines = self._lines(rng, group)
        if not lines:
            # A typed amount: round thousands, median about 150,000 SEK.
            thousands = min(5000, max(10, round(rng.lognormvariate(5.0, 0.9))))
            deal.amount = Decimal(thousands) * Decimal("1000.00")
        services.apply_lines(deal, lines)
        roll = rng.random()
        if roll < WON_SHARE:
            self._won(rng, deal)
        elif roll < WON_SHARE + LOST_SHARE:
            self._lost(rng, deal)
        else:
            self._open(rng, deal)
        services.apply_probability_rule(deal)
        deal.weighted_amount = weighted(deal.amount, deal.probability)  # as Opportunity.save
        made = _Deal(deal, lines)
        contacts = self.contacts.get(account_id, [])
        if contacts and (deal.stage.requires_contact or rng.random() < 0.75):
            made.contact_ids = rng.sample(contacts, k=min(len(contacts), rng.choice((1, 1, 2))))
        if len(self.owners) > 1 and rng.random() < 0.08:
            made.co_responsible_ids = [rng.choice([u.pk for u in self.owners if u != owner])]
        return made

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
                OpportunityLine(
                    product=product,
                    quantity=Decimal(quantity),
                    unit_price=product.list_price,
                    discount_percent=Decimal(rng.choice(DISCOUNTS)),
                    unit_cost=product.unit_cost,
                )
            )
        return lines

    def _open(self, rng: random.Random, deal: Opportunity) -> None:
        stage = rng.choices(self.open_stages, weights=self.funnel)[0]
        if rng.random() < MANUAL_PROBABILITY_SHARE:
            deal.is_probability_manual = True
            deal.probability = _other_probability(rng, stage.default_probability)
        if rng.random() < OVERDUE_SHARE:
            deal.expected_close_date = self.today - timedelta(days=rng.randint(1, 182))
        else:
            deal.expected_close_date = self.today + timedelta(days=int(rng.triangular(1, 365, 45)))
        if rng.random() < LONG_IN_STAGE_SHARE:
            in_stage = rng.randint(self.stale_days + 1, max(self.stale_days + 1, 240))
        else:
            in_stage = rng.randint(0, self.stale_days)
        services.enter_stage(deal, stage, today=self.today - timedelta(days=in_stage))
        services.apply_probability_rule(deal)
        if stage.requires_next_action or rng.random() < 0.65:
            deal.next_action_date = self.today + timedelta(days=rng.randint(-14, 45))
            deal.next_step = rng.choice(NEXT_STEPS)
        if rng.random() < 0.05:
            kind = ForecastCategory.Kind.OMITTED
        elif deal.probability >= 75:
            kind = ForecastCategory.Kind.COMMIT
        elif deal.probability >= 50:
            kind = ForecastCategory.Kind.BEST_CASE
        else:
            kind = ForecastCategory.Kind.PIPELINE
        deal.forecast_category_id = self.forecast.get(kind)

    def _closed(self, rng: random.Random, deal: Opportunity) -> date:
        closed = self.today - timedelta(days=rng.randint(1, 182))
        deal.closed_date = closed
        deal.closed_by = deal.owner
        deal.expected_close_date = closed + timedelta(days=rng.randint(-30, 21))
        return closed

    def _won(self, rng: random.Random, deal: Opportunity) -> None:
        closed = self._closed(rng, deal)
        services.enter_stage(deal, self.won_stage, today=closed)
        services.mark_won(deal, user=deal.owner, closed_date=closed)
        deal.forecast_category_id = self.forecast.get(ForecastCategory.Kind.COMMIT)
        if rng.random() < 0.4:
            deal.win_loss_report = rng.choice(WIN_REPORTS)

    def _lost(self, rng: random.Random, deal: Opportunity) -> None:
        closed = self._closed(rng, deal)
        lost_in = rng.choices(self.open_stages, weights=self.funnel)[0]
        services.enter_stage(deal, lost_in, today=closed - timedelta(days=rng.randint(0, 60)))
        reason = LossReason(pk=rng.choice(self.loss_reasons))
        services.mark_lost(deal, user=deal.owner, loss_reason=reason, closed_date=closed)
        deal.forecast_category_id = self.forecast.get(ForecastCategory.Kind.OMITTED)
        if rng.random() < 0.5:
            deal.win_loss_report = rng.choice(LOSS_REPORTS)


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

    def handle(self, *args, **options):
        started = time.monotonic()
        deals = options["deals"]
        accounts = options["accounts"]
        if accounts is None:
            accounts = max(60, deals // 20)
        rng = random.Random(options["seed"])
        with transaction.atomic():
            users = self.ensure_users()
            self.ensure_lookups()
            self.ensure_catalogue()
            new_accounts = self.ensure_accounts(rng, users, accounts)
            new_deals = self.ensure_deals(options["seed"], users, deals)
        call_command(
            "seed_activities",
            activities=options["activities"],
            seed=options["seed"],
            stdout=self.stderr,
        )
        call_command("seed_quotes", seed=options["seed"], stdout=self.stderr)
        self.analyze()
        self.stderr.write(
            f"Demo data ready: {new_accounts} new accounts, {new_deals} new deals "
            f"in {time.monotonic() - started:.1f} s."
        )

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
        accounts = []
        while len(accounts) < missing:
            name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} {rng.choice(FORMS)}"
            if name in taken:
                name = f"{name} {len(taken) + 1}"
            taken.add(name)
            city, region, country = rng.choice(PLACES)
            accounts.append(
                Account(
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
        new_accounts = bulk_create_with_history(accounts, Account, batch_size=2000)
        contacts = []
        for account in new_accounts:
            for _ in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                contacts.append(
                    Contact(
                        account=account,
                        first_name=first,
                        last_name=last,
                        title=rng.choice(TITLES),
                        role=rng.choice(roles) if roles else None,
                        email=f"{first}.{last}@example.com".lower(),
                        phone=f"+46 8 {rng.randint(100, 999)} {rng.randint(10, 99)} 00",
                    )
                )
        bulk_create_with_history(contacts, Contact, batch_size=2000)
        return len(accounts)

    def ensure_deals(self, seed: int, users, wanted: int) -> int:
        """Add deals until there are `wanted`; returns how many were made."""
        existing = Opportunity.objects.count()
        missing = wanted - existing
        if missing <= 0:
            return 0
        salespeople = set(role_group(Role.SALESPERSON).user_set.values_list("pk", flat=True))
        owners = sorted((u for u in users if u.pk in salespeople), key=lambda u: u.username)
        maker = _DealMaker(
            owners=owners,
            today=timezone.localdate(),
            stale_days=CompanySettings.load().stale_days,
        )
        if not maker.ready():
            self.stderr.write(
                "No deals made: accounts, salespeople, open stages or loss reasons missing."
            )
            return 0
        # Seeded by the count too, so a top-up run does not repeat the first run's deals.
        rng = random.Random(f"{seed}:deals:{existing}")
        made = 0
        while made < missing:
            batch = [maker.make(rng) for _ in range(min(CHUNK, missing - made))]
            self._write(batch)
            made += len(batch)
        return made

    def _write(self, batch: list[_Deal]) -> None:
        reason = Origin.SYSTEM.value
        deals = [item.deal for item in batch]
        bulk_create_with_history(deals, Opportunity, batch_size=1000, default_change_reason=reason)
        lines, contacts, co_responsible = [], [], []
        ContactLink = Opportunity.contacts.through
        CoLink = Opportunity.co_responsible.through
        for item in batch:
            deal_id = item.deal.pk
            for line in item.lines:
                line.opportunity_id = deal_id
                line._history_user = item.deal.owner
                lines.append(line)
            contacts += [
                ContactLink(opportunity_id=deal_id, contact_id=c) for c in item.contact_ids
            ]
            co_responsible += [
                CoLink(opportunity_id=deal_id, user_id=u) for u in item.co_responsible_ids
            ]
        bulk_create_with_history(
            lines, OpportunityLine, batch_size=1000, default_change_reason=reason
        )
        ContactLink.objects.bulk_create(contacts, batch_size=1000)
        CoLink.objects.bulk_create(co_responsible, batch_size=1000)
