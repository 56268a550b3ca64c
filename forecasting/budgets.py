"""The yearly budget grid: business areas × months, for the area or for one salesperson."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea
from pipeline_crm.money import ZERO, round_money
from pipeline_crm.tabular import number_text

from .models import Budget


def parse_amount(raw: str) -> Decimal | None:
    """'1 920 000,50' or '1920000.50' → Decimal; '' → None; anything else raises ValueError."""
    text = number_text(raw.strip())
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(raw) from exc
    if value < 0 or not value.is_finite():
        raise ValueError(raw)
    return round_money(value)


@dataclass
class BudgetGrid:
    year: int
    salesperson: object | None
    areas: list = field(default_factory=list)
    cells: dict = field(default_factory=dict)  # (area_id, month) → Decimal
    errors: dict = field(default_factory=dict)  # cell name → message
    submitted: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls, request) -> "BudgetGrid":
        params = request.POST if request.method == "POST" else request.GET
        year = params.get("year", "")
        year = (
            int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
        )
        person = params.get("salesperson", "")
        salesperson = (
            get_user_model().objects.filter(pk=person).first() if person.isdigit() else None
        )
        grid = cls(year=year, salesperson=salesperson)
        grid.load()
        return grid

    @property
    def months(self) -> list[date]:
        return [date(self.year, m, 1) for m in range(1, 13)]

    def load(self) -> None:
        self.areas = list(BusinessArea.objects.active())
        rows = Budget.objects.filter(month__year=self.year, salesperson=self.salesperson)
        self.cells = {(b.business_area_id, b.month): b for b in rows}

    def query(self) -> str:
        params = {"year": self.year}
        if self.salesperson:
            params["salesperson"] = self.salesperson.pk
        return urlencode(params)

    @staticmethod
    def cell_name(area_id: int, month: date) -> str:
        return f"b-{area_id}-{month.month}"

    def rows(self):
        """Per area: its cells (name, value, error) and its year total; then column totals."""
        column_totals = [ZERO] * 12
        for area in self.areas:
            cells, total = [], ZERO
            for i, month in enumerate(self.months):
                name = self.cell_name(area.pk, month)
                budget = self.cells.get((area.pk, month))
                amount = budget.amount if budget else ZERO
                value = self.submitted.get(name, f"{amount:.2f}" if budget else "")
                cells.append({"name": name, "value": value, "error": self.errors.get(name)})
                total += amount
                column_totals[i] += amount
            yield {"area": area, "cells": cells, "total": total}
        self.column_totals = column_totals
        self.grand_total = sum(column_totals, ZERO)

    @transaction.atomic
    def save(self, data, *, user) -> bool:
        """Save every changed cell (with history); nothing is saved if any cell is invalid."""
        self.submitted = {k: v for k, v in data.items() if k.startswith("b-")}
        changes = []
        for area in self.areas:
            for month in self.months:
                name = self.cell_name(area.pk, month)
                if name not in data:
                    continue
                try:
                    amount = parse_amount(data[name])
                except ValueError:
                    self.errors[name] = _("Enter an amount, e.g. 125000.00")
                    continue
                changes.append((area, month, amount))
        if self.errors:
            return False
        for area, month, amount in changes:
            existing = self.cells.get((area.pk, month))
            if amount is None:
                if existing:
                    existing._history_user = user
                    existing.delete()
                continue
            if existing and existing.amount == amount:
                continue
            budget = existing or Budget(
                business_area=area, month=month, salesperson=self.salesperson
            )
            budget.amount = amount
            budget._history_user = user
            budget.save()
        self.load()
        return True
