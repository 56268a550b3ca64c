"""Writes on deals that carry a rule. Views, the board, bulk actions, the importer and commands
all call these functions, so each rule lives in exactly one place."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account
from pipeline_crm.concurrency import (
    EditConflict,
    MissingVersion,
    SeenVersion,
    check_version,
    lock_held,
)
from pipeline_crm.history import Origin, label_change
from pipeline_crm.models import CompanySettings
from pipeline_crm.money import MAX_MONEY, ZERO, fits_money
from pipeline_crm.numbers import format_number

from .models import LossReason, Opportunity, OpportunityLine, Stage


class RuleError(Exception):
    """A write refused by a business rule; the message is for the user."""

    def __init__(self, message: str, *, code: str = "invalid", missing: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.missing = missing or []


# --- reads used by the writes ----------------------------------------------------------------


def default_close_date(today: date | None = None) -> date:
    """Today + the company's number of weeks (6 out of the box)."""
    today = today or timezone.localdate()
    return today + timedelta(weeks=CompanySettings.load().close_date_weeks)


GATE_LABELS = {
    "requires_amount": gettext_lazy("an amount"),
    "requires_close_date": gettext_lazy("an expected close date"),
    "requires_contact": gettext_lazy("a contact"),
    "requires_next_action": gettext_lazy("a next action date"),
}


def missing_for_stage(
    opportunity: Opportunity, stage: Stage, *, contact_count: int | None = None
) -> list[str]:
    """What the deal lacks before it may enter `stage` (seed 003's stage gates)."""
    missing = []
    if stage.requires_amount and not opportunity.amount:
        missing.append(str(GATE_LABELS["requires_amount"]))
    if stage.requires_close_date and not opportunity.expected_close_date:
        missing.append(str(GATE_LABELS["requires_close_date"]))
    if stage.requires_contact:
        if contact_count is None:
            contact_count = opportunity.contacts.count() if opportunity.pk else 0
        if not contact_count:
            missing.append(str(GATE_LABELS["requires_contact"]))
    if stage.requires_next_action and not opportunity.next_action_date:
        missing.append(str(GATE_LABELS["requires_next_action"]))
    return missing


def check_stage_gate(opportunity: Opportunity, stage: Stage, **kwargs) -> None:
    missing = missing_for_stage(opportunity, stage, **kwargs)
    if missing:
        raise RuleError(
            _("The stage “%(stage)s” needs %(missing)s first.")
            % {"stage": stage, "missing": get_text_list(missing, _("and"))},
            code="stage_gate",
            missing=missing,
        )


# --- the probability rule ----------------------------------------------------------------------


def apply_probability_rule(opportunity: Opportunity) -> Opportunity:
    """Probability follows the stage: won forces 100, lost forces 0; an open deal takes its
    stage's default unless the probability was set by hand for this deal."""
    if opportunity.status == Opportunity.Status.WON:
        opportunity.probability = 100
    elif opportunity.status == Opportunity.Status.LOST:
        opportunity.probability = 0
    elif not opportunity.is_probability_manual:
        opportunity.probability = opportunity.stage.default_probability
    return opportunity


def enter_stage(opportunity: Opportunity, stage: Stage, *, today: date) -> None:
    """The stage date is the day the deal entered its current stage (no save, no gate)."""
    if opportunity.stage_id != stage.pk:
        opportunity.stage = stage
        opportunity.stage_date = today


def _save(opportunity: Opportunity, *, user: User | None, origin: Origin | str) -> Opportunity:
    label_change(opportunity, origin)
    if user is not None:
        opportunity._history_user = user
    opportunity.save()
    return opportunity


def _lock(opportunity: Opportunity, seen_version: SeenVersion) -> None:
    """Refuse the write when the deal changed since `seen_version` (the save bumps it)."""
    if opportunity.pk:
        check_version(opportunity, seen_version)


# --- create and edit ---------------------------------------------------------------------------

# What a closed deal was won or lost with: every figure it adds to. They change only after the
# deal is reopened (DESIGN.md, Closing); the edit form shows them read-only.
CLOSED_FIELDS = (
    "amount",
    "stage",
    "probability",
    "expected_close_date",
    "next_action_date",
    "business_area",
    "owner",
)


