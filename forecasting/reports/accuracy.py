"""Forecast accuracy (issue 19): what we expected for a closed period, and what happened.

For a period that has ended, the *forecast* (DESIGN.md: won + weighted open) is read as it
stood at the start of chosen days (`points`): the period's first day, and by default the first
day of each later month in it (of each quarter for a year), plus days the user adds. At the
start of day `d` means as of the end of the day before (`forecasting.asof`), with `d` as
"today": won = the deals then won with a closed date in the period, weighted open = the open
deals then expected to close in the period, on or after `d`, whose category counts in the
forecast (`weighted_open_condition`; those already overdue at `d` count in neither).

Beside it, *actual* = won of the period as the deals are now (`won_in`), and the error of each
forecast: forecast − actual in money, and that as a % of actual (none when nothing was won).
Figures per business area or per salesperson (the owner as recorded then), each row and the
total the sums of their deals' rounded values.

One query for every point and the actual together (a UNION ALL of grouped sums), whatever the
number of deals and points.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import DecimalField, IntegerField, Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessArea
from opportunities.models import Opportunity, weighted_open_condition
from pipeline_crm.money import ZERO, round_money

from ..asof import deals_as_of
from ..forms import PeriodForm
from ..models import SavedReport
from ..periods import Period, quarter_of
from .base import ReportView
from .figures import deal_list_url

BY_AREA, BY_OWNER = "area", "owner"
GROUPINGS = {BY_AREA: "business_area", BY_OWNER: "owner"}
GROUPING_LABELS = {BY_AREA: _("Business area"), BY_OWNER: _("Salesperson")}
ACTUAL = -1  # the actual's part in the union

# At most this many default points (month starts, else quarter starts) and user-added ones.
MAX_DEFAULT_POINTS = 6
MAX_ADDED_POINTS = 4


def last_closed_quarter(today: date) -> Period:
    """The quarter before the one `today` is in: the report's period when opened bare."""
    return quarter_of(quarter_of(today).start - timedelta(days=1))


def default_points(period: Period) -> list[date]:
    """The period's first day and the first day of each later month in it; for a period of
    more than `MAX_DEFAULT_POINTS` months, the first day of each quarter instead."""
    months = [max(month, period.start) for month in period.months()]
    if len(months) <= MAX_DEFAULT_POINTS:
        return months
    return [month for month in months if month == period.start or month.month in (1, 4, 7, 10)]


def report_points(period: Period, added: list[date] = ()) -> list[date]:
    """The default points and the added ones (inside the period), in order, once each."""
    return sorted({*default_points(period), *(d for d in added if period.start <= d <= period.end)})


@dataclass
class Forecast:
    """The forecast at the start of `day`: won by then, weighted open then; its error
    against `actual`."""

    day: date
    won: Decimal = ZERO
    weighted: Decimal = ZERO
    actual: Decimal = ZERO

    @property
    def forecast(self) -> Decimal:
        return self.won + self.weighted

    @property
    def error(self) -> Decimal:
        return self.forecast - self.actual

    @property
    def percent(self) -> Decimal | None:
        """The error as a % of actual, to one decimal; None when nothing was won."""
        if not self.actual:
            return None
        return (self.error * 100 / self.actual).quantize(Decimal("0.1"))


@dataclass
class AccuracyRow:
    key: int | None
    name: str
    forecasts: list[Forecast]
    actual: Decimal = ZERO
    actual_url: str = ""

    def set_actual(self, amount: Decimal) -> None:
        self.actual = amount
        for forecast in self.forecasts:
            forecast.actual = amount


@dataclass
class AccuracyReport:
    period: Period
    points: list[date]
    by: str
    rows: list[AccuracyRow]
    total: AccuracyRow = field(init=False)

    def __post_init__(self) -> None:
        self.total = AccuracyRow(None, "", [Forecast(day) for day in self.points])
        for row in self.rows:
            for total, forecast in zip(self.total.forecasts, row.forecasts, strict=True):
                total.won += forecast.won
                total.weighted += forecast.weighted
            self.total.actual += row.actual
        self.total.set_actual(self.total.actual)


