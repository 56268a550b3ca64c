"""The yearly budget grid: business areas × months, for the area or for one salesperson.

The area view shows each area's budget by the rule the budget comparison uses
(`AreaBudget.amount`): a month with per-salesperson budgets shows their sum, read-only (it
is changed per salesperson), with the area's own row, no longer counted, shown beside it.
A retired business area that still has budgets in the year is shown, marked, read-only (as
the import refuses it), and counted in the totals.

Saving is optimistic: each cell posts the value it was loaded with, and a cell the user
changed is saved only while it still holds that value. Otherwise nothing is saved, the typed
values stay, and the page names who saved the cell meanwhile. Saves lock the business areas
they write, so two managers saving the same month never both insert a row.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from accounts.models import BusinessArea
from pipeline_crm.bounds import parse_id
from pipeline_crm.history import Origin, label_change
from pipeline_crm.money import ZERO
from pipeline_crm.numbers import MACHINE, format_number, parse_number
from pipeline_crm.users import display_name, display_name_key

from .models import AreaBudget, Budget

MIN_YEAR, MAX_YEAR = 2000, 2100
_AMOUNT = Budget._meta.get_field("amount")


def check_budget_salesperson(user) -> None:
    """A budget of their own is for an active user: a deactivated salesperson gets none
    (the grid and the import both ask here)."""
    if user is not None and not user.is_active:
        raise ValidationError(
            _("%(name)s is deactivated and gets no budget.") % {"name": display_name(user)},
            code="inactive",
        )


def check_budget_amount(amount: Decimal | None) -> Decimal | None:
    """A budget is 0 or more (the grid and the import both ask here)."""
    if amount is not None and amount < 0:
        raise ValidationError(_("A budget cannot be negative."), code="min_value")
    return amount


def parse_amount(text: str) -> Decimal | None:
    """A typed cell in the user's language ("125 000,50" in Swedish); blank is None.
    ValidationError for anything that is not an amount of 0 or more that fits the column."""
    return check_budget_amount(
        parse_number(text, places=_AMOUNT.decimal_places, max_digits=_AMOUNT.max_digits)
    )


def _machine(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


@dataclass
class Cell:
    name: str
    month: date
    value: str = ""  # what the input shows: the typed text, else the stored amount
    original: str = ""  # the stored amount the user started from, in machine format
    amount: Decimal = ZERO  # what the cell counts in the totals
    editable: bool = True
    split: AreaBudget | None = None  # the salespeople's budgets that make an area's month
    error: str = ""


@dataclass
class BudgetGrid:
    year: int
    salesperson: object | None
    areas: list = field(default_factory=list)
    retired: set = field(default_factory=set)  # ids of the retired areas shown
    rows_by_cell: dict = field(default_factory=dict)  # (area id, month) → editable Budget
    split: dict = field(default_factory=dict)  # (area id, month) → AreaBudget (area view)
    errors: dict = field(default_factory=dict)  # cell name → message
    submitted: dict = field(default_factory=dict)  # cell name → typed text
    originals: dict = field(default_factory=dict)  # cell name → machine text posted
    conflict_by: list = field(default_factory=list)  # who saved a conflicting cell meanwhile
    has_conflict: bool = False
    form_error: str = ""  # why nothing can be saved at all
    seen: int = 0  # the newest budget history record when the grid was loaded

    @classmethod
    def from_request(cls, request) -> "BudgetGrid":
        params = request.POST if request.method == "POST" else request.GET
        year = parse_id(params.get("year", ""))
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            year = timezone.localdate().year
        person = parse_id(params.get("salesperson", ""))
        salesperson = get_user_model().objects.filter(pk=person).first() if person else None
        grid = cls(year=year, salesperson=salesperson)
        grid.load()
        return grid

    @property
    def months(self) -> list[date]:
        return [date(self.year, m, 1) for m in range(1, 13)]

    @property
    def is_area_view(self) -> bool:
        return self.salesperson is None

    @property
    def is_editable(self) -> bool:
        """A deactivated salesperson's budgets are shown, not changed."""
        return self.salesperson is None or self.salesperson.is_active

    def _scope(self):
        """The budget rows the grid shows: the year's, every row in the area view (its
        months follow the rule), one salesperson's in theirs."""
        rows = Budget.objects.filter(month__year=self.year)
        if self.salesperson is not None:
            rows = rows.filter(salesperson=self.salesperson)
        return rows

    def load(self) -> None:
        scope = self._scope()
        editable = scope.filter(salesperson=self.salesperson) if self.is_area_view else scope
        self.rows_by_cell = {(b.business_area_id, b.month): b for b in editable}
        self.split = scope.area_budgets() if self.is_area_view else {}
        with_budgets = {area_id for area_id, _month in self.rows_by_cell} | {
            area_id for area_id, _month in self.split
        }
        self.areas = list(
            BusinessArea.objects.filter(Q(is_active=True) | Q(pk__in=with_budgets)).order_by(
                "order", "name"
            )
        )
        self.retired = {area.pk for area in self.areas if not area.is_active}
        self.seen = Budget.history.aggregate(newest=Max("history_id"))["newest"] or 0

    def query(self) -> str:
        params = {"year": self.year}
        if self.salesperson:
            params["salesperson"] = self.salesperson.pk
        return urlencode(params)

    @staticmethod
    def cell_name(area_id: int, month: date) -> str:
        return f"b-{area_id}-{month.month}"

    def _cell(self, area, month: date) -> Cell:
        name = self.cell_name(area.pk, month)
        row = self.rows_by_cell.get((area.pk, month))
        stored = row.amount if row else None
        cell = Cell(name=name, month=month, amount=stored or ZERO, original=_machine(stored))
        split = self.split.get((area.pk, month))
        if split is not None and split.is_split:
            cell.split, cell.amount, cell.editable = split, split.amount, False
        cell.editable = cell.editable and self.is_editable and area.pk not in self.retired
        cell.value = format_number(stored) if stored is not None else ""
        if name in self.submitted and cell.editable:
            cell.value = self.submitted[name]
            cell.original = self.originals.get(name, cell.original)
        cell.error = self.errors.get(name, "")
        return cell

    def rows(self):
        """Per area: its cells and its year total (the sum of its cells); then the column
        totals and the grand total, each the sum of what it adds up."""
        column_totals = [ZERO] * 12
        for area in self.areas:
            cells = [self._cell(area, month) for month in self.months]
            for i, cell in enumerate(cells):
                column_totals[i] += cell.amount
            yield {
                "area": area,
                "is_retired": area.pk in self.retired,
                "cells": cells,
                "total": sum((cell.amount for cell in cells), ZERO),
            }
        self.column_totals = column_totals
        self.grand_total = sum(column_totals, ZERO)

    # --- saving ------------------------------------------------------------------------------

    def save(self, data, *, user) -> bool:
        """Save every cell the user changed (with history); nothing when any cell is invalid
        or was changed by someone else since the grid was loaded (see the module)."""
        typed = self._read(data)
        if self.errors:
            return False
        try:
            with transaction.atomic():
                self._write(typed, user=user)
        except _Conflict as conflict:
            self._reload_after_conflict(conflict.cells)
            return False
        self.load()
        return True

    def _read(self, data) -> dict[tuple[int, date], tuple[Decimal | None, Decimal | None]]:
        """The editable cells the form posted: (typed amount, amount it started from)."""
        self.submitted = {k: v for k, v in data.items() if k.startswith("b-")}
        self.originals = {f"b-{k[2:]}": v for k, v in data.items() if k.startswith("o-")}
        seen = parse_id(data.get("seen", ""))
        self.seen = seen if seen is not None else 0
        if not self.is_editable:
            self.form_error = _budget_salesperson_error(self.salesperson)
            self.errors[""] = self.form_error
            return {}
        typed = {}
        for area in self.areas:
            if area.pk in self.retired:
                continue
            for month in self.months:
                name = self.cell_name(area.pk, month)
                split = self.split.get((area.pk, month))
                if name not in data or (split is not None and split.is_split):
                    continue  # a month made of salespeople's budgets is changed per salesperson
                try:
                    amount = parse_amount(data[name])
                    original = parse_number(self.originals.get(name, ""), locale=MACHINE)
                except ValidationError as error:
                    self.errors[name] = error.messages[0]
                    continue
                typed[(area.pk, month)] = (amount, original)
        return typed

    def _write(self, typed, *, user) -> None:
        changed = {key: value for key, value in typed.items() if value[0] != value[1]}
        if not changed:
            return
        area_ids = sorted({area_id for area_id, _month in changed})
        # Lock the areas first: a cell without a row has nothing else to lock, and two
        # managers creating it at once would otherwise both insert it.
        list(BusinessArea.objects.select_for_update().filter(pk__in=area_ids).order_by("pk"))
        current = {
            (b.business_area_id, b.month): b
            for b in Budget.objects.select_for_update().filter(
                business_area__in=area_ids,
                month__in={month for _area, month in changed},
                salesperson=self.salesperson,
            )
        }
        conflicts = []
        for key, (amount, original) in changed.items():
            row = current.get(key)
            now = row.amount if row else None
            if now != original and now != amount:
                conflicts.append(key)
        if conflicts:
            raise _Conflict(conflicts)
        for (area_id, month), (amount, _original) in changed.items():
            self._write_cell(current.get((area_id, month)), area_id, month, amount, user=user)

    def _write_cell(self, row, area_id, month, amount, *, user) -> None:
        if amount is None:  # an emptied cell: no budget
            if row is not None:
                label_change(row, Origin.FORM)
                row._history_user = user
                row.delete()
            return
        if row is not None and row.amount == amount:
            return
        row = row or Budget(business_area_id=area_id, month=month, salesperson=self.salesperson)
        row.amount = amount
        label_change(row, Origin.FORM)
        row._history_user = user
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # inserted meanwhile by a path that does not lock the area
            raise _Conflict([(area_id, month)]) from None

    def _reload_after_conflict(self, conflicts: list[tuple[int, date]]) -> None:
        """Show the typed values again; each conflicting cell names who saved it meanwhile
        and now starts from what they saved, so a second save overwrites it knowingly."""
        seen = self.seen
        self.load()
        names = _saved_since(seen, conflicts, self.salesperson)
        for area_id, month in conflicts:
            name = self.cell_name(area_id, month)
            row = self.rows_by_cell.get((area_id, month))
            now = format_number(row.amount) if row else _("empty")
            who = names.get((area_id, month)) or [_("someone else")]
            self.errors[name] = _("%(people)s saved %(amount)s here meanwhile.") % {
                "people": get_text_list(who, _("and")),
                "amount": now,
            }
            self.originals[name] = _machine(row.amount if row else None)
        self.has_conflict = True
        self.conflict_by = []
        for who in names.values():
            self.conflict_by.extend(person for person in who if person not in self.conflict_by)

    @property
    def conflict_message(self) -> str:
        if not self.conflict_by:
            return _("Someone else saved some of these budgets while you edited them.")
        return _(
            "%(people)s saved some of these budgets while you edited them; nothing was saved. "
            "Your values are kept: check the marked cells and save again."
        ) % {"people": get_text_list(self.conflict_by, _("and"))}


