"""Writes on quotes that carry a rule: every page, command and the seed go through these.

- totals: line total = quantity × unit price × (1 − discount/100), rounded half up per line;
  the quote's amount is the sum of its lines, VAT on that sum (`quote_totals`);
- freezing: only a draft changes; a change to a sent quote is a new version (`revise`);
- numbering: a sent quote's number comes from its year's locked counter (`assign_number`);
- status changes go through `_set_status`, so each is in the history with who and when.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from opportunities import services as deal_services
from opportunities.models import LossReason, Opportunity, OpportunityLine
from opportunities.services import RuleError
from pipeline_crm.concurrency import LOCKED, SeenVersion
from pipeline_crm.history import Origin, label_change
from pipeline_crm.models import CompanySettings
from pipeline_crm.money import MAX_MONEY, ZERO, fits_money, round_money
from pipeline_crm.numbers import format_number

from .models import (
    MinimumMargin,
    PriceListItem,
    Quote,
    QuoteLine,
    QuoteNumberCounter,
    QuoteSettings,
)

__all__ = ["RuleError"]


# --- totals ------------------------------------------------------------------------------------


def quote_totals(lines: Iterable[QuoteLine], vat_percent: Decimal) -> dict[str, Decimal]:
    """amount = Σ line totals (each rounded), margin = Σ line margins, VAT on the amount."""
    lines = list(lines)
    amount = sum((line.total for line in lines), ZERO)
    margin = sum((line.margin for line in lines), ZERO)
    vat = round_money(amount * vat_percent / Decimal(100))
    return {"amount": amount, "margin": margin, "vat_amount": vat}


# --- price lists and the margin guard ------------------------------------------------------------


def list_price(product, account) -> Decimal:
    """The product's price for `account`: from the account's own price list, else from the
    default list, else the product's list price."""
    items = PriceListItem.objects.filter(product=product, price_list__is_active=True).filter(
        Q(price_list__account=account) | Q(price_list__is_default=True)
    )
    prices = {
        bool(account_id): price
        for account_id, price in items.values_list("price_list__account", "price")
    }
    if True in prices:
        return prices[True]
    if False in prices:
        return prices[False]
    return product.list_price


def flag_lines(lines: Iterable[QuoteLine]) -> list[QuoteLine]:
    """Mark each line under cost (`is_under_cost`) or under its product group's minimum margin
    (`is_under_minimum`, with `minimum_margin`): the margin guard. One query for the minimums;
    the lines' products must be loaded."""
    lines = list(lines)
    minimums = dict(MinimumMargin.objects.values_list("group_id", "percent"))
    for line in lines:
        minimum = minimums.get(line.product.group_id)
        percent = line.margin_percent
        line.minimum_margin = minimum
        line.is_under_minimum = (
            minimum is not None and (percent is None or percent < minimum)
        ) or line.is_under_cost
    return lines


def needs_approval(quote: Quote) -> bool:
    """Whether sending `quote` needs a manager's approval first: a draft with a line under
    cost or under its group's minimum margin. An approved quote does not (it is frozen)."""
    return quote.status == Quote.Status.DRAFT and quote.has_margin_warning


def _recalculate(quote: Quote) -> Quote:
    lines = flag_lines(quote.lines.select_related("product"))
    quote.has_margin_warning = any(line.is_under_minimum for line in lines)
    totals = quote_totals(lines, quote.vat_percent)
    if not all(fits_money(value) for value in totals.values()):
        raise RuleError(
            _("The quote's lines would come to more than the largest amount, %(largest)s.")
            % {"largest": format_number(MAX_MONEY)},
            code="too_large",
        )
    for name, value in totals.items():
        setattr(quote, name, value)
    return quote


@transaction.atomic
def recalculate(quote: Quote, *, user: User | None = None) -> Quote:
    """Recompute a draft's stored totals and margin flag from its lines (after lines were
    written in bulk, as the seed and the benchmark do)."""
    quote = _locked_draft(quote)
    return _save(_recalculate(quote), user=user, origin=Origin.SYSTEM)


def _save(quote: Quote, *, user: User | None, origin: Origin | str = Origin.FORM) -> Quote:
    label_change(quote, origin)
    if user is not None:
        quote._history_user = user
    quote.save()
    return quote


def _locked(quote: Quote) -> Quote:
    """The quote re-read under a row lock: two tabs never both send or accept it."""
    return Quote.objects.select_for_update().get(pk=quote.pk)


