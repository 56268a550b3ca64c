import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from accounts.models import BusinessArea
from opportunities.filters import LookupFilter
from pipeline_crm.bounds import BoundedDateFilter
from pipeline_crm.filters import SearchFilter
from pipeline_crm.roles import is_manager
from pipeline_crm.users import UserFilter

from . import kept_totals
from .models import Quote

OUTSTANDING = "outstanding"
MINE, TEAM = "mine", "team"


class QuoteFilter(django_filters.FilterSet):
    """The quote list's filters. Without parameters: the outstanding quotes (sent, not yet
    answered) of the user's own deals, or of the whole team for a manager."""

    q = SearchFilter(_("Number, deal or account"))
    scope = django_filters.ChoiceFilter(
        method="filter_scope",
        label=_("Whose"),
        choices=[(MINE, _("Mine")), (TEAM, _("The team's"))],
        empty_label=None,
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        label=_("Status"),
        choices=[(OUTSTANDING, _("Outstanding")), *Quote.Status.choices],
        empty_label=_("All"),
    )
    owner = UserFilter(field_name="owner", label=_("Owner"))  # the kept owner
    business_area = LookupFilter(
        model=BusinessArea, field_name="opportunity__business_area", label=_("Business area")
    )
    valid_until_before = BoundedDateFilter(
        field_name="valid_until", lookup_expr="lte", label=_("Valid until on or before")
    )
    sent_from = BoundedDateFilter(
        field_name="sent_at", lookup_expr="date__gte", label=_("Sent from")
    )
    sent_to = BoundedDateFilter(field_name="sent_at", lookup_expr="date__lte", label=_("Sent to"))

    class Meta:
        model = Quote
        fields = ()

    def __init__(self, data=None, *args, request=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", OUTSTANDING)
        if request is not None:
            data.setdefault("scope", TEAM if is_manager(request.user) else MINE)
        super().__init__(data, *args, request=request, **kwargs)

    def kept_keys(self) -> dict | None:
        """The kept totals' keys (`kept_totals.totals`) that select the filtered quotes: the
        status and the owner of the team's quotes. None where another filter is in use, for
        "mine" (owned or shared), where the filters are invalid or the totals are not kept."""
        if not kept_totals.enabled() or not self.is_valid():
            return None
        used = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in EMPTY_VALUES
        }
        if used.pop("scope", None) != TEAM or set(used) - {"status", "owner"}:
            return None
        status = used.get("status")
        return {
            "status": Quote.Status.SENT.value if status == OUTSTANDING else status,
            "owner": used["owner"].pk if "owner" in used else None,
        }

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.matching(value)

    def filter_scope(self, queryset, name, value):
        if value == MINE and self.request is not None:
            return queryset.owned_by(self.request.user)
        return queryset

    def filter_status(self, queryset, name, value):
        if value == OUTSTANDING:
            return queryset.outstanding()
        return queryset.filter(status=value) if value else queryset