class _Conflict(Exception):
    def __init__(self, cells: list[tuple[int, date]]):
        super().__init__(cells)
        self.cells = cells


def _budget_salesperson_error(user) -> str:
    try:
        check_budget_salesperson(user)
    except ValidationError as error:
        return error.messages[0]
    return ""


def _saved_since(seen: int, cells, salesperson) -> dict[tuple[int, date], list[str]]:
    """Who saved each of `cells` after the history record `seen` (the newest when the grid
    was loaded), by name, in order."""
    records = (
        Budget.history.filter(
            history_id__gt=seen,
            business_area_id__in={area for area, _month in cells},
            month__in={month for _area, month in cells},
            salesperson=salesperson,
        )
        .select_related("history_user")
        .order_by("history_id")
    )
    names: dict[tuple[int, date], list[str]] = {}
    for record in records:
        key = (record.business_area_id, record.month)
        who = record.history_user
        name = display_name(who)
        if key in cells and name and name not in names.setdefault(key, []):
            names[key].append(name)
    return names


def salespeople(current=None) -> list:
    """The users the grid offers a budget view of: the active ones, and `current`."""
    users = get_user_model().objects.filter(Q(is_active=True) | Q(pk=getattr(current, "pk", None)))
    return sorted(users, key=display_name_key)