# Where a quote stands, one whole sentence per status: a refusal starts with it (a translated
# status name lowered into another sentence reads wrong in most languages).
STATUS_SENTENCES = {
    Quote.Status.DRAFT: gettext_lazy("%(quote)s is a draft."),
    Quote.Status.AWAITING_APPROVAL: gettext_lazy("%(quote)s is awaiting a manager's approval."),
    Quote.Status.APPROVED: gettext_lazy("%(quote)s is approved and not yet sent."),
    Quote.Status.SENT: gettext_lazy("%(quote)s has been sent."),
    Quote.Status.ACCEPTED: gettext_lazy("%(quote)s has been accepted."),
    Quote.Status.DECLINED: gettext_lazy("%(quote)s has been declined."),
    Quote.Status.EXPIRED: gettext_lazy("%(quote)s has expired."),
}


def status_sentence(quote: Quote) -> str:
    """Where the quote stands, as a sentence: "Q-2026-0001 (v1) has been sent." """
    return str(STATUS_SENTENCES[quote.status]) % {"quote": quote}


def _refusal(quote: Quote, rule: str, *, code: str) -> RuleError:
    return RuleError(f"{status_sentence(quote)} {rule}", code=code)


def _refuse_frozen(quote: Quote) -> None:
    if not quote.is_editable:
        raise _refusal(quote, _("Only a draft changes: make a new version instead."), code="frozen")


def _locked_draft(quote: Quote) -> Quote:
    """The quote re-read under a row lock, refused unless it is still a draft."""
    quote = _locked(quote)
    _refuse_frozen(quote)
    return quote


def _refuse_closed_deal(opportunity: Opportunity) -> None:
    if not opportunity.is_open:
        raise RuleError(
            _("“%(name)s” is closed: reopen it to quote it again.") % {"name": opportunity},
            code="closed",
        )


# --- create, edit and revise ---------------------------------------------------------------------


def _next_version(opportunity: Opportunity) -> int:
    return (opportunity.quotes.aggregate(last=Max("version"))["last"] or 0) + 1


@transaction.atomic
def create_quote(
    opportunity: Opportunity, *, user: User | None, origin: Origin | str = Origin.FORM
) -> Quote:
    """A new draft of the open deal: its lines copied (product, description, quantity, unit
    price, discount, unit cost), its first contact, the company's payment terms and VAT.

    The version is the deal's next (v1, v2, …); the deal's row is locked while it is chosen.
    """
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    _refuse_closed_deal(opportunity)
    company = QuoteSettings.load()
    quote = Quote(
        opportunity=opportunity,
        owner_id=opportunity.owner_id,  # kept by the deal's trigger from now on (`kept_owner`)
        version=_next_version(opportunity),
        contact=opportunity.contacts.order_by("pk").first(),
        payment_terms=company.payment_terms,
        currency=CompanySettings.load().currency,
        vat_percent=company.vat_percent if company.uses_vat else ZERO,
        created_by=user,
    )
    _save(quote, user=user, origin=origin)
    lines = [
        QuoteLine(
            quote=quote, position=position, description=line.product.name, **line.priced_values()
        )
        for position, line in enumerate(opportunity.lines.select_related("product"), start=1)
    ]
    bulk_create_with_history(lines, QuoteLine, default_user=user, default_change_reason=str(origin))
    _recalculate(quote)
    return _save(quote, user=user, origin=origin)


HEADER_FIELDS = ("contact", "payment_terms", "introduction", "closing_text")


@transaction.atomic
def save_quote(quote: Quote, *, user: User | None) -> Quote:
    """Save a draft's header (contact, payment terms, texts) filled in by a form.

    Only the header's fields are taken from `quote`: its totals are re-read under the lock,
    so a line added meanwhile in another tab keeps its effect on them.
    """
    current = _locked_draft(quote)
    for name in HEADER_FIELDS:
        setattr(current, name, getattr(quote, name))
    if current.contact is not None and current.contact.account_id != current.opportunity.account_id:
        raise RuleError(_("Choose a contact of the deal's account."), code="contact")
    return _save(current, user=user)


def _fill_defaults(line: QuoteLine, quote: Quote) -> None:
    """A line's empty unit price comes from the price lists, its cost and text from the
    product."""
    if line.unit_price is None:
        line.unit_price = list_price(line.product, quote.opportunity.account_id)
    if line.unit_cost is None:
        line.unit_cost = line.product.unit_cost
    if not line.description:
        line.description = line.product.name