def _grouped_sums(period: Period, points: list[date], group: str):
    """One query: per point (its index) and group, won and weighted open as of the start of
    the point's day; and per group the actual won (point `ACTUAL`)."""
    parts = []
    for index, day in enumerate(points):
        won = Q(status=Opportunity.Status.WON, closed_date__gte=period.start)
        won &= Q(closed_date__lte=period.end)
        weighted_open = weighted_open_condition(period.start, period.end, today=day)
        parts.append(
            deals_as_of(day - timedelta(days=1))
            .filter(won | weighted_open)
            .order_by()
            .values(group)
            .annotate(
                point=Value(index, output_field=IntegerField()),
                won=Sum("amount", filter=won),
                weighted=Sum("weighted_amount", filter=weighted_open),
            )
            .values_list(group, "point", "won", "weighted")
        )
    actual = (
        Opportunity.objects.won_in(period.start, period.end)
        .order_by()
        .values(group)
        .annotate(
            point=Value(ACTUAL, output_field=IntegerField()),
            won=Sum("amount"),
            weighted=Value(ZERO, output_field=DecimalField(max_digits=14, decimal_places=2)),
        )
        .values_list(group, "point", "won", "weighted")
    )
    return actual.union(*parts, all=True)


def _names(by: str, keys: set) -> dict:
    if by == BY_AREA:
        return {area.pk: area.name for area in BusinessArea.objects.filter(pk__in=keys)}
    users = get_user_model().objects.filter(pk__in=keys)
    return {user.pk: user.get_full_name() or user.username for user in users}


def accuracy_report(period: Period, *, points: list[date], by: str = BY_AREA) -> AccuracyReport:
    """The forecasts of `period` at the start of each of `points` (in order), beside the
    actual won, per business area or salesperson (`by`); see the module doc. Two queries:
    the sums, and the names of the groups."""
    group = GROUPINGS[by]
    rows: dict[int | None, AccuracyRow] = {}

    def row_for(key) -> AccuracyRow:
        if key not in rows:
            rows[key] = AccuracyRow(key, "", [Forecast(day) for day in points])
        return rows[key]

    for key, point, won, weighted in _grouped_sums(period, points, group):
        row = row_for(key)
        if point == ACTUAL:
            row.set_actual(round_money(won or ZERO))
        else:
            forecast = row.forecasts[point]
            forecast.won = round_money(won or ZERO)
            forecast.weighted = round_money(weighted or ZERO)
    names = _names(by, {key for key in rows if key is not None})
    for key, row in rows.items():
        if key is not None and key not in names:
            # Named in the history, deleted since (once nothing live used it): no live deal
            # is in it, so no deal list (which would ignore an unknown filter) to follow.
            row.name = gettext("(deleted)")
            continue
        row.name = names.get(key, "")
        # The deal list filters by the deals' owner or area as they are now, as `won_in` does.
        row.actual_url = deal_list_url(
            status="won",
            closed_from=period.start.isoformat(),
            closed_to=period.end.isoformat(),
            **{group: "null" if key is None else key},
        )
    ordered = sorted(
        rows.values(),
        key=lambda r: (r.key is None, r.key not in names, r.name.lower(), r.key or 0),
    )
    report = AccuracyReport(period=period, points=points, by=by, rows=ordered)
    report.total.actual_url = deal_list_url(
        status="won", closed_from=period.start.isoformat(), closed_to=period.end.isoformat()
    )
    return report


def accuracy_rows(report: AccuracyReport, *, total_label: str, none_label: str = ""):
    """The report as flat rows, one per group and point, then the total's:
    (group, point, won by then, weighted open then, forecast, actual won, error, error %).
    The deals without a business area are in the group named `none_label`, as on the page."""
    for row in [*report.rows, report.total]:
        name = row.name or none_label if row is not report.total else total_label
        for forecast in row.forecasts:
            yield (
                name,
                forecast.day,
                forecast.won,
                forecast.weighted,
                forecast.forecast,
                forecast.actual,
                forecast.error,
                forecast.percent if forecast.percent is not None else "",
            )


