from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserChoiceField
from accounts.models import BusinessArea, LeadSource
from opportunities.forms import DateInput
from opportunities.models import DealType, ForecastCategory, Product

from .models import SavedReport
from .periods import PERIOD_ERROR, Period, parse_pick, pick_choices


class PeriodForm(forms.Form):
    """A period as start–end, or as a month / quarter / year pick (the pick wins)."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    pick = forms.CharField(label=_("Period"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer the usual periods; any year, quarter (2026-Q3) or month (2026-07) is accepted.
        choices = [("", _("Custom dates"))] + pick_choices()
        pick = self.data.get("pick", "")
        if pick and pick not in dict(choices) and parse_pick(pick):
            choices.append((pick, pick))
        self.fields["pick"].widget = forms.Select(choices=choices)

    def clean_pick(self) -> str:
        pick = self.cleaned_data["pick"].strip()
        if pick and parse_pick(pick) is None:
            raise forms.ValidationError(
                _("Pick a year (2026), a quarter (2026-Q3) or a month (2026-07)."), code="pick"
            )
        return pick

    def clean(self):
        cleaned = super().clean()
        pick = cleaned.get("pick")
        if pick:
            period = parse_pick(pick)
            cleaned["start"], cleaned["end"] = period.start, period.end
        start, end = cleaned.get("start"), cleaned.get("end")
        if not start or not end or start > end:
            raise forms.ValidationError(PERIOD_ERROR, code="period")
        return cleaned

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])


class PipelineFilterForm(PeriodForm):
    owner = UserChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("Owner"),
    )
    business_area = forms.ModelChoiceField(
        queryset=BusinessArea.objects.all(), required=False, label=_("Business area")
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), required=False, label=_("Product")
    )
    deal_type = forms.ModelChoiceField(
        queryset=DealType.objects.all(), required=False, label=_("Deal type")
    )
    source = forms.ModelChoiceField(
        queryset=LeadSource.objects.all(), required=False, label=_("Source")
    )
    forecast_category = forms.ModelChoiceField(
        queryset=ForecastCategory.objects.all(), required=False, label=_("Forecast category")
    )

    DEAL_FILTERS = ("owner", "business_area", "product", "deal_type", "source", "forecast_category")

    def deal_filters(self) -> dict:
        """The chosen filters, as the deal list's query parameters (for drill-down links)."""
        return {
            name: self.cleaned_data[name].pk
            for name in self.DEAL_FILTERS
            if self.cleaned_data.get(name) is not None
        }


def first_of_month(value: date) -> date:
    return value.replace(day=1)


class SaveReportForm(forms.ModelForm):
    class Meta:
        model = SavedReport
        fields = ("name", "kind", "query", "is_shared")
        widgets = {"kind": forms.HiddenInput, "query": forms.HiddenInput}