def _save_line(line: QuoteLine, quote: Quote, *, user: User | None) -> None:
    """Save `line` of the locked draft `quote` from a form, with its defaults, and the quote's
    totals after it."""
    _fill_defaults(line, quote)
    label_change(line, Origin.FORM)
    line._history_user = user
    line.save()
    _save(_recalculate(quote), user=user)


@transaction.atomic
def add_line(quote: Quote, line: QuoteLine, *, user: User | None) -> QuoteLine:
    """Add a line to a draft; the unit price and cost default to the product's."""
    quote = _locked_draft(quote)
    line.quote = quote
    line.position = (quote.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    _save_line(line, quote, user=user)
    return line


@transaction.atomic
def update_line(line: QuoteLine, *, user: User | None) -> QuoteLine:
    """Save a changed line of a draft."""
    quote = _locked_draft(line.quote)
    _save_line(line, quote, user=user)
    return line


@transaction.atomic
def remove_line(line: QuoteLine, *, user: User | None) -> Quote:
    quote = _locked_draft(line.quote)
    label_change(line, Origin.FORM)
    line._history_user = user
    line.delete()
    return _save(_recalculate(quote), user=user)


@transaction.atomic
def revise(quote: Quote, *, user: User | None) -> Quote:
    """A new draft version of `quote` with its texts and lines: how a sent quote changes.

    The sent version stays as it was sent; the new one gets the deal's next version number.
    """
    source = _locked(quote)
    opportunity = Opportunity.objects.select_for_update().get(pk=source.opportunity_id)
    _refuse_closed_deal(opportunity)
    company = QuoteSettings.load()
    copy = Quote(
        opportunity=opportunity,
        owner_id=opportunity.owner_id,
        version=_next_version(opportunity),
        contact=source.contact,
        payment_terms=source.payment_terms,
        introduction=source.introduction,
        closing_text=source.closing_text,
        currency=source.currency,
        vat_percent=company.vat_percent if company.uses_vat else ZERO,
        created_by=user,
    )
    _save(copy, user=user)
    lines = [
        QuoteLine(
            quote=copy,
            position=line.position,
            description=line.description,
            **line.priced_values(),
        )
        for line in source.lines.all()
    ]
    bulk_create_with_history(lines, QuoteLine, default_user=user, default_change_reason="form")
    return _save(_recalculate(copy), user=user)


# --- numbering -----------------------------------------------------------------------------------


def format_quote_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}{year}-{sequence:04d}"


def reserve_numbers(year: int, count: int) -> range:
    """The next `count` running numbers of `year`, taken from its counter row under a lock.

    Call inside the transaction that uses them: the row stays locked until it commits, so two
    callers never share a number, and a rollback gives the numbers back (gap-free per year).
    """
    QuoteNumberCounter.objects.get_or_create(year=year)
    counter = QuoteNumberCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return range(first, counter.last + 1)


def assign_number(quote: Quote, *, today: date) -> Quote:
    """Give `quote` the next number of `today`'s year: prefix, year, running number.

    Called inside the send's transaction (`reserve_numbers`): a send that fails rolls its
    number back with it, so none is skipped.
    """
    year = today.year
    (sequence,) = reserve_numbers(year, 1)
    quote.number_year = year
    quote.number_sequence = sequence
    quote.number = format_quote_number(QuoteSettings.load().number_prefix, year, sequence)
    return quote


# --- status --------------------------------------------------------------------------------------


def _set_status(
    quote: Quote,
    status: Quote.Status,
    *,
    user: User | None,
    comment: str = "",
    origin: Origin | str = Origin.FORM,
) -> Quote:
    quote.status = status
    quote.status_comment = comment
    return _save(quote, user=user, origin=origin)


def default_valid_until(today: date, *, company: QuoteSettings | None = None) -> date:
    """A quote sent `today` is valid until today + the company's days (`company`: the
    settings row when the caller has it loaded already)."""
    return today + timedelta(days=(company or QuoteSettings.load()).valid_days)


def quote_language(quote: Quote) -> str:
    """The contact's language, else the company's default quote language."""
    contact_language = getattr(quote.contact, "language", "") if quote.contact_id else ""
    return contact_language or QuoteSettings.load().language


