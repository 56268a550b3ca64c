from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opportunities.forms import DateInput
from pipeline_crm.bounds import ID_MAX, BoundedDateFilter
from pipeline_crm.filters import SearchFilter
from pipeline_crm.users import UserFilter

from .agenda import day_start
from .models import Activity, ActivityType

DONE_CHOICES = (("no", _("Not done")), ("yes", _("Done")))


class IdFilter(django_filters.NumberFilter):
    """An id in the query string: a whole number from 1 to the largest bigint.

    django-filter's NumberFilter reads a Decimal, and a Decimal past 64 bits reached SQLite
    as an OverflowError (`?account=9999999999999999999999999`, a 500); anything else is the
    filter form's error, and the filter is left out.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class AgendaFilter(django_filters.FilterSet):
    """The agenda's filters. Without parameters: my activities that are not done."""

    q = SearchFilter(_("Subject or account"))
    type = django_filters.ModelChoiceFilter(
        queryset=ActivityType.objects.all(), label=_("Type"), empty_label=_("All types")
    )
    owner = UserFilter(label=_("Owner"), empty_label=_("Everyone"))
    done = django_filters.ChoiceFilter(
        choices=DONE_CHOICES, method="filter_done", label=_("Status"), empty_label=_("All")
    )
    date_from = BoundedDateFilter(method="filter_from", label=_("From"), widget=DateInput())
    date_to = BoundedDateFilter(method="filter_to", label=_("To"), widget=DateInput())
    account = IdFilter(field_name="account_id", widget=forms.HiddenInput)
    contact = IdFilter(field_name="contact_id", widget=forms.HiddenInput)
    opportunity = IdFilter(field_name="opportunity_id", widget=forms.HiddenInput)

    class Meta:
        model = Activity
        fields = ()

    def __init__(self, data=None, *args, request=None, **kwargs):
        if data is not None and request is not None:
            data = data.copy()
            # Defaults apply only when a parameter is absent; `owner=` means everyone.
            data.setdefault("owner", str(request.user.pk))
            data.setdefault("done", "no")
        super().__init__(data, *args, request=request, **kwargs)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(subject__icontains=value) | Q(account__name__icontains=value))

    def filter_done(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(is_done=True)
        if value == "no":
            return queryset.filter(is_done=False)
        return queryset

    def filter_from(self, queryset, name, value):
        return queryset.filter(start__gte=day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(start__lt=day_start(value + timedelta(days=1)))

    @property
    def shows_done_only(self) -> bool:
        return self.form.is_valid() and self.form.cleaned_data.get("done") == "yes"
