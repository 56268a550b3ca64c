"""A person's one name (`pipeline_crm.users.display_name`) and the user pickers."""

import pytest
from django.db import connection
from django.forms.models import ModelChoiceField, ModelChoiceIterator
from django.template import engines
from django.test.utils import CaptureQueriesContext

from pipeline_crm import choices
from pipeline_crm.users import (
    UserChoiceField,
    UserColumn,
    UserFilter,
    active_users,
    display_name,
    display_name_key,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_display_name_is_the_full_name_else_the_username():
    assert display_name(UserFactory(first_name="Anna", last_name="Berg")) == "Anna Berg"
    assert display_name(UserFactory(username="erik", first_name="", last_name="")) == "erik"
    assert display_name(None) == ""


def test_templates_and_jinja_rows_name_people_alike():
    user = UserFactory(username="ingrid", first_name="", last_name="")
    django_html = engines["django"].from_string("{% load crm %}{{ u|display_name }}")
    jinja_html = engines["jinja2"].from_string("{{ u|display_name }}")
    assert django_html.render({"u": user}) == jinja_html.render({"u": user}) == "ingrid"
    named = UserFactory(first_name="Ö<b>", last_name="Ås")
    assert django_html.render({"u": named}) == "Ö&lt;b&gt; Ås"  # escaped as everything else


def test_lists_of_people_sort_by_their_names():
    b = UserFactory(username="zed", first_name="bo", last_name="")
    a = UserFactory(username="adam", first_name="", last_name="")
    c = UserFactory(username="cid", first_name="Carl", last_name="")
    assert sorted([c, b, a], key=display_name_key) == [a, b, c]


def test_pickers_columns_and_filters_use_the_name():
    user = UserFactory(username="magnus", first_name="", last_name="")
    field = UserChoiceField(queryset=active_users())
    assert (user.pk, "magnus") in [(getattr(v, "value", v), label) for v, label in field.choices]
    column = UserColumn()
    assert column.render(user) == column.value(user) == "magnus"
    assert UserFilter().field.label_from_instance(user) == "magnus"


def test_no_model_choice_field_class_is_patched():
    """Django's and django-filter's fields iterate as they ship; the listed fields are ours."""
    assert ModelChoiceField.iterator is ModelChoiceIterator
    assert UserChoiceField.iterator is choices.QuerySetChoices


def test_a_listed_field_reads_its_rows_once():
    UserFactory.create_batch(3)
    field = UserChoiceField(queryset=active_users())
    with CaptureQueriesContext(connection) as queries:
        first = [choice for choice in field.choices]  # as a select renders them
        second = [choice for choice in field.choices]
    assert len(queries) == 1
    assert len(first) == len(second) == 4  # the empty choice and three users