@transaction.atomic
def mark_sent(quote: Quote, *, user: User | None, today: date | None = None) -> Quote:
    """Freeze a draft (or an approved quote) as sent: its number, valid-until date and
    language are set now. `send.send_quote` calls this; the PDF and e-mail follow."""
    today = today or timezone.localdate()
    quote = _locked(quote)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.APPROVED):
        raise _refusal(
            quote, _("Only a draft or an approved quote can be sent."), code="not_sendable"
        )
    if not quote.lines.exists():
        raise RuleError(_("A quote needs at least one line before it is sent."), code="empty")
    assign_number(quote, today=today)
    quote.valid_until = default_valid_until(today)
    quote.language = quote_language(quote)
    quote.sent_at = timezone.now()
    quote.sent_by = user
    return _set_status(quote, Quote.Status.SENT, user=user)


@transaction.atomic
def expire_quotes(*, today: date, user: User | None = None) -> int:
    """Mark every sent quote whose valid-until date has passed as expired (the daily job).

    Returns how many expired."""
    expired = 0
    for quote in Quote.objects.expiring(today).select_for_update().order_by("pk"):
        _set_status(quote, Quote.Status.EXPIRED, user=user, origin=Origin.SYSTEM)
        expired += 1
    return expired


# --- approval ------------------------------------------------------------------------------------


@transaction.atomic
def request_approval(quote: Quote, *, user: User | None, comment: str = "") -> Quote:
    """Put a draft under the minimum margin in the managers' approval queue (it is frozen
    there: a refusal gives it back as a draft)."""
    quote = _locked(quote)
    if not needs_approval(quote):
        raise RuleError(_("This quote needs no approval."), code="no_approval_needed")
    return _set_status(quote, Quote.Status.AWAITING_APPROVAL, user=user, comment=comment)


def _refuse_unless_awaiting(quote: Quote) -> None:
    if quote.status != Quote.Status.AWAITING_APPROVAL:
        raise RuleError(
            _("%(quote)s is not awaiting approval.") % {"quote": quote}, code="not_awaiting"
        )


@transaction.atomic
def approve_quote(quote: Quote, *, user: User | None, comment: str = "") -> Quote:
    """A manager approves the quote as it is: it may now be sent."""
    quote = _locked(quote)
    _refuse_unless_awaiting(quote)
    return _set_status(quote, Quote.Status.APPROVED, user=user, comment=comment)


@transaction.atomic
def refuse_quote(quote: Quote, *, user: User | None, comment: str = "") -> Quote:
    """A manager refuses the quote: it is a draft again, with the manager's comment."""
    quote = _locked(quote)
    _refuse_unless_awaiting(quote)
    return _set_status(quote, Quote.Status.DRAFT, user=user, comment=comment)


# --- answers -------------------------------------------------------------------------------------


def _refuse_unless_outstanding(quote: Quote) -> None:
    if quote.status != Quote.Status.SENT:
        raise _refusal(
            quote, _("Only a sent quote can be accepted or declined."), code="not_outstanding"
        )


@transaction.atomic
def accept_quote(
    quote: Quote, *, user: User | None, seen_version: SeenVersion, comment: str = ""
) -> Quote:
    """The customer accepted: the deal's lines (and so its amount and margin) become the
    quote's in one write of the deal (`opportunities.services.replace_lines`), and the quote is
    accepted. `seen_version` is the deal's version the user's page showed: a deal changed
    since is refused (EditConflict). Closing the deal as won is the user's next step, through
    the deal's close rules."""
    quote = _locked(quote)
    _refuse_unless_outstanding(quote)
    opportunity = Opportunity.objects.select_for_update().get(pk=quote.opportunity_id)
    _refuse_closed_deal(opportunity)
    deal_services.replace_lines(
        opportunity,
        [OpportunityLine(**line.priced_values()) for line in quote.lines.all()],
        user=user,
        seen_version=seen_version,
    )
    quote.answered_at = timezone.now()
    return _set_status(quote, Quote.Status.ACCEPTED, user=user, comment=comment)


@transaction.atomic
def decline_quote(
    quote: Quote,
    *,
    user: User | None,
    comment: str = "",
    close_deal: bool = False,
    loss_reason: LossReason | None = None,
) -> Quote:
    """The customer declined. With `close_deal`, the deal is closed as lost through its close
    rules (a loss reason is required there), the comment as its loss report."""
    quote = _locked(quote)
    _refuse_unless_outstanding(quote)
    if close_deal:
        opportunity = Opportunity.objects.select_for_update().get(pk=quote.opportunity_id)
        _refuse_closed_deal(opportunity)
        deal_services.close_lost(
            opportunity,
            user=user,
            loss_reason=loss_reason,
            report=comment,
            seen_version=LOCKED,  # locked and re-read above
        )
    quote.answered_at = timezone.now()
    return _set_status(quote, Quote.Status.DECLINED, user=user, comment=comment)