def _refuse_closed_changes(opportunity: Opportunity) -> None:
    """Refuse a save that changes a closed deal's `CLOSED_FIELDS` (an open deal passes).

    Called after `_lock`: the deal's status is the row's, so an open deal costs no query."""
    if opportunity.pk is None or opportunity.is_open:
        return
    attnames = [Opportunity._meta.get_field(name).attname for name in CLOSED_FIELDS]
    stored = Opportunity.objects.filter(pk=opportunity.pk).values("status", *attnames).first()
    if stored is None or stored["status"] == Opportunity.Status.OPEN:
        return
    changed = [
        str(Opportunity._meta.get_field(name).verbose_name)
        for name, attname in zip(CLOSED_FIELDS, attnames, strict=True)
        if getattr(opportunity, attname) != stored[attname]
    ]
    if changed:
        raise RuleError(
            _("“%(name)s” is closed: reopen it to change its %(fields)s.")
            % {"name": opportunity, "fields": get_text_list(changed, _("and"))},
            code="closed",
        )


@transaction.atomic
def save_opportunity(
    opportunity: Opportunity,
    *,
    user: User | None,
    origin: Origin | str = Origin.FORM,
    offered_probability: int | None = None,
    previous_stage: Stage | None = None,
    contacts: Iterable | None = None,
    co_responsible: Iterable | None = None,
    seen_version: SeenVersion = None,
    closed_date: date | None = None,
) -> Opportunity:
    """Create or update a deal from a form (or the importer) with every rule applied.

    `offered_probability` is the probability the form showed; a different value typed by the
    user marks the probability as set by hand, which a stage change in the same save keeps.
    A stage that is the won stage closes the deal as won, on `closed_date` (default today).
    Stage gates are checked on entry. An update needs the version it was based on; a closed
    deal's `CLOSED_FIELDS` are refused until it is reopened.
    """
    today = timezone.localdate()
    _lock(opportunity, seen_version)
    _refuse_closed_changes(opportunity)
    if offered_probability is not None and opportunity.probability != offered_probability:
        opportunity.is_probability_manual = True
    contact_count = len(list(contacts)) if contacts is not None else None
    stage_changed = previous_stage is None or previous_stage.pk != opportunity.stage_id
    if stage_changed:
        check_stage_gate(opportunity, opportunity.stage, contact_count=contact_count)
        opportunity.stage_date = today
    if opportunity.stage.is_won_stage and opportunity.is_open:
        mark_won(opportunity, user=user, closed_date=closed_date or today)
    if opportunity.amount is None:
        opportunity.amount = ZERO
    apply_probability_rule(opportunity)
    _save(opportunity, user=user, origin=origin)
    if contacts is not None:
        opportunity.contacts.set(contacts)
    if co_responsible is not None:
        opportunity.co_responsible.set(co_responsible)
    return opportunity


@transaction.atomic
def reset_probability(
    opportunity: Opportunity, *, user: User | None, seen_version: SeenVersion = None
) -> Opportunity:
    """Clear the hand-set flag and let the probability follow the stage again."""
    _lock(opportunity, seen_version)
    opportunity.is_probability_manual = False
    apply_probability_rule(opportunity)
    return _save(opportunity, user=user, origin=Origin.FORM)


# --- stage changes -----------------------------------------------------------------------------


@transaction.atomic
def change_stage(
    opportunity: Opportunity,
    stage: Stage,
    *,
    user: User | None,
    origin: Origin | str,
    seen_version: SeenVersion = None,
) -> Opportunity:
    """Move an open deal to `stage` (board drop, bulk change, the card's keyboard control).

    Checks the stage gate; entering the won stage closes the deal as won; the probability
    follows the stage unless it was set by hand. A closed deal must be reopened first.
    """
    _lock(opportunity, seen_version)
    if not opportunity.is_open:
        raise RuleError(
            _("“%(name)s” is closed; reopen it before changing its stage.") % {"name": opportunity},
            code="closed",
        )
    if not stage.is_active:
        raise RuleError(
            _("The stage “%(stage)s” is not active.") % {"stage": stage}, code="inactive"
        )
    if stage.pk == opportunity.stage_id:
        return opportunity
    check_stage_gate(opportunity, stage)
    today = timezone.localdate()
    enter_stage(opportunity, stage, today=today)
    if stage.is_won_stage:
        mark_won(opportunity, user=user, closed_date=today)
    apply_probability_rule(opportunity)
    return _save(opportunity, user=user, origin=origin)


# --- closing and reopening ---------------------------------------------------------------------


def _refuse_closing_twice(opportunity: Opportunity) -> None:
    if not opportunity.is_open:
        raise RuleError(
            _("“%(name)s” is already closed; reopen it before closing it again.")
            % {"name": opportunity},
            code="closed",
        )


