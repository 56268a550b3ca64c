"""Import deals from an old CRM: a CSV file with a fixed header, all rows or none.

The file is read by `import_reader`; this module checks and writes its rows.

The Import page and the `import_opportunities` command both call `import_opportunities`. Rows keep
the spreadsheet's numbers: the header is row 1, the first deal row 2, and blank rows still count.
Every deal goes through the services, so probability, closing and stage gates follow the same
rules as a deal typed in the form.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, BusinessArea
from pipeline_crm import import_files
from pipeline_crm.bounds import BoundedDateField
from pipeline_crm.concurrency import LOCKED
from pipeline_crm.history import Origin, label_change
from pipeline_crm.import_files import RowError
from pipeline_crm.numbers import MACHINE
from pipeline_crm.users import display_name

from . import services
from .import_reader import (
    ACCOUNT,
    AMOUNT,
    BUSINESS_AREA,
    CLOSED_DATE,
    EXPECTED_CLOSE_DATE,
    LOSS_REASON,
    NAME,
    OWNER,
    PROBABILITY,
    STAGE,
    STATUS,
    read_rows,
)
from .models import LossReason, Opportunity, Stage

_LOOKUP_COLUMNS: dict[str, type[models.Model]] = {
    STAGE: Stage,
    BUSINESS_AREA: BusinessArea,
    LOSS_REASON: LossReason,
}
_LOOKUP_ORDER_STEP = 10
_STATUSES = frozenset(Opportunity.Status.values)
_BATCH = 500  # rows per bulk insert of history records and new accounts

_date_field = BoundedDateField(input_formats=["%Y-%m-%d"])
_amount_field = forms.DecimalField(min_value=Decimal(0), max_digits=14, decimal_places=2)
_probability_field = forms.IntegerField(min_value=0, max_value=100)


@dataclass(frozen=True)
class CreatedLookup:
    kind: str  # the lookup's verbose name, e.g. "stage"
    name: str

    def __str__(self) -> str:
        return f"{self.kind} “{self.name}”"


@dataclass
class ImportResult(import_files.ImportResult):
    """With errors the counts are zero."""

    created: int = 0
    created_accounts: int = 0
    created_lookups: list[CreatedLookup] = field(default_factory=list)


def import_opportunities(
    source: import_files.Source,
    *,
    filename: str,
    dry_run: bool,
    create_lookups: bool,
    user=None,
    number_format: str = MACHINE,
    progress: import_files.Progress | None = None,
) -> ImportResult:
    """Import deals from a CSV file (bytes, a path or a file object) named `filename`.

    All or nothing: every row is checked and written in one transaction, rolled back on a dry
    run or when any row has an error; the errors name the row and column of each problem.

    An unknown account is created (once, however many rows name it). Stage, business area and
    loss reason match by exact name, then ignoring case; an unknown one is an error unless
    `create_lookups`, which appends it after the existing ones (a new stage has probability 0).
    A stage gate the old data does not meet is reported as an error of the row. Every deal
    created is in the history, labelled as an import by `user`. Numbers are in the machine
    format unless `number_format` names a language (`import_files.number`).
    """
    result = ImportResult(dry_run=dry_run)

    def write(rows: list[tuple[int, dict[str, str]]]) -> None:
        _Importer(
            user=user, create_lookups=create_lookups, result=result, number_format=number_format
        ).run(rows)

    import_files.import_all_or_nothing(result, source, filename, read_rows, write, progress)
    if result.errors:
        result.created = result.created_accounts = 0
        result.created_lookups = []
    return result


# --- writing the deals -----------------------------------------------------------------------


class _AccountRef(NamedTuple):
    pk: int
    name: str
    business_area_id: int | None


@dataclass
class _Deal:
    row: int
    opportunity: Opportunity
    account: Account | _AccountRef  # a new account has its pk once `create_accounts` ran
    status: str
    closed_date: date | None
    loss_reason: LossReason | None


class _Importer:
    """One import: users, lookups and accounts read once, then each row checked and saved."""

    def __init__(
        self, *, user, create_lookups: bool, result: ImportResult, number_format: str = MACHINE
    ):
        self.user = user
        self.number_format = number_format
        self.create_lookups = create_lookups
        self.result = result
        self.today = timezone.localdate()
        self.users = import_files.UserIndex()
        self.unrecorded: list[Opportunity] = []
        self.lookups = {
            column: import_files.LookupIndex(model) for column, model in _LOOKUP_COLUMNS.items()
        }
        # Account.objects.named's rule (case and surrounding spaces ignored) on every account at
        # once, so rows cost no lookup query.
        self.accounts: dict[str, list[Account | _AccountRef]] = defaultdict(list)
        self.new_accounts: list[Account] = []
        for row in Account.objects.values_list("pk", "name", "business_area_id"):
            self.accounts[_account_key(row[1])].append(_AccountRef(*row))

    def run(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Check every row, create the new accounts, then save each deal through the service."""
        deals = []
        for number, values in rows:
            errors: list[RowError] = []
            deal = self.build(number, values, errors)
            if errors:
                self.result.errors.extend(errors)
            else:
                deals.append(deal)
        # With errors the transaction is rolled back, but the deals are still saved so that the
        # stage gates the service checks are reported along with the other errors.
        self.create_accounts()
        for deal in deals:
            try:
                self.save(deal)
            except services.RuleError as error:
                column = STAGE if error.code == "stage_gate" else STATUS
                self.result.errors.append(RowError(deal.row, column, str(error)))
                continue
            self.result.created += 1
        self.write_history()

    def build(self, number: int, values: dict[str, str], errors: list[RowError]) -> _Deal | None:
        """The row's unsaved deal, or None with one entry in `errors` per bad cell."""

        def check(column: str, parse, *args):
            try:
                return parse(*args)
            except ValidationError as error:
                errors.extend(RowError(number, column, message) for message in error.messages)
            return None

        if "" in values:
            errors.append(
                RowError(
                    number,
                    "",
                    _("A cell has a value under a column without a header: “%(value)s”.")
                    % {"value": values[""]},
                )
            )
        status = check(STATUS, self.status, values[STATUS])
        owner = check(OWNER, self.owner, values[OWNER])
        stage = check(STAGE, self.lookup, STAGE, values[STAGE], True)
        area = check(BUSINESS_AREA, self.lookup, BUSINESS_AREA, values[BUSINESS_AREA], False)
        close = check(EXPECTED_CLOSE_DATE, _date, values[EXPECTED_CLOSE_DATE], True)
        amount = check(AMOUNT, _amount, values[AMOUNT], self.number_format)
        probability = check(PROBABILITY, _probability, values[PROBABILITY], self.number_format)
        closed_date = check(CLOSED_DATE, _date, values[CLOSED_DATE], False)
        loss_reason = check(LOSS_REASON, self.lookup, LOSS_REASON, values[LOSS_REASON], False)
        name = check(NAME, _text, values[NAME], Opportunity, "name")
        account = check(ACCOUNT, self.account, values[ACCOUNT])

        if status is not None:
            if status == Opportunity.Status.LOST and not values[LOSS_REASON]:
                errors.append(RowError(number, LOSS_REASON, _("A lost deal needs a loss reason.")))
            if status != Opportunity.Status.LOST and values[LOSS_REASON]:
                errors.append(
                    RowError(number, LOSS_REASON, _("A loss reason is only for lost deals."))
                )
            if status == Opportunity.Status.OPEN and values[CLOSED_DATE]:
                errors.append(
                    RowError(number, CLOSED_DATE, _("Closed date is only for won or lost deals."))
                )
            if stage is not None and stage.is_won_stage and status != Opportunity.Status.WON:
                errors.append(
                    RowError(
                        number,
                        STAGE,
                        _("“%(stage)s” is the won stage; a deal in it must have the status won.")
                        % {"stage": stage},
                    )
                )
        if errors:
            return None

        opportunity = Opportunity(
            name=name or account.name,
            owner=owner,
            business_area_id=area.pk if area is not None else account.business_area_id,
            stage=stage,
            expected_close_date=close,
            amount=amount,
        )
        if probability is not None:
            opportunity.probability = probability
            opportunity.is_probability_manual = True
        return _Deal(number, opportunity, account, status, closed_date, loss_reason)

    def save(self, deal: _Deal) -> None:
        """Create the deal through the service, then close it as the file says through
        `close_won` / `close_lost` (a deal in the won stage is closed by the stage itself).

        Its history record is written with the next batch (see `write_history`): one record
        per deal, of the deal as the file left it.
        """
        opportunity = deal.opportunity
        opportunity.account_id = deal.account.pk
        closed_date = deal.closed_date or self.today
        opportunity.skip_history_when_saving = True
        services.save_opportunity(
            opportunity,
            user=self.user,
            origin=Origin.IMPORT,
            offered_probability=None,
            closed_date=closed_date,
        )
        # Created in this transaction: the importer holds the row (LOCKED).
        if deal.status == Opportunity.Status.WON and opportunity.is_open:
            services.close_won(
                opportunity,
                user=self.user,
                closed_date=closed_date,
                origin=Origin.IMPORT,
                seen_version=LOCKED,
            )
        elif deal.status == Opportunity.Status.LOST:
            services.close_lost(
                opportunity,
                user=self.user,
                loss_reason=deal.loss_reason,
                closed_date=closed_date,
                origin=Origin.IMPORT,
                seen_version=LOCKED,
            )
        del opportunity.skip_history_when_saving
        self.unrecorded.append(opportunity)
        if len(self.unrecorded) >= _BATCH:
            self.write_history()

    def write_history(self) -> None:
        """One "created" history record per deal saved since the last batch, in one insert.

        simple_history's record on each save also reads the deal's contacts and co-responsible
        (two queries, empty for a new deal) and was most of an import's time; in batches a
        10,000-row file imports well under a minute. Each record keeps the import label and the
        user the service set on the deal.
        """
        Opportunity.history.bulk_history_create(self.unrecorded)
        self.unrecorded = []

    def create_accounts(self) -> None:
        """Insert the accounts the rows named but the database lacks, with their history."""
        if not self.new_accounts:
            return
        for account in self.new_accounts:
            self._label(account)
        Account.objects.bulk_create(self.new_accounts, batch_size=_BATCH)
        Account.history.bulk_history_create(self.new_accounts, batch_size=_BATCH)
        self.result.created_accounts = len(self.new_accounts)

    # --- cells -------------------------------------------------------------------------------

    def status(self, text: str) -> str:
        import_files.require(text)
        status = text.lower()
        if status not in _STATUSES:
            raise ValidationError(
                _("Unknown status “%(value)s”; use open, won or lost.") % {"value": text}
            )
        return status

    def owner(self, text: str):
        """The active user with the username `text`: a deactivated user owns no new deals."""
        import_files.require(text)
        user = self.users.get(text)
        if not user.is_active:
            raise ValidationError(
                _("%(name)s is deactivated and cannot own deals.") % {"name": display_name(user)},
                code="inactive",
            )
        return user

    def lookup(self, column: str, text: str, required: bool):
        """The lookup row named `text` (exact name first, then any case); with
        `create_lookups` an unknown name creates it. None for an empty optional cell."""
        if not text:
            if required:
                import_files.require(text)
            return None
        table = self.lookups[column]
        row = table.get(text)
        if row is not None:
            return row
        if self.create_lookups:
            return self.create_lookup(column, text)
        raise import_files.unknown_value(text, table.active_names())

    def create_lookup(self, column: str, name: str):
        """A new lookup row named exactly `name`, ordered after every existing one."""
        table = self.lookups[column]
        _text(name, table.model, "name")
        row = table.model(name=name, order=table.max_order + _LOOKUP_ORDER_STEP)
        if table.model is Stage:
            row.default_probability = 0
        self._label(row).save()
        table.add(row)
        self.result.created_lookups.append(CreatedLookup(table.model._meta.verbose_name, name))
        return row

    def account(self, text: str) -> Account | _AccountRef:
        """The account named `text`; an unknown name gives a new account, inserted (once) with
        the others before the deals are saved."""
        import_files.require(text)
        name = text.strip()
        matches = self.accounts.get(_account_key(name), [])
        if len(matches) > 1:
            raise ValidationError(
                _("Several accounts are named “%(name)s”; rename one before importing.")
                % {"name": name}
            )
        if matches:
            return matches[0]
        _text(name, Account, "name")
        account = Account(name=name)
        self.accounts[_account_key(name)].append(account)
        self.new_accounts.append(account)
        return account

    def _label(self, obj: models.Model) -> models.Model:
        label_change(obj, Origin.IMPORT)
        if self.user is not None:
            obj._history_user = self.user
        return obj


def _account_key(name: str) -> str:
    return name.strip().lower()


def _text(text: str, model: type[models.Model], field_name: str) -> str:
    """`text` if it fits the model field's length."""
    max_length = model._meta.get_field(field_name).max_length
    if len(text) > max_length:
        raise ValidationError(
            _("At most %(limit)d characters, this has %(length)d.")
            % {"limit": max_length, "length": len(text)}
        )
    return text


def _date(text: str, required: bool) -> date | None:
    if not text:
        if required:
            import_files.require(text)
        return None
    try:
        return _date_field.clean(text)
    except ValidationError as error:
        if any(item.code == "date_bounds" for item in error.error_list):
            raise
        raise ValidationError(
            _("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": text}
        ) from None


def _amount(text: str, number_format: str) -> Decimal:
    amount = import_files.number(text, number_format=number_format, places=2, max_digits=14)
    if amount is None:
        return Decimal("0.00")
    return _amount_field.clean(amount)


def _probability(text: str, number_format: str) -> int | None:
    probability = import_files.number(text, number_format=number_format, places=0, max_digits=18)
    if probability is None:
        return None
    return _probability_field.clean(int(probability))
