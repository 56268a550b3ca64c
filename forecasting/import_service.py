"""Import budgets from a CSV file: an amount per business area and month, optionally per
salesperson, all rows or none. The file is read by `import_reader`; the upload page (sales
managers only) is `import_views`.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import BusinessArea
from pipeline_crm import import_files
from pipeline_crm.bounds import DATE_MAX, DATE_MIN, bounds_message
from pipeline_crm.history import Origin, label_change
from pipeline_crm.import_files import RowError
from pipeline_crm.numbers import MACHINE

from .budgets import check_budget_amount, check_budget_salesperson
from .import_reader import AMOUNT, AREA, MONTH, SALESPERSON, read_rows
from .models import Budget

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_AMOUNT_FIELD = Budget._meta.get_field("amount")

_Key = tuple[int, date, int | None]  # business area, month, salesperson


@dataclass
class ImportResult(import_files.ImportResult):
    """With errors the counts are zero."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_budgets(
    source: import_files.Source,
    *,
    filename: str,
    dry_run: bool,
    user=None,
    number_format: str = MACHINE,
    progress: import_files.Progress | None = None,
) -> ImportResult:
    """Import budgets from a CSV file (bytes, a path or a file object) named `filename`.

    Each row sets one budget: the area's for the month or, with a salesperson, theirs. A budget
    that exists gets the row's amount, one that doesn't is created; each is saved with its
    history, labelled as an import by `user`. All or nothing: rolled back on a dry run or when
    any row has an error (an unknown area, user or deactivated salesperson, a bad month or
    amount, the same budget on two rows); the errors name the row and column of each problem.
    Amounts are in the machine format unless `number_format` names a language
    (`import_files.number`).
    """
    result = ImportResult(dry_run=dry_run)
    return import_files.import_all_or_nothing(
        result,
        source,
        filename,
        read_rows,
        lambda rows: _Importer(user, result, number_format).run(rows),
        progress,
    )


class _Importer:
    """One import: areas, users and the months' budgets read once, then each row saved."""

    def __init__(self, user, result: ImportResult, number_format: str = MACHINE):
        self.user = user
        self.result = result
        self.number_format = number_format
        self.areas = import_files.LookupIndex(BusinessArea)
        self.users = import_files.UserIndex()
        self.seen: dict[_Key, int] = {}  # the row that set each budget

    def run(self, rows: list[tuple[int, dict[str, str], list[int]]]) -> None:
        budgets = []
        for number, values, headerless in rows:
            errors = [
                RowError(number, "", message)
                for message in import_files.headerless_errors(headerless)
            ]
            budget = self.build(number, values, errors)
            self.result.errors.extend(errors)
            if budget is not None:
                budgets.append(budget)
        if self.result.errors:
            return
        existing = {
            (b.business_area_id, b.month, b.salesperson_id): b
            for b in Budget.objects.select_for_update().filter(
                month__in={budget.month for budget in budgets}
            )
        }
        for budget in budgets:
            self.save(budget, existing.get(_key(budget)))

    def build(self, number: int, values: dict[str, str], errors: list[RowError]) -> Budget | None:
        """The row's unsaved budget, or None with one entry in `errors` per bad cell."""

        def check(column: str, parse, text: str):
            try:
                return parse(text)
            except ValidationError as error:
                errors.extend(RowError(number, column, message) for message in error.messages)
            return None

        area = check(AREA, self.area, values[AREA])
        month = check(MONTH, _month, values[MONTH])
        amount = check(AMOUNT, self.amount, values[AMOUNT])
        salesperson = check(SALESPERSON, self.salesperson, values.get(SALESPERSON, ""))
        if errors:
            return None
        budget = Budget(business_area=area, month=month, salesperson=salesperson, amount=amount)
        first = self.seen.setdefault(_key(budget), number)
        if first != number:
            errors.append(
                RowError(
                    number,
                    "",
                    _("Row %(row)d already sets this budget (area, month and salesperson).")
                    % {"row": first},
                )
            )
            return None
        return budget

    def save(self, budget: Budget, existing: Budget | None) -> None:
        """Create `budget`, or give `existing` its amount; an unchanged budget is not saved."""
        if existing is not None:
            if existing.amount == budget.amount:
                self.result.unchanged += 1
                return
            existing.amount = budget.amount
            budget = existing
        created = budget.pk is None
        label_change(budget, Origin.IMPORT)
        if self.user is not None:
            budget._history_user = self.user
        budget.save()
        if created:
            self.result.created += 1
        else:
            self.result.updated += 1

    def area(self, text: str) -> BusinessArea:
        import_files.require(text)
        area = self.areas.get(text)
        if area is None:
            raise import_files.unknown_value(text, self.areas.active_names())
        return area

    def amount(self, text: str) -> Decimal:
        import_files.require(text)
        amount = import_files.number(
            text,
            number_format=self.number_format,
            places=_AMOUNT_FIELD.decimal_places,
            max_digits=_AMOUNT_FIELD.max_digits,
        )
        return check_budget_amount(amount)

    def salesperson(self, text: str):
        """The row's salesperson, an active user (`check_budget_salesperson`); None when empty."""
        if not text:
            return None
        user = self.users.get(text)
        check_budget_salesperson(user)
        return user


def _key(budget: Budget) -> _Key:
    return (budget.business_area_id, budget.month, budget.salesperson_id)


def _month(text: str) -> date:
    import_files.require(text)
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValidationError(_("“%(value)s” is not a month as YYYY-MM.") % {"value": text})
    if not DATE_MIN.year <= int(match[1]) <= DATE_MAX.year:
        raise ValidationError(bounds_message(), code="date_bounds")
    return date(int(match[1]), int(match[2]), 1)
