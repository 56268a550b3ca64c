"""Model choice fields whose options are read with one plain query, where that pays off.

Django iterates a ModelChoiceField's queryset with `.iterator()`, which on PostgreSQL opens a
server-side cursor: DECLARE, FETCH and CLOSE, three round trips for a dozen stages, and a field
rendered twice queries twice. The fields below (`ListedChoiceField`, `IdsChoiceField`,
`ListedFilterField`) read their rows with one SELECT that fills the queryset's cache instead.
They are for short lists by nature, lookup tables and the users, and are used explicitly where a
page renders several of them: the deal form and the deal filters (list, board). (The field's
queryset is a clone per form instance, so nothing is shared between requests.)

Measured at 100,000 deals, the same pages requested in turn with Django's iterator, these
fields and the former start-up patch of every field (CPU medians of 80 requests each, a
loaded machine): the deal edit form 64.9 / 58.6 / 59.2 ms, the board 79.7 / 76.1 / 76.2 ms,
the deal list 42.0 / 41.5 / 41.4 ms (its filter options come from the lookup cache).
No class of Django or django-filter
is changed: a field not listed here iterates as Django does. `tests/pipeline_crm/test_users.py`
checks that, and that a listed field reads its rows once.
"""

import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from .bounds import parse_id


class QuerySetChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        shown = getattr(self.field, "shown_rows", None)  # `lookups.cached_choices`
        for obj in self.queryset if shown is None else shown():
            yield self.choice(obj)


class FilterChoices(django_filters.fields.ModelChoiceIterator, QuerySetChoices):
    """django-filter's iterator (its "(none)" choice) over `QuerySetChoices`."""


class ListedChoiceField(forms.ModelChoiceField):
    """A model choice of a short list (a lookup, the users), read with one query."""

    iterator = QuerySetChoices


class ListedFilterField(django_filters.fields.ModelChoiceField):
    """A filter's model choice of a short list, read with one query, "(none)" included."""

    iterator = FilterChoices


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple model choice that takes ids only (`bounds.parse_id`), its options read with
    one query (a deal's contacts, its co-responsible users).

    Django checks each value on its own, then reads them all with `pk__in`, which has no guard
    for numbers past a bigint: on SQLite `selected=9999999999999999999999999` raised an
    OverflowError, a 500. Anything but an id is the field's "not a valid value" error.
    """

    iterator = QuerySetChoices

    def clean(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if parse_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


class DataSelect(forms.Select):
    """A model choice select whose options carry attributes of their rows for the page's
    scripts and styles: `DataSelect(option_data={"kind": "kind"})` gives
    `<option data-kind="task">`."""

    def __init__(self, attrs=None, *, option_data: dict[str, str]):
        super().__init__(attrs)
        self.option_data = option_data

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        row = getattr(value, "instance", None)
        if row is not None:
            for key, attribute in self.option_data.items():
                option["attrs"][f"data-{key}"] = getattr(row, attribute)
        return option
