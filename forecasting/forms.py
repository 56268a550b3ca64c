from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import BusinessArea, LeadSource
from opportunities.forms import DateInput
from opportunities.models import DealType, ForecastCategory, Product
from pipeline_crm.bounds import BoundedDateField, bounds_message
from pipeline_crm.lookups import LookupChoiceField
from pipeline_crm.users import UserChoiceField

from .models import SavedReport
from .periods import (
    BY_MONTH,
    BY_QUARTER,
    PERIOD_ERROR,
    RELATIVE_PICKS,
    Period,
    is_pick,
    parse_pick,
    pick_choices,
    pick_for,
    pick_label,
    relative_choices,
)

# The longest period a report covers, in the calendar months it touches. Issue 15.2: the
# salesperson grid from 0001-01-01 ran 67-100 s and made a 57 MB page, the trend 26 s; a period
# past these bounds is refused before any query runs. The longest allowed ones are timed by
# `bench_reports` (figures in the README).
MAX_MONTHS = 60


class PeriodForm(forms.Form):
    """A period as start–end, or as a month / quarter / year pick (the pick wins), at most
    `max_months` calendar months long."""

    max_months = MAX_MONTHS

    start = BoundedDateField(label=_("From"), required=False, widget=DateInput())
    end = BoundedDateField(label=_("To"), required=False, widget=DateInput())
    pick = forms.CharField(label=_("Period"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer the usual periods; any year, quarter (2026-Q3) or month (2026-07) is accepted.
        choices = [("", _("Custom dates"))] + pick_choices()
        pick = self.data.get("pick", "")
        if not pick and self.is_bound:
            # Dates that make exactly a month, quarter or year show as that period.
            try:
                start = date.fromisoformat(self.data.get("start", ""))
                end = date.fromisoformat(self.data.get("end", ""))
            except ValueError:
                start = end = None
            if start and end and (pick := pick_for(start, end)):
                self.data = self.data.copy()
                self.data["pick"] = pick
        if pick and pick not in dict(choices) and parse_pick(pick):
            choices.append((pick, pick_label(pick)))
        self.fields["pick"].widget = forms.Select(choices=choices)

    def clean_pick(self) -> str:
        pick = self.cleaned_data["pick"].strip()
        if pick and parse_pick(pick) is None and is_pick(pick):
            raise forms.ValidationError(bounds_message(), code="date_bounds")
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
        if self.has_error("start") or self.has_error("end") or self.has_error("pick"):
            return cleaned  # their own messages say what is wrong
        start, end = cleaned.get("start"), cleaned.get("end")
        if not start or not end or start > end:
            raise forms.ValidationError(PERIOD_ERROR, code="period")
        months = Period(start, end).month_count()
        if months > self.max_months:
            raise forms.ValidationError(
                ngettext(
                    "A report covers at most %(count)d month; choose a shorter period.",
                    "A report covers at most %(count)d months; choose a shorter period.",
                    self.max_months,
                ),
                code="period_too_long",
                params={"count": self.max_months},
            )
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
    business_area = LookupChoiceField(
        queryset=BusinessArea.objects.order_by("-is_active", "order", "name"),
        required=False,
        label=_("Business area"),
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


class BucketFilterForm(PipelineFilterForm):
    """The pipeline report's filters plus the columns: by month (default) or by quarter, at
    most `max_columns[by]` of them. The salesperson grid has four figures per column and a
    row per salesperson: a year by month is 1.5 MB and 2-3.5 s at 200 salespeople."""

    max_columns = {BY_MONTH: 12, BY_QUARTER: 8}

    by = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[(BY_MONTH, _("Month")), (BY_QUARTER, _("Quarter"))],
    )

    def clean_by(self) -> str:
        return self.cleaned_data["by"] or BY_MONTH

    def clean(self):
        cleaned = super().clean()
        by = cleaned.get("by")
        if self.errors or by is None:
            return cleaned
        period = Period(cleaned["start"], cleaned["end"])
        limit = self.max_columns[by]
        if by == BY_QUARTER and period.quarter_count() > limit:
            raise forms.ValidationError(
                ngettext(
                    "By quarter, the report shows at most %(count)d quarter; choose a "
                    "shorter period.",
                    "By quarter, the report shows at most %(count)d quarters; choose a "
                    "shorter period.",
                    limit,
                ),
                code="too_many_columns",
                params={"count": limit},
            )
        if by == BY_MONTH and period.month_count() > limit:
            raise forms.ValidationError(
                ngettext(
                    "By month, the report shows at most %(count)d month; choose a shorter "
                    "period or show it by quarter.",
                    "By month, the report shows at most %(count)d months; choose a shorter "
                    "period or show it by quarter.",
                    limit,
                ),
                code="too_many_columns",
                params={"count": limit},
            )
        return cleaned


class TrendFilterForm(BucketFilterForm):
    """One row per column: the trend can show more months than the salesperson grid."""

    max_columns = {BY_MONTH: 36, BY_QUARTER: 20}


class AsOfMixin(forms.Form):
    """A report's "as of" day (issue 19): the figures as they stood at the end of that day,
    from the deals' history (`forecasting.asof`). Empty means now; a day after today is an
    error next to the field (the page still answers 200: nothing the user typed is wrong in
    form, only not yet history)."""

    as_of = BoundedDateField(
        label=_("As of"),
        required=False,
        widget=DateInput(),
        help_text=_("Show the figures as they stood at the end of this day."),
    )

    def clean_as_of(self) -> date | None:
        day = self.cleaned_data["as_of"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(
                _("Pick today or a day before: the future has no history yet."), code="future"
            )
        return day

    @property
    def as_of_day(self) -> date | None:
        """The valid as-of day, else None (now)."""
        return self.cleaned_data.get("as_of") if self.is_valid() else None

    def page_status(self) -> int:
        """200 when the form is valid or only the as-of day is refused, else 400."""
        return 200 if self.is_valid() or set(self.errors) == {"as_of"} else 400


class PipelineAsOfForm(AsOfMixin, PipelineFilterForm):
    pass


class BucketAsOfForm(AsOfMixin, BucketFilterForm):
    pass


class TrendAsOfForm(AsOfMixin, TrendFilterForm):
    pass


def first_of_month(value: date) -> date:
    return value.replace(day=1)


class SaveReportForm(forms.ModelForm):
    """A report saved with its filters; its period either the dates shown or a period named
    relative to the day it is opened (`RELATIVE_PICKS`), which the saved query then keeps."""

    period = forms.ChoiceField(label=_("Period when opened"), required=False)

    class Meta:
        model = SavedReport
        fields = ("name", "kind", "query", "is_shared")
        widgets = {"kind": forms.HiddenInput, "query": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", _("The dates shown")), *relative_choices()]
        pick = QueryDict(self.initial.get("query", "")).get("pick", "")
        if pick in RELATIVE_PICKS:
            self.initial.setdefault("period", pick)

    def clean(self):
        cleaned = super().clean()
        relative = cleaned.get("period")
        if relative and "query" in cleaned:
            query = QueryDict(cleaned["query"], mutable=True)
            for name in ("start", "end", "pick"):
                query.pop(name, None)
            query["pick"] = relative
            cleaned["query"] = query.urlencode()
        return cleaned
