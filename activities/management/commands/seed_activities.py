"""Demo and volume activities over the existing accounts, contacts, deals and users.

Idempotent: tops the table up to --activities rows. Rows are written with plain bulk_create in
batches, without a history row each: a volume seed is not a user's change, and skipping the
history halves the rows written (a million activities take a few minutes on PostgreSQL).
"""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Contact
from activities.agenda import company_today, company_tz, day_start
from activities.models import Activity, ActivityType
from opportunities.models import Opportunity

BATCH = 5_000
HALF_YEAR = 182
DEFAULT_TYPES = (
    ("Meeting", ActivityType.Kind.MEETING, 10),
    ("Phone call", ActivityType.Kind.CALL, 20),
    ("E-mail", ActivityType.Kind.EMAIL, 30),
    ("Seminar", ActivityType.Kind.SEMINAR, 40),
    ("Task", ActivityType.Kind.TASK, 50),
    ("Note", ActivityType.Kind.NOTE, 60),
)
# How often each kind occurs, and the subjects it draws from.
KIND_WEIGHTS = {
    ActivityType.Kind.MEETING: 25,
    ActivityType.Kind.CALL: 30,
    ActivityType.Kind.EMAIL: 20,
    ActivityType.Kind.SEMINAR: 3,
    ActivityType.Kind.TASK: 15,
    ActivityType.Kind.NOTE: 7,
}
SUBJECTS = {
    ActivityType.Kind.MEETING: (
        "Needs analysis",
        "Product demo",
        "Presentation for the board",
        "Negotiation meeting",
        "Kick-off",
        "Quarterly review",
    ),
    ActivityType.Kind.CALL: (
        "Follow up the quote",
        "Check budget and timing",
        "Introduce the pilot",
        "Call about the contract",
        "Reference call",
    ),
    ActivityType.Kind.EMAIL: (
        "Sent the quote",
        "Sent the product sheet",
        "Answered questions on licences",
        "Sent meeting notes",
    ),
    ActivityType.Kind.SEMINAR: ("Customer seminar", "Breakfast seminar", "Partner day"),
    ActivityType.Kind.TASK: (
        "Prepare the quote",
        "Update the pipeline",
        "Book a meeting",
        "Send the contract",
        "Check the credit rating",
    ),
    ActivityType.Kind.NOTE: ("Notes from the fair", "Org. change at the customer", "Note"),
}
DURATIONS = {
    ActivityType.Kind.MEETING: (30, 60, 90, 120),
    ActivityType.Kind.CALL: (10, 15, 30),
    ActivityType.Kind.EMAIL: (5, 10),
    ActivityType.Kind.SEMINAR: (120, 180, 240),
    ActivityType.Kind.NOTE: (0,),
}


class Command(BaseCommand):
    help = "Top the activities up to --activities, spread over accounts, deals, users, ±6 months."

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, default=500, help="activities wanted in all")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, activities: int, seed: int, **options):
        missing = activities - Activity.objects.count()
        if missing <= 0:
            self.stdout.write(f"Activities: {Activity.objects.count()} already, none added.")
            return
        rng = random.Random(seed + Activity.objects.count())
        users = list(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
        accounts = list(Account.objects.values_list("pk", flat=True))
        if not users or not accounts:
            raise CommandError("No users or accounts yet: run seed_demo first.")
        contacts = defaultdict(list)
        for pk, account_id in Contact.objects.values_list("pk", "account_id").iterator():
            contacts[account_id].append(pk)
        deals = defaultdict(list)
        for deal in Opportunity.objects.values_list("pk", "account_id", "owner_id").iterator():
            deals[deal[1]].append((deal[0], deal[2]))
        types = self.ensure_types()
        kinds = list(KIND_WEIGHTS)
        weights = [KIND_WEIGHTS[k] for k in kinds]
        context = {
            "rng": rng,
            "users": users,
            "accounts": accounts,
            "contacts": contacts,
            "deals": deals,
            "types": types,
            "now": timezone.now(),
            "today": company_today(),
            "tz": company_tz(),
        }
        created = 0
        while created < missing:
            size = min(BATCH, missing - created)
            batch_kinds = rng.choices(kinds, weights=weights, k=size)
            rows = [self.build(kind, **context) for kind in batch_kinds]
            with transaction.atomic():
                Activity.objects.bulk_create(rows, batch_size=BATCH)
            created += size
            if missing > BATCH:
                self.stderr.write(f"  {created}/{missing}")
        self.stdout.write(f"Activities: {created} added, {activities} in all.")

    def ensure_types(self) -> dict:
        by_kind = {}
        for name, kind, order in DEFAULT_TYPES:
            found = ActivityType.objects.filter(kind=kind, is_active=True).first()
            if found is None:
                found, _created = ActivityType.objects.get_or_create(
                    name=name, defaults={"kind": kind, "order": order}
                )
            by_kind[kind] = found
        return by_kind

    def build(self, kind, *, rng, users, accounts, contacts, deals, types, now, today, tz):
        account_id = rng.choice(accounts)
        owner_id = rng.choice(users)
        opportunity_id = None
        account_deals = deals.get(account_id)
        if account_deals and rng.random() < 0.5:
            opportunity_id, deal_owner = rng.choice(account_deals)
            if rng.random() < 0.8:
                owner_id = deal_owner
        account_contacts = contacts.get(account_id)
        contact_id = (
            rng.choice(account_contacts) if account_contacts and rng.random() < 0.7 else None
        )
        day = today + timedelta(days=rng.randint(-HALF_YEAR, HALF_YEAR))
        activity = Activity(
            type=types[kind],
            subject=rng.choice(SUBJECTS[kind]),
            owner_id=owner_id,
            account_id=account_id,
            contact_id=contact_id,
            opportunity_id=opportunity_id,
        )
        if kind == ActivityType.Kind.TASK:
            activity.due_date = day
            activity.start = day_start(day)
        else:
            start = datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))), tz)
            minutes = rng.choice(DURATIONS[kind])
            activity.start = start
            activity.end = start + timedelta(minutes=minutes) if minutes else None
        if activity.start < now and rng.random() < 0.85:
            activity.is_done = True
            activity.completed_at = activity.end or activity.start
        return activity
