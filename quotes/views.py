import logging
import smtplib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opportunities.access import get_opportunity_for_edit
from pipeline_crm.history import HistorySource, history_page, render_history
from pipeline_crm.listing import table_page
from pipeline_crm.models import CompanySettings

from . import sending, services
from .access import can_edit, get_line_for_edit, get_quote, get_quote_for_edit
from .filters import QuoteFilter
from .forms import QuoteForm, QuoteLineForm, SendForm
from .models import Quote, QuoteLine
from .pdf import pdf_filename, render_quote_pdf
from .tables import QuoteTable

logger = logging.getLogger(__name__)


def quote_list(request):
    """Outstanding quotes: the user's own by default, the team's for a manager."""
    filterset = QuoteFilter(request.GET, queryset=Quote.objects.for_list(), request=request)
    table = QuoteTable(filterset.qs)
    table.totals = filterset.qs.totals() if filterset.is_valid() else None
    table.today = timezone.localdate()
    return table_page(
        request,
        filterset=filterset,
        table=table,
        template="quotes/quote_list.html",
        export_name="quotes",
        extra={"currency": CompanySettings.load().currency},
    )


@require_POST
def quote_create(request, deal_pk: int):
    """A new draft quote of the deal, its lines copied from the deal's."""
    opportunity = get_opportunity_for_edit(request, deal_pk)
    try:
        quote = services.create_quote(opportunity, user=request.user)
    except services.RuleError as error:
        messages.error(request, str(error))
        return redirect(opportunity)
    messages.success(request, _("%(quote)s created from the deal's lines.") % {"quote": quote})
    return redirect(quote)


def _lines(quote: Quote) -> list[QuoteLine]:
    return list(quote.lines.select_related("product", "product__group"))


def quote_history(quote: Quote, request, *, before: str = ""):
    """The quote's changes and its lines', newest first (status changes with who and when)."""
    sources = [
        HistorySource(quote.history.all()),
        HistorySource(
            QuoteLine.history.filter(quote_id=quote.pk),
            label=lambda record: _("Line: %(text)s") % {"text": record.description},
            snapshot=("quantity", "unit_price", "discount_percent", "unit_cost"),
        ),
    ]
    return history_page(sources, before=before, request=request)


@require_GET
def quote_history_page(request, pk: int):
    """The quote's older changes, a page at a time."""
    quote = get_quote(pk)
    return render_history(
        request, quote, quote_history(quote, request, before=request.GET.get("before", ""))
    )


def _detail(request, quote: Quote, *, line_form=None, status=200):
    editable = can_edit(request.user, quote)
    return render(
        request,
        "quotes/quote_detail.html",
        {
            "quote": quote,
            "opportunity": quote.opportunity,
            "lines": _lines(quote),
            "can_edit": editable,
            "lines_editable": editable and quote.is_editable,
            "line_form": line_form or (QuoteLineForm() if editable and quote.is_editable else None),
            "history": quote_history(quote, request),
            "history_url": reverse("quotes:history", args=[quote.pk]),
            "currency": quote.currency,
        },
        status=status,
    )


@require_GET
def quote_detail(request, pk: int):
    return _detail(request, get_quote(pk))


@require_http_methods(["GET", "POST"])
def quote_edit(request, pk: int):
    """A draft's header: contact, payment terms, introduction and closing text."""
    quote = get_quote_for_edit(request, pk)
    if not quote.is_editable:
        messages.error(request, _("A sent quote does not change: make a new version instead."))
        return redirect(quote)
    form = QuoteForm(request.POST or None, instance=quote)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_quote(form.instance, user=request.user)
        except services.RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Quote saved."))
            return redirect(quote)
    return render(request, "quotes/quote_form.html", {"form": form, "quote": quote})


@require_POST
def line_add(request, pk: int):
    quote = get_quote_for_edit(request, pk)
    form = QuoteLineForm(request.POST, instance=QuoteLine(quote=quote))
    if not form.is_valid():
        return _detail(request, quote, line_form=form, status=422)
    try:
        services.add_line(quote, form.instance, user=request.user)
    except services.RuleError as error:
        messages.error(request, str(error))
    return redirect(quote.get_absolute_url() + "#lines")


@require_http_methods(["GET", "POST"])
def line_edit(request, pk: int, line_pk: int):
    line = get_line_for_edit(request, pk, line_pk)
    quote = line.quote
    if not quote.is_editable:
        messages.error(request, _("A sent quote does not change: make a new version instead."))
        return redirect(quote)
    form = QuoteLineForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_line(form.instance, user=request.user)
        except services.RuleError as error:
            form.add_error(None, str(error))
        else:
            return redirect(quote.get_absolute_url() + "#lines")
    return render(
        request, "quotes/quote_line_form.html", {"form": form, "quote": quote, "line": line}
    )


@require_POST
def line_remove(request, pk: int, line_pk: int):
    line = get_line_for_edit(request, pk, line_pk)
    try:
        services.remove_line(line, user=request.user)
    except services.RuleError as error:
        messages.error(request, str(error))
    return redirect(line.quote.get_absolute_url() + "#lines")


@require_POST
def quote_revise(request, pk: int):
    """A new draft version of the quote (how a sent quote changes)."""
    quote = get_quote_for_edit(request, pk)
    try:
        copy = services.revise(quote, user=request.user)
    except services.RuleError as error:
        messages.error(request, str(error))
        return redirect(quote)
    messages.success(request, _("%(quote)s created.") % {"quote": copy})
    return redirect(copy)


@require_GET
def quote_pdf(request, pk: int):
    """The quote's PDF, for anyone who may see the deal: a sent quote's as it was sent (the
    stored document), a draft's rendered now."""
    quote = get_quote(pk)
    if quote.is_sent and quote.document_id:
        try:
            handle = quote.document.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404("The sent PDF is missing") from missing
        response = FileResponse(
            handle, filename=pdf_filename(quote), content_type="application/pdf"
        )
    else:
        response = HttpResponse(render_quote_pdf(quote), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{pdf_filename(quote)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "POST"])
def quote_send(request, pk: int):
    """Send the quote by e-mail to its contact, with its PDF."""
    quote = get_quote_for_edit(request, pk)
    if quote.is_sent:
        messages.error(request, _("%(quote)s has been sent already.") % {"quote": quote})
        return redirect(quote)
    form = SendForm(request.POST or None, initial=sending.default_message(quote, user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            sent = sending.send_quote(quote, user=request.user, **form.cleaned_data)
        except (services.RuleError, ValidationError) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        except (OSError, smtplib.SMTPException) as error:
            # Nothing of the send remains (one transaction): the user may try again.
            logger.warning("Sending quote %s failed: %s", quote.pk, error)
            form.add_error(
                None,
                _("The e-mail could not be sent (%(error)s). Nothing was sent; try again.")
                % {"error": error},
            )
        else:
            messages.success(
                request,
                _("%(quote)s sent to %(to)s.") % {"quote": sent, "to": form.cleaned_data["to"]},
            )
            return redirect(sent)
    return render(
        request,
        "quotes/quote_send.html",
        {"form": form, "quote": quote, "needs_approval": services.needs_approval(quote)},
    )
