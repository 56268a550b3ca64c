"""Realistic Nordic demo data; idempotent, with volume options for benchmarks."""

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
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
from pipeline_crm.roles import SALES_MANAGER, SALESPERSON

DEMO_PASSWORD = "pipeline-demo"  # noqa: S105 - printed by `make run` for the demo logins
DEMO_USERS = (
    # username, first, last, group (None = administrator)
    ("anna", "Anna", "Lindqvist", SALESPERSON),
    ("erik", "Erik", "Johansson", SALESPERSON),
    ("ingrid", "Ingrid", "Hansen", SALESPERSON),
    ("magnus", "Magnus", "Berg", SALES_MANAGER),
    ("admin", "Astrid", "Admin", None),
)
AREAS = ("Öst", "Väst", "Syd", "Norr")
INDUSTRIES = ("Manufacturing", "Retail", "Construction", "Healthcare", "IT services", "Energy")
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


class Command(BaseCommand):
    help = "Create demo users, lookups, accounts and contacts (idempotent; volume options)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=60, help="accounts wanted in all")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        users = self.ensure_users()
        self.ensure_lookups()
        created = self.ensure_accounts(rng, users, options["accounts"])
        self.stderr.write(f"Demo data ready: {created} new accounts.")

    def ensure_users(self):
        User = get_user_model()
        users = []
        for username, first, last, group_name in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": group_name is None,
                    "is_superuser": group_name is None,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            users.append(user)
        return users

    def ensure_lookups(self):
        for order, name in enumerate(AREAS, start=1):
            BusinessArea.objects.get_or_create(name=name, defaults={"order": order * 10})
        for order, name in enumerate(INDUSTRIES, start=1):
            Industry.objects.get_or_create(name=name, defaults={"order": order * 10})

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
        bulk_create_with_history(accounts, Account, batch_size=2000)
        new_accounts = list(Account.objects.filter(name__in=[a.name for a in accounts]))
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
