from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import BusinessArea
from pipeline_crm.bounds import bounds_condition, validate_date_bounds
from pipeline_crm.money import ZERO

from . import registry


@dataclass(frozen=True)
class AreaBudget:
    """What a business area's budget for one month is made of: its own row (`own`, None
    without one) and the rows of its salespeople (`people`, their sum, and how many)."""

    own: Decimal | None = None
    people: Decimal = ZERO
    people_count: int = 0

    @property
    def is_split(self) -> bool:
        """Whether the month has per-salesperson budgets (then they make the area's)."""
        return self.people_count > 0

    @property
    def amount(self) -> Decimal:
        """The area's budget for the month (DESIGN.md, Budget comparison): the sum of its
        salespeople's budgets where it has any, else its own row's amount (0 without one)."""
        if self.is_split:
            return self.people
        return self.own if self.own is not None else ZERO


class BudgetQuerySet(models.QuerySet):
    def area_budgets(self) -> dict[tuple[int, date], AreaBudget]:
        """The budget of each business area and month among these rows, by the rule of
        `AreaBudget.amount`, in one query. The budget comparison and the budget grid both
        read an area's budget here; narrowed to one salesperson's rows, it is theirs."""
        grouped = (
            self.order_by()
            .values("business_area", "month")
            .annotate(
                people=Sum("amount", filter=Q(salesperson__isnull=False)),
                people_count=Count("pk", filter=Q(salesperson__isnull=False)),
                own=Sum("amount", filter=Q(salesperson__isnull=True)),
                own_count=Count("pk", filter=Q(salesperson__isnull=True)),
            )
        )
        return {
            (row["business_area"], row["month"]): AreaBudget(
                own=row["own"] if row["own_count"] else None,
                people=row["people"] or ZERO,
                people_count=row["people_count"],
            )
            for row in grouped
        }


class Budget(models.Model):
    """A business area's budget for one month, optionally split per salesperson.

    Where a month has per-salesperson rows, the area's budget is their sum.
    """

    business_area = models.ForeignKey(
        BusinessArea,
        on_delete=models.PROTECT,
        related_name="budgets",
        verbose_name=_("business area"),
    )
    month = models.DateField(
        _("month"), help_text=_("The first day of the month."), validators=[validate_date_bounds]
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budgets",
        verbose_name=_("salesperson"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(0)],
    )
    history = HistoricalRecords()

    objects = BudgetQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ("month", "business_area__order")
        constraints = [
            models.UniqueConstraint(
                fields=["business_area", "month"],
                condition=Q(salesperson__isnull=True),
                name="budget_one_per_area_month",
            ),
            models.UniqueConstraint(
                fields=["business_area", "month", "salesperson"],
                condition=Q(salesperson__isnull=False),
                name="budget_one_per_area_month_person",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="budget_month_first_day"),
            models.CheckConstraint(
                condition=bounds_condition("month"),
                name="budget_month_in_bounds",
                violation_error_message=_("Dates lie between 1900-01-01 and 2199-12-31."),
            ),
        ]

    def __str__(self) -> str:
        who = f" · {self.salesperson}" if self.salesperson_id else ""
        return f"{self.business_area} {self.month:%Y-%m}{who}"


def report_kinds() -> list[tuple[str, str]]:
    """Every kind of saved report: forecasting's own, then those other apps registered
    (`forecasting.registry`). A callable, so a registered kind needs no migration here."""
    return [*SavedReport.Kind.choices, *((r.kind, r.label) for r in registry.registered())]


class SavedReport(models.Model):
    class Kind(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline per business area")
        BUDGET = "budget", _("Budget comparison")
        FUNNEL = "funnel", _("Funnel")
        SALESPEOPLE = "salespeople", _("Salesperson grid")
        WINLOSS = "winloss", _("Win/loss")
        TREND = "trend", _("Trend")
        EFFORT = "effort", _("Effort vs revenue")
        MOVEMENT = "movement", _("Pipeline movement")
        ACCURACY = "accuracy", _("Forecast accuracy")
        VELOCITY = "velocity", _("Velocity")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("report"), max_length=20, choices=report_kinds)
    query = models.TextField(_("filters"), blank=True, help_text=_("The report's query string."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_reports",
        verbose_name=_("owner"),
    )
    is_shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