def accuracy_chart(report: AccuracyReport) -> dict:
    """Geometry of the server-rendered chart: per point, a bar of the forecast (won by then
    below, weighted open above), and a line across at the actual won."""
    plot_height, slot, top_margin = 200, 110, 24
    min_width = 720  # the SVG is drawn at its own size up to this width (text at 13px)
    top = max([f.forecast for f in report.total.forecasts] + [report.total.actual, Decimal(1)])

    def y(amount: Decimal) -> int:
        return top_margin + plot_height - int(amount * plot_height / top)

    bars = []
    for index, forecast in enumerate(report.total.forecasts):
        x = index * slot + 12
        bars.append(
            {
                "forecast": forecast,
                "x": x,
                "won_y": y(forecast.won),
                "won_height": y(ZERO) - y(forecast.won),
                "weighted_y": y(forecast.forecast),
                "weighted_height": y(forecast.won) - y(forecast.forecast),
                "label_x": index * slot + slot // 2,
            }
        )
    width = max(len(bars) * slot + 150, min_width)
    return {
        "bars": bars,
        "width": width,
        "height": top_margin + plot_height + 56,
        "actual_label_x": width - 4,
        "slot": slot,
        "bar_width": slot - 24,
        "axis_y": y(ZERO),
        "actual_y": y(report.total.actual),
        "label_y": top_margin + plot_height + 22,
        "value_y": top_margin + plot_height + 40,
    }


class AccuracyForm(PeriodForm):
    """A period that has ended (at most a year), the grouping, and days to add to the
    default points (`default_points`)."""

    max_months = 12

    by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[(BY_AREA, GROUPING_LABELS[BY_AREA]), (BY_OWNER, GROUPING_LABELS[BY_OWNER])],
    )
    points = forms.CharField(
        label=_("Also as of"),
        required=False,
        max_length=60,
        help_text=_("Up to four more days inside the period, e.g. 2025-05-15."),
    )

    def clean_by(self) -> str:
        return self.cleaned_data["by"] or BY_AREA

    added_points: list[date] = []

    def clean_points(self) -> str:
        """The added days, kept in `added_points`; the text comes back normalised (the
        export's title shows it)."""
        text = self.cleaned_data["points"].replace(";", ",")
        values = [value.strip() for value in text.split(",") if value.strip()]
        if len(values) > MAX_ADDED_POINTS:
            raise forms.ValidationError(
                ngettext(
                    "Add at most %(count)d day.", "Add at most %(count)d days.", MAX_ADDED_POINTS
                ),
                code="too_many_points",
                params={"count": MAX_ADDED_POINTS},
            )
        days = []
        for value in values:
            try:
                days.append(date.fromisoformat(value))
            except ValueError:
                raise forms.ValidationError(
                    gettext("Give days as YYYY-MM-DD, separated by commas."), code="points"
                ) from None
        self.added_points = sorted(set(days))
        return ", ".join(day.isoformat() for day in self.added_points)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["end"] >= timezone.localdate():
            raise forms.ValidationError(
                gettext("Pick a period that has ended: its actual figures are not known yet."),
                code="period_not_closed",
            )
        start, end = cleaned["start"], cleaned["end"]
        if any(not start <= day <= end for day in self.added_points):
            self.add_error(
                "points",
                forms.ValidationError(
                    gettext("The days must lie inside the period."), code="points_outside"
                ),
            )
        return cleaned


class AccuracyView(ReportView):
    kind = SavedReport.Kind.ACCURACY
    url_name = "forecasting:accuracy"
    question = _("What did we expect for a past quarter, and what did we win?")
    template_name = "forecasting/accuracy.html"
    form_class = AccuracyForm

    def default_period(self):
        return last_closed_quarter(timezone.localdate())

    def compute(self, form):
        period = form.period
        points = report_points(period, form.added_points)
        return accuracy_report(period, points=points, by=form.cleaned_data["by"])

    def export_rows(self, report, fmt):
        yield [
            str(GROUPING_LABELS[report.by]),
            gettext("As of the start of"),
            gettext("Won by then"),
            gettext("Weighted open then"),
            gettext("Forecast"),
            gettext("Actual won"),
            gettext("Error"),
            gettext("Error %"),
        ]
        yield from accuracy_rows(
            report, total_label=gettext("Total"), none_label=gettext("(no business area)")
        )

    def page_context(self, report, form):
        return {"chart": accuracy_chart(report), "grouping": GROUPING_LABELS[report.by]}