def _remember_hand_set(opportunity: Opportunity) -> None:
    """Keep the hand-set probability across a close, for `reopen` (the close forces 100 or 0)."""
    if opportunity.is_open:
        opportunity.probability_before_close = (
            opportunity.probability if opportunity.is_probability_manual else None
        )
        opportunity.is_probability_manual = False  # forced to 100 or 0 while closed


def mark_won(opportunity: Opportunity, *, user: User | None, closed_date: date) -> None:
    """The fields of a deal closed as won (no save, no check): the services and `seed_demo`."""
    _remember_hand_set(opportunity)
    opportunity.status = Opportunity.Status.WON
    opportunity.closed_date = closed_date
    opportunity.closed_by = user
    opportunity.loss_reason = None


def mark_lost(
    opportunity: Opportunity, *, user: User | None, loss_reason: LossReason, closed_date: date
) -> None:
    """The fields of a deal closed as lost (no save, no check): the services and `seed_demo`."""
    _remember_hand_set(opportunity)
    opportunity.status = Opportunity.Status.LOST
    opportunity.loss_reason = loss_reason
    opportunity.closed_date = closed_date
    opportunity.closed_by = user


def _save_closed(
    opportunity: Opportunity, *, report: str, user: User | None, origin: Origin | str
) -> Opportunity:
    """Save a deal just marked won or lost: its win/loss report, if one was written, and the
    probability the closing forces (100 or 0)."""
    if report:
        opportunity.win_loss_report = report
    apply_probability_rule(opportunity)
    return _save(opportunity, user=user, origin=origin)


@transaction.atomic
def close_won(
    opportunity: Opportunity,
    *,
    user: User | None,
    closed_date: date | None = None,
    report: str = "",
    origin: Origin | str = Origin.FORM,
    seen_version: SeenVersion = None,
) -> Opportunity:
    """Close an open deal as won on `closed_date` (default today): probability 100, optional
    win report. A closed deal is refused: reopen it first."""
    _lock(opportunity, seen_version)
    _refuse_closing_twice(opportunity)
    mark_won(opportunity, user=user, closed_date=closed_date or timezone.localdate())
    return _save_closed(opportunity, report=report, user=user, origin=origin)


@transaction.atomic
def close_lost(
    opportunity: Opportunity,
    *,
    user: User | None,
    loss_reason: LossReason | None,
    closed_date: date | None = None,
    report: str = "",
    origin: Origin | str = Origin.FORM,
    seen_version: SeenVersion = None,
) -> Opportunity:
    """Close an open deal as lost: a loss reason is required on every path; probability 0.
    A closed deal is refused: reopen it first."""
    if loss_reason is None:
        raise RuleError(_("A lost deal needs a loss reason."), code="loss_reason_required")
    _lock(opportunity, seen_version)
    _refuse_closing_twice(opportunity)
    mark_lost(
        opportunity,
        user=user,
        loss_reason=loss_reason,
        closed_date=closed_date or timezone.localdate(),
    )
    return _save_closed(opportunity, report=report, user=user, origin=origin)


@transaction.atomic
def reopen(
    opportunity: Opportunity,
    *,
    user: User | None,
    stage: Stage | None = None,
    origin: Origin | str = Origin.FORM,
    seen_version: SeenVersion = None,
) -> Opportunity:
    """Reopen a closed deal (recorded in its history) with the probability rule applied again:
    the probability set by hand before the close, if any, else the stage's default.

    A deal won by entering the won stage goes back to `stage`, or to the last open stage.
    Entering another stage checks its gate, as a stage change does.
    """
    _lock(opportunity, seen_version)
    if opportunity.is_open:
        raise RuleError(_("“%(name)s” is already open.") % {"name": opportunity}, code="open")
    if stage is None and opportunity.stage.is_won_stage:
        stage = Stage.objects.active().filter(is_won_stage=False).order_by("-order", "-pk").first()
    if stage is not None and stage.pk != opportunity.stage_id:
        check_stage_gate(opportunity, stage)
        enter_stage(opportunity, stage, today=timezone.localdate())
    opportunity.status = Opportunity.Status.OPEN
    opportunity.closed_date = None
    opportunity.closed_by = None
    opportunity.loss_reason = None
    opportunity.win_loss_report = ""  # it told of the closing undone; the history keeps it
    hand_set = opportunity.probability_before_close
    opportunity.is_probability_manual = hand_set is not None
    if hand_set is not None:
        opportunity.probability = hand_set
    opportunity.probability_before_close = None
    apply_probability_rule(opportunity)
    return _save(opportunity, user=user, origin=origin)


