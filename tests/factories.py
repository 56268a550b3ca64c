import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("secret-pass-123")


class LookupFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        django_get_or_create = ("name",)

    order = factory.Sequence(lambda n: n)


class BusinessAreaFactory(LookupFactory):
    class Meta:
        model = BusinessArea

    name = factory.Sequence(lambda n: f"Area {n}")


class SegmentFactory(LookupFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")


class IndustryFactory(LookupFactory):
    class Meta:
        model = Industry

    name = factory.Sequence(lambda n: f"Industry {n}")


class CustomerTypeFactory(LookupFactory):
    class Meta:
        model = CustomerType

    name = factory.Sequence(lambda n: f"Type {n}")


class ContactRoleFactory(LookupFactory):
    class Meta:
        model = ContactRole

    name = factory.Sequence(lambda n: f"Role {n}")


class LeadSourceFactory(LookupFactory):
    class Meta:
        model = LeadSource

    name = factory.Sequence(lambda n: f"Source {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n:04d} AB")
    org_number = factory.Sequence(lambda n: f"556{n:07d}")
    business_area = factory.SubFactory(BusinessAreaFactory)
    segment = factory.SubFactory(SegmentFactory)
    industry = factory.SubFactory(IndustryFactory)
    customer_type = factory.SubFactory(CustomerTypeFactory)
    owner = factory.SubFactory(UserFactory)
    city = "Stockholm"
    country = "SE"
    yearly_revenue = Decimal("12500000.00")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@example.com".lower())
    role = factory.SubFactory(ContactRoleFactory)


# --- opportunities -------------------------------------------------------------------------------


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "opportunities.Stage"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(lambda n: 100 + n)
    default_probability = 10


def _prospect():
    """The shipped first stage; a test run after a flush (transaction=True) makes it again."""
    return StageFactory(name="Prospect", order=1, default_probability=10)


class ProductGroupFactory(LookupFactory):
    class Meta:
        model = "opportunities.ProductGroup"

    name = factory.Sequence(lambda n: f"Group {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "opportunities.Product"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Product {n}")
    group = factory.SubFactory(ProductGroupFactory)
    list_price = Decimal("1000.00")
    unit_cost = Decimal("600.00")


class LossReasonFactory(LookupFactory):
    class Meta:
        model = "opportunities.LossReason"

    name = factory.Sequence(lambda n: f"Reason {n}")


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A saved open deal; probability and weighted value as the rules would set them."""

    class Meta:
        model = "opportunities.Opportunity"

    name = factory.Sequence(lambda n: f"Deal {n:04d}")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(UserFactory)
    business_area = factory.LazyAttribute(lambda o: o.account.business_area)
    stage = factory.LazyFunction(lambda: _prospect())
    probability = factory.LazyAttribute(lambda o: o.stage.default_probability)
    amount = Decimal("100000.00")
    expected_close_date = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=30)
    )


# --- activities ----------------------------------------------------------------------------------


def _activity_type(name: str):
    from activities.models import ActivityType

    # The `name` column (English), whatever language a test made active: modeltranslation
    # would otherwise read `name` as the active language's column.
    return ActivityType.objects.all().rewrite(False).get(name=name)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    from activities.agenda import day_start

    return day_start(day)


class ActivityTypeFactory(LookupFactory):
    class Meta:
        model = "activities.ActivityType"

    name = factory.Sequence(lambda n: f"Activity type {n}")
    kind = "meeting"


class ActivityFactory(factory.django.DjangoModelFactory):
    """A planned one-hour meeting tomorrow; `task=True` makes a task due tomorrow instead."""

    class Meta:
        model = "activities.Activity"

    class Params:
        task = factory.Trait(
            type=factory.LazyFunction(lambda: _activity_type("Task")),
            due_date=factory.LazyFunction(
                lambda: datetime.date.today() + datetime.timedelta(days=1)
            ),
            start=factory.LazyAttribute(lambda a: _start_of_day(a.due_date)),
            end=None,
        )

    type = factory.LazyFunction(lambda: _activity_type("Meeting"))
    subject = factory.Sequence(lambda n: f"Activity {n:04d}")
    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(UserFactory)
    start = factory.LazyFunction(
        lambda: (
            datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(days=1)
        )
    )
    end = factory.LazyAttribute(lambda a: a.start + datetime.timedelta(hours=1))
    is_done = False
    completed_at = factory.Maybe(
        "is_done",
        yes_declaration=factory.LazyAttribute(lambda a: a.end or a.start),
        no_declaration=None,
    )


class DocumentFactory(factory.django.DjangoModelFactory):
    """A small text document on an account (pass account=None, opportunity=deal for a deal)."""

    class Meta:
        model = "activities.Document"

    account = factory.SubFactory(AccountFactory)
    opportunity = None
    file = factory.django.FileField(filename="notes.txt", data=b"Meeting notes\n")
    original_name = "notes.txt"
    size = factory.LazyAttribute(lambda d: d.file.size)
    content_type = "text/plain"
    uploaded_by = factory.SubFactory(UserFactory)


# --- history -------------------------------------------------------------------------------------


def add_history_records(obj, count: int, *, change: str, seconds: int = 1):
    """`count` history records of `obj` after its creation, each changing `change`, as saves
    would leave them, `seconds` apart."""
    model = type(obj).history.model
    latest = obj.history.latest()
    start = latest.history_date.replace(microsecond=0) + datetime.timedelta(minutes=1)
    step = datetime.timedelta(seconds=seconds)
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "history_id"]
    records = []
    for number in range(count):
        values = {name: getattr(latest, name) for name in fields}
        values.update(history_type="~", history_date=start + number * step)
        values[change] = _changed_value(getattr(latest, change), number)
        records.append(model(**values))
    model.objects.bulk_create(records)


def _changed_value(value, number: int):
    if isinstance(value, Decimal):
        return Decimal(1000 + number)
    return f"{value} {number}"


# --- quotes --------------------------------------------------------------------------------------


class QuoteFactory(factory.django.DjangoModelFactory):
    """A draft quote without lines; add lines with QuoteLineFactory and then
    `quotes.services.quote_totals` if a test reads the stored totals."""

    class Meta:
        model = "quotes.Quote"

    opportunity = factory.SubFactory(OpportunityFactory)
    version = factory.Sequence(lambda n: n + 1)
    created_by = factory.LazyAttribute(lambda q: q.opportunity.owner)
    currency = "SEK"


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "quotes.QuoteLine"

    quote = factory.SubFactory(QuoteFactory)
    product = factory.SubFactory(ProductFactory)
    description = factory.LazyAttribute(lambda line: line.product.name)
    quantity = Decimal("1")
    unit_price = Decimal("1000.00")
    unit_cost = Decimal("600.00")
