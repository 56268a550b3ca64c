import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from pipeline_crm.filters import SearchFilter
from pipeline_crm.users import UserFilter

from .models import Account, BusinessArea, Contact, ContactRole, CustomerType, Industry, Segment

NONE = _("(none)")  # the choice of an optional foreign key left empty


class AccountFilter(django_filters.FilterSet):
    q = SearchFilter(_("Name, org. number or city"))
    customer_type = django_filters.ModelChoiceFilter(
        queryset=CustomerType.objects.all(), label=_("Customer type"), null_label=NONE
    )
    segment = django_filters.ModelChoiceFilter(
        queryset=Segment.objects.all(), label=_("Segment"), null_label=NONE
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=Industry.objects.all(), label=_("Industry"), null_label=NONE
    )
    business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.all(), label=_("Business area"), null_label=NONE
    )
    owner = UserFilter(label=_("Owner"), null_label=NONE)
    country = django_filters.ChoiceFilter(choices=countries, label=_("Country"))
    is_active = django_filters.BooleanFilter(
        label=_("Active"),
        widget=forms.Select(
            choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))]
        ),
    )

    class Meta:
        model = Account
        fields = ()

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class ContactFilter(django_filters.FilterSet):
    q = SearchFilter(_("Name, e-mail or account"))
    role = django_filters.ModelChoiceFilter(
        queryset=ContactRole.objects.all(), label=_("Role"), null_label=NONE
    )
    account__business_area = django_filters.ModelChoiceFilter(
        queryset=BusinessArea.objects.all(), label=_("Business area"), null_label=NONE
    )
    account__segment = django_filters.ModelChoiceFilter(
        queryset=Segment.objects.all(), label=_("Segment"), null_label=NONE
    )

    class Meta:
        model = Contact
        fields = ()

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