# --- lines -------------------------------------------------------------------------------------


def apply_lines(opportunity: Opportunity, lines: list[OpportunityLine]) -> Opportunity:
    """The amount rule, without saving: with lines, amount = Σ line totals and margin = Σ line
    margins; without, the typed amount stays and there is no margin (`recalculate_amount`,
    `seed_demo`)."""
    opportunity.has_lines = bool(lines)
    if lines:
        opportunity.amount = sum((line.total for line in lines), ZERO)
        opportunity.margin = sum((line.margin for line in lines), ZERO)
    else:
        opportunity.margin = None
    return opportunity


def recalculate_amount(opportunity: Opportunity, *, user: User | None) -> Opportunity:
    """Apply the amount rule (`apply_lines`) to the deal's lines and save it.

    The first line replaces a typed amount (the line form says so beforehand; the typed amount
    stays in the history). Removing the last line keeps the amount the lines came to: what the
    deal was last worth, not a typed figure from before the lines that may be long outdated;
    the line form says so, and the amount can be typed again in the deal's form."""
    lines = list(opportunity.lines.all())
    apply_lines(opportunity, lines)
    if lines:
        if not (fits_money(opportunity.amount) and fits_money(opportunity.margin)):
            raise RuleError(
                _("The deal's lines would come to more than the largest amount, %(largest)s.")
                % {"largest": format_number(MAX_MONEY)},
                code="too_large",
            )
    apply_probability_rule(opportunity)
    return _save(opportunity, user=user, origin=Origin.FORM)


def _refuse_closed(opportunity: Opportunity) -> None:
    """A closed deal changes only after it is reopened (DESIGN.md, Closing)."""
    if not opportunity.is_open:
        raise RuleError(
            _("“%(name)s” is closed: reopen it to change it.") % {"name": opportunity},
            code="closed",
        )


def _refuse_closed_lines(opportunity: Opportunity) -> None:
    """A closed deal's lines are what it was won or lost with: reopen it to change them."""
    if not opportunity.is_open:
        raise RuleError(
            _("“%(name)s” is closed: reopen it to change its lines.") % {"name": opportunity},
            code="closed",
        )


def _save_line(line: OpportunityLine, opportunity: Opportunity, *, user: User | None) -> None:
    """Save `line` on the locked `opportunity` from a form: an empty unit price is the
    product's list price, an empty cost its cost. The deal's amount is the caller's."""
    line.opportunity = opportunity
    if line.unit_price is None:
        line.unit_price = line.product.list_price
    if line.unit_cost is None:
        line.unit_cost = line.product.unit_cost
    label_change(line, Origin.FORM)
    line._history_user = user
    line.save()


@transaction.atomic
def add_line(
    opportunity: Opportunity, line: OpportunityLine, *, user: User | None
) -> OpportunityLine:
    """Add a product line (unit price defaults to the product's list price, cost to its cost)."""
    opportunity = lock_held(Opportunity.objects.select_for_update().get(pk=opportunity.pk))
    _refuse_closed_lines(opportunity)
    _save_line(line, opportunity, user=user)
    recalculate_amount(opportunity, user=user)
    return line


@transaction.atomic
def remove_line(line: OpportunityLine, *, user: User | None) -> Opportunity:
    opportunity = lock_held(Opportunity.objects.select_for_update().get(pk=line.opportunity_id))
    _refuse_closed_lines(opportunity)
    label_change(line, Origin.FORM)
    line._history_user = user
    line.delete()
    return recalculate_amount(opportunity, user=user)


@transaction.atomic
def replace_lines(
    opportunity: Opportunity,
    lines: Iterable[OpportunityLine],
    *,
    user: User | None,
    seen_version: SeenVersion,
) -> Opportunity:
    """Replace every line of the open deal with `lines` (unsaved) in one write.

    The deal is locked and its version compared with `seen_version` (EditConflict when it
    changed since the user loaded it, MissingVersion without one); a closed deal is refused
    (RuleError). The old lines are deleted and the new ones saved, each in its own history;
    the amount rule (`recalculate_amount`) runs once, so the deal gets one history entry and
    one version bump. An empty `lines` leaves the deal without lines, keeping the amount they
    came to. A unit price or cost left None is the product's, as in `add_line`.
    """
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    _lock(opportunity, seen_version)
    _refuse_closed_lines(opportunity)
    for old in opportunity.lines.all():
        label_change(old, Origin.FORM)
        old._history_user = user
        old.delete()
    for line in lines:
        _save_line(line, opportunity, user=user)
    return recalculate_amount(opportunity, user=user)


