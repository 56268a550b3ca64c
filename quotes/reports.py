"""The quote report: per salesperson and per business area, the quotes sent in a period, how
many were won, the win rate, the average days to an answer, and the margin of the won ones.

- *win rate* = accepted ÷ (accepted + declined + expired): the quotes that got their answer;
- *days to answer* = the average of (answered − sent) over accepted and declined quotes;
- *won margin* = Σ margin of the accepted quotes (seed 002: measure gross margin).

Each figure is aggregated in the database, one query per grouping, and links to the quotes
behind it on the quote list.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import BusinessArea
from forecasting.periods import Period
from pipeline_crm.bounds import bounds_datetime
from pipeline_crm.money import ZERO, percent
from pipeline_crm.users import display_name

from .models import Quote

S = Quote.Status
ANSWERED = (S.ACCEPTED, S.DECLINED, S.EXPIRED)


@dataclass
class Row:
    key: object  # the salesperson or the area (None: no area)
    label: str
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    outstanding: int = 0
    won_amount: Decimal = ZERO
    won_margin: Decimal = ZERO
    answer_days: float | None = None
    links: dict = field(default_factory=dict)

    @property
    def win_rate(self) -> Decimal | None:
        return percent(self.accepted, self.accepted + self.declined + self.expired)

    @property
    def won_margin_percent(self) -> Decimal | None:
        return percent(self.won_margin, self.won_amount)


def _figures():
    answer = ExpressionWrapper(F("answered_at") - F("sent_at"), output_field=DurationField())
    return {
        "sent": Count("pk"),
        "accepted": Count("pk", filter=Q(status=S.ACCEPTED)),
        "declined": Count("pk", filter=Q(status=S.DECLINED)),
        "expired": Count("pk", filter=Q(status=S.EXPIRED)),
        "outstanding": Count("pk", filter=Q(status=S.SENT)),
        "won_amount": Sum("amount", filter=Q(status=S.ACCEPTED)),
        "won_margin": Sum("margin", filter=Q(status=S.ACCEPTED)),
        "answer": Avg(answer, filter=Q(status__in=[S.ACCEPTED, S.DECLINED])),
    }


def sent_in(period: Period):
    """Quotes sent in the period (company time zone, both days inclusive)."""
    return Quote.objects.filter(
        sent_at__gte=bounds_datetime(period.start),
        sent_at__lte=bounds_datetime(period.end, end=True),
    )


def _days(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)  # microseconds, where Avg loses the type


def _link(period: Period, **params) -> str:
    query = {
        "scope": "team",
        "status": "",
        "sent_from": period.start.isoformat(),
        "sent_to": period.end.isoformat(),
        **params,
    }
    return f"{reverse('quotes:list')}?{urlencode(query)}"


def _links(period: Period, **params) -> dict[str, str]:
    """The drill-down of a row: every quote it counts, and those of each status."""
    links = {"sent": _link(period, **params), "sent_status": _link(period, **params, status=S.SENT)}
    for status in (S.ACCEPTED, S.DECLINED, S.EXPIRED):
        links[status] = _link(period, **params, status=status)
    return links


def _rows(period: Period, field_name: str, labels: dict, param: str) -> tuple[list[Row], Row]:
    grouped = sent_in(period).order_by().values(field_name).annotate(**_figures())
    rows = []
    total = Row(key=None, label="")
    for group in grouped:
        key = group[field_name]
        row = Row(
            key=key,
            label=labels.get(key, ""),
            sent=group["sent"],
            accepted=group["accepted"],
            declined=group["declined"],
            expired=group["expired"],
            outstanding=group["outstanding"],
            won_amount=group["won_amount"] or ZERO,
            won_margin=group["won_margin"] or ZERO,
            answer_days=_days(group["answer"]),
        )
        value = "" if key is None else key
        row.links = _links(period, **{param: value})
        rows.append(row)
        for name in ("sent", "accepted", "declined", "expired", "outstanding"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.won_amount += row.won_amount
        total.won_margin += row.won_margin
    rows.sort(key=lambda row: row.label.lower())
    overall = sent_in(period).aggregate(answer=_figures()["answer"])
    total.answer_days = _days(overall["answer"])
    total.links = _links(period)
    return rows, total


def quote_report(period: Period) -> dict:
    """The report's two tables (per salesperson, per business area) and their totals."""
    users = {
        user.pk: display_name(user)
        for user in get_user_model().objects.only("pk", "first_name", "last_name", "username")
    }
    areas = {area.pk: area.name for area in BusinessArea.objects.all()}
    people, people_total = _rows(period, "opportunity__owner", users, "owner")
    by_area, area_total = _rows(period, "opportunity__business_area", areas, "business_area")
    return {
        "period": period,
        "people": people,
        "people_total": people_total,
        "areas": by_area,
        "area_total": area_total,
    }


def report_rows(report: dict, *, heading: str, total_label: str) -> list[list]:
    """The per-salesperson table as export rows (header first)."""
    header = [
        heading,
        _("Sent"),
        _("Accepted"),
        _("Declined"),
        _("Expired"),
        _("Outstanding"),
        _("Win rate %"),
        _("Days to answer"),
        _("Won amount"),
        _("Won margin"),
    ]
    rows = [header]
    for row in [*report["people"], report["people_total"]]:
        rows.append(
            [
                row.label or total_label,
                row.sent,
                row.accepted,
                row.declined,
                row.expired,
                row.outstanding,
                row.win_rate,
                row.answer_days,
                row.won_amount,
                row.won_margin,
            ]
        )
    return rows
