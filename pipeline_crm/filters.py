"""Filters every list page shares (django-filter)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class SearchFilter(django_filters.CharFilter):
    """A list's search box (`?q=`): a search input showing `placeholder`, filtered by the
    FilterSet's `filter_search(queryset, name, text)`; an empty box filters nothing."""

    def __init__(self, placeholder: str, **kwargs):
        kwargs.setdefault("method", "filter_search")
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": placeholder, "type": "search"})
        )
        super().__init__(**kwargs)
