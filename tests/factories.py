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
