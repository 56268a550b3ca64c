"""The world the sweeps run in: one user per role of DESIGN.md and one object of each kind a
URL can name, every one of them belonging to Alice, so that for every other role it is
"another user's" object.

Alice also holds what must never leak to anyone else (`World.secrets`): her private saved
report and her calendar token. Every user gets a calendar token up front, so that opening
the calendar page (which creates one on first need) is no write.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.models import CalendarToken
from activities.services import add_document
from forecasting.models import Budget, SavedReport
from jobs.models import Job
from opportunities import services as deal_services
from opportunities.models import Competitor, OpportunityLine, Stage
from pipeline_crm.roles import SALES_MANAGER, SALESPERSON
from quotes import services as quote_services

from ..factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LossReasonFactory,
    OpportunityFactory,
    ProductFactory,
    UserFactory,
)

# Who asks, in the order the tables of expectations list them.
ROLES = ("anonymous", "owner", "co_responsible", "other", "groupless", "manager", "superuser")

PRIVATE_REPORT_NAME = "Alice's private pipeline zqx7"
PRIVATE_REPORT_QUERY = "pick=2026-Q3&q=alice-private-zqx7"


@dataclass
class World:
    users: dict  # role → user (anonymous → None)
    ids: dict  # kind → pk (or token) of Alice's object of that kind
    objects: dict  # kind → the object itself
    secrets: dict = field(default_factory=dict)  # text → the role allowed to see it

    def user(self, role: str):
        return self.users[role]


def _user(username: str, group: str | None = None, **extra):
    user = UserFactory(username=username, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def build_world() -> World:
    owner = _user("alice", SALESPERSON, first_name="Alice", last_name="Andersson")
    users = {
        "anonymous": None,
        "owner": owner,
        "co_responsible": _user("bob", SALESPERSON, first_name="Bob", last_name="Berg"),
        "other": _user("charlie", SALESPERSON, first_name="Charlie", last_name="Carlsson"),
        "groupless": _user("dora"),
        "manager": _user("magnus", SALES_MANAGER, first_name="Magnus", last_name="Manager"),
        "superuser": _user("astrid", is_staff=True, is_superuser=True, first_name="Astrid"),
    }
    account = AccountFactory(owner=owner)
    contact = ContactFactory(account=account)
    deal = OpportunityFactory(owner=owner, account=account)
    deal.co_responsible.add(users["co_responsible"])
    deal.contacts.add(contact)
    product = ProductFactory()
    line = OpportunityLine(opportunity=deal, product=product, quantity=Decimal("2"))
    deal_services.add_line(deal, line, user=owner)
    won = OpportunityFactory(owner=owner, account=account, name="Won deal")
    won.co_responsible.add(users["co_responsible"])
    deal_services.close_won(won, user=owner, seen_version=won.version)
    lost_reason = LossReasonFactory()
    activity = ActivityFactory(owner=owner, account=account, opportunity=deal)
    document = add_document(deal, SimpleUploadedFile("offer.txt", b"Offer for Alice\n"), user=owner)
    account_document = add_document(
        account, SimpleUploadedFile("minutes.txt", b"Minutes\n"), user=owner
    )
    report = SavedReport.objects.create(
        name=PRIVATE_REPORT_NAME,
        kind=SavedReport.Kind.PIPELINE,
        query=PRIVATE_REPORT_QUERY,
        owner=owner,
        is_shared=False,
    )
    Budget.objects.create(
        business_area=account.business_area,
        month=date.today().replace(day=1),
        amount=Decimal("500000.00"),
        salesperson=owner,
    )
    tokens = {role: CalendarToken.objects.create(user=user) for role, user in users.items() if user}
    stage = Stage.objects.get(pk=deal.stage_id)
    next_stage = Stage.objects.active().filter(is_won_stage=False, order__gt=stage.order).first()
    competitor = Competitor.objects.create(name="Rival AB")
    job = Job.objects.create(owner=owner, name="Import accounts: a.csv", runner="x")
    quote = quote_services.create_quote(deal, user=owner)
    sent_quote = quote_services.mark_sent(quote_services.create_quote(deal, user=owner), user=owner)
    ids = {
        "account": account.pk,
        "contact": contact.pk,
        "deal": deal.pk,
        "won_deal": won.pk,
        "line": line.pk,
        "stage": stage.pk,
        "next_stage": next_stage.pk,
        "competitor": competitor.pk,
        "activity": activity.pk,
        "document": document.pk,
        "account_document": account_document.pk,
        "saved_report": report.pk,
        "job": job.pk,
        "user": owner.pk,
        "loss_reason": lost_reason.pk,
        "product": product.pk,
        "quote": quote.pk,
        "quote_line": quote.lines.get().pk,
        "sent_quote": sent_quote.pk,
        # A well-formed token that is no one's: the feed answers only its own token.
        "ical_token": "n0-such-token-" + "x" * 20,
    }
    objects = {
        "account": account,
        "deal": deal,
        "won_deal": won,
        "activity": activity,
        "report": report,
        "tokens": tokens,
    }
    secrets = {
        PRIVATE_REPORT_NAME: "owner",
        "alice-private-zqx7": "owner",
        tokens["owner"].token: "owner",
    }
    return World(users=users, ids=ids, objects=objects, secrets=secrets)