# --- bulk --------------------------------------------------------------------------------------


def _bulk_one(selected: Opportunity, seen_versions: Mapping[int, int], change) -> bool:
    """Lock and re-read the deal, then `change(fresh deal, seen_version)` in a savepoint.

    The version is the one the list showed when the user selected the deal: a deal changed
    since (a line added, a form saved) is refused with EditConflict, not overwritten."""
    with transaction.atomic():
        try:
            fresh = (
                Opportunity.objects.select_for_update().select_related("stage").get(pk=selected.pk)
            )
        except Opportunity.DoesNotExist:
            raise RuleError(_("It was deleted meanwhile."), code="deleted") from None
        return change(fresh, seen_versions.get(selected.pk))


def _bulk_refusal(selected: Opportunity, error: Exception) -> str:
    if isinstance(error, EditConflict) and not isinstance(error, MissingVersion):
        error = _("It was changed since you selected it, so it was left as it is.")
    return f"{selected}: {error}"


def _bulk_apply(
    opportunities: Iterable[Opportunity], seen_versions: Mapping[int, int], change
) -> tuple[int, list[str]]:
    """`change(fresh deal, seen_version) -> changed?` on each deal through `_bulk_one`; a deal
    a rule refuses or that changed since is left as it is and named in a message.

    Returns (changed count, messages for the deals refused)."""
    changed, refused = 0, []
    for selected in opportunities:
        try:
            changed += _bulk_one(selected, seen_versions, change)
        except (RuleError, EditConflict) as error:
            refused.append(_bulk_refusal(selected, error))
    return changed, refused


@transaction.atomic
def bulk_change_stage(
    opportunities: Iterable[Opportunity],
    stage: Stage,
    *,
    user: User | None,
    seen_versions: Mapping[int, int],
) -> tuple[int, list[str]]:
    """Move each deal through `change_stage` (rules and history per deal), read afresh under
    a lock; `seen_versions` maps each deal's id to the version the user selected it at.

    Returns (moved count, messages for the deals refused: by a rule, or changed since).
    """

    def move(opportunity: Opportunity, seen: int | None) -> bool:
        before = opportunity.stage_id
        change_stage(opportunity, stage, user=user, origin=Origin.BULK, seen_version=seen)
        return before != opportunity.stage_id

    return _bulk_apply(opportunities, seen_versions, move)


@transaction.atomic
def change_owner(
    opportunity: Opportunity,
    owner: User,
    *,
    user: User | None,
    origin: Origin | str,
    seen_version: SeenVersion = None,
) -> Opportunity:
    """Give the deal to `owner` (the bulk action; the edit form saves the owner with the rest).

    Who may do it is the view's check (`access.can_reassign`). A closed deal keeps its owner
    until it is reopened: it is what it was won or lost with."""
    _lock(opportunity, seen_version)
    if opportunity.owner_id == owner.pk:
        return opportunity
    _refuse_closed(opportunity)
    opportunity.owner = owner
    return _save(opportunity, user=user, origin=origin)


@transaction.atomic
def bulk_change_owner(
    opportunities: Iterable[Opportunity],
    owner: User,
    *,
    user: User | None,
    seen_versions: Mapping[int, int],
) -> tuple[int, list[str]]:
    """Give each deal to `owner` through `change_owner`, read afresh under a lock, as
    `bulk_change_stage` does. Returns (reassigned count, messages for the deals refused)."""

    def reassign(opportunity: Opportunity, seen: int | None) -> bool:
        before = opportunity.owner_id
        change_owner(opportunity, owner, user=user, origin=Origin.BULK, seen_version=seen)
        return before != opportunity.owner_id

    return _bulk_apply(opportunities, seen_versions, reassign)


# --- defaults for a new deal -------------------------------------------------------------------


def new_opportunity(*, user: User, account: Account | None = None) -> Opportunity:
    """An unsaved deal with the defaults: name, area and source from the account, owner me,
    the first active stage and its probability, close date today + N weeks."""
    stage = Stage.objects.active().filter(is_won_stage=False).first()
    opportunity = Opportunity(
        owner=user,
        stage=stage,
        expected_close_date=default_close_date(),
        probability=stage.default_probability if stage else 0,
    )
    if account is not None:
        opportunity.account = account
        opportunity.name = account.name
        opportunity.business_area_id = account.business_area_id
        opportunity.source_id = account.lead_source_id
    return opportunity
