"""The CRM's users as every page names, lists and picks them.

A person is shown by `display_name` (full name, else the username) on every page, in every
export, history entry and e-mail; templates use the `display_name` filter (`{% load crm %}`,
and the Jinja2 rows' filter of the same name). Lists of people sort by `display_name_key`.
"""

import django_filters
import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from .choices import IdsChoiceField, ListedChoiceField, ListedFilterField


def display_name(user: AbstractBaseUser | None) -> str:
    """The person's full name, else their username; "" for no one."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def display_name_key(user: AbstractBaseUser) -> tuple[str, int]:
    """Sort key of a list of people: by `display_name`, case-insensitively, then by id."""
    return display_name(user).lower(), user.pk


def active_users():
    """The users a form offers (owner, co-responsible), in the order the database sorts."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


class UserChoiceField(ListedChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class UserMultipleChoiceField(IdsChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class UserChoiceFilterField(ListedFilterField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class UserFilter(django_filters.ModelChoiceFilter):
    """A filter by one active user (an owner), named as the tables and forms name people."""

    field_class = UserChoiceFilterField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "queryset",
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("first_name", "last_name", "username"),
        )
        super().__init__(*args, **kwargs)


class UserColumn(tables.Column):
    """A person in a table and its export, by `display_name`."""

    def render(self, value) -> str:
        return display_name(value)

    def value(self, value) -> str:
        return display_name(value)
