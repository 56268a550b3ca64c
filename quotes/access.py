"""Who may do what with a quote: the deal's rules (`opportunities.access`), checked on the
object. Everyone who sees the deal sees its quotes; its editors change them."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from opportunities.access import can_edit as can_edit_deal
from pipeline_crm.roles import is_manager

from .models import Quote, QuoteLine

QUOTE_JOINS = ("opportunity", "opportunity__account", "contact")


def can_edit(user, quote: Quote) -> bool:
    """The deal's owner, its co-responsible users and managers."""
    return can_edit_deal(user, quote.opportunity)


def can_approve(user) -> bool:
    """Sales managers and administrators approve or refuse quotes under the minimum margin."""
    return is_manager(user)


def get_quote(pk: int) -> Quote:
    """404 when missing; everyone who may see the deal (every user) may see its quotes."""
    return get_object_or_404(Quote.objects.select_related(*QUOTE_JOINS), pk=pk)


def get_quote_for_edit(request, pk: int) -> Quote:
    """404 when missing, 403 when the user may not change the deal."""
    quote = get_quote(pk)
    if not can_edit(request.user, quote):
        raise PermissionDenied(
            _(
                "Only the deal's owner, its co-responsible users and sales managers can "
                "change its quotes."
            )
        )
    return quote


def get_line_for_edit(request, pk: int, line_pk: int) -> QuoteLine:
    quote = get_quote_for_edit(request, pk)
    line = get_object_or_404(QuoteLine.objects.select_related("product"), pk=line_pk, quote=quote)
    line.quote = quote
    return line


def get_quote_for_approval(request, pk: int) -> Quote:
    quote = get_quote(pk)
    if not can_approve(request.user):
        raise PermissionDenied(_("Only sales managers can approve or refuse quotes."))
    return quote
