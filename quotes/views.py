import logging
import smtplib
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from forecasting.forms import PeriodForm, SaveReportForm
from forecasting.periods import current_quarter
from opportunities.access import get_opportunity_for_edit
from opportunities.views import CountedPaginator
from pipeline_crm.concurrency import EditConflict
from pipeline_crm.downloads import sandboxed
from pipeline_crm.exports import FORMATS, export_in_background, export_rows
from pipeline_crm.history import HistorySource, history_page, render_history
from pipeline_crm.listing import PER_PAGE
from pipeline_crm.models import CompanySettings

from . import sending, services
from .access import (
    can_approve,
    can_edit,
    get_line_for_edit,
    get_quote,
    get_quote_for_approval,
    get_quote_for_edit,
)
from .apps import REPORT_KIND
from .filters import QuoteFilter
from .forms import AcceptForm, CommentForm, DeclineForm, QuoteForm, QuoteLineForm, SendForm
from .models import Quote, QuoteLine
from .pdf import pdf_filename, render_quote_pdf
from .reports import quote_report, report_rows
from .tables import QuoteRows, QuoteTable
from .tables import export_rows as quote_export_rows

logger = logging.getLogger(__name__)


def quote_list(request):
    """Outstanding quotes: the user's own by default, the team's for a manager.

    The footer's totals are one aggregate query, which also gives the paginator its count;
    a page's rows are read ids first (`QuoteRows`). An export writes every filtered quote.
    """
    filterset = QuoteFilter(request.GET, queryset=Quote.objects.all(), request=request)
    today = timezone.localdate()
    extra = {"currency": CompanySettings.load().currency}
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        in_background = export_in_background(request, filterset.qs.count(), _("quotes"))
        if in_background is not None:
            return in_background
        table = QuoteTable(filterset.qs)
        RequestConfig(request, paginate=False).configure(table)  # the page's sort order
        return export_rows(quote_export_rows(table, request), fmt, "quotes")
    table = QuoteTable(QuoteRows(filterset.qs, request=request, kept=filterset.kept_keys()))
    table.today = today
    table.totals = totals = table.data.totals() if filterset.is_valid() else None
    RequestConfig(
        request,
        paginate={
            "per_page": PER_PAGE,
            "paginator_class": CountedPaginator,
            "count": totals["count"] if totals else None,
        },
    ).configure(table)
    context = {"filter": filterset, "table": table, **extra}
    template = "partials/table.html" if request.htmx else "quotes/quote_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
def quote_create(request, deal_pk: int):
    """A new draft quote of the deal, its lines copied from the deal's."""
    opportunity = get_opportunity_for_edit(request, deal_pk)
    return _to_new_quote(
        request,
        lambda: services.create_quote(opportunity, user=request.user),
        refused_to=opportunity,
        done=_("%(quote)s created from the deal's lines."),
    )


def _to_new_quote(request, create: Callable[[], Quote], *, refused_to, done: str):
    """Run `create` (a service that makes a quote) and go to the new quote with `done`, or back
    to `refused_to` with the message of the rule that refused it."""
    try:
        quote = create()
    except services.RuleError as error:
        messages.error(request, str(error))
        return redirect(refused_to)
    messages.success(request, done % {"quote": quote})
    return redirect(quote)


def _to_lines(request, quote: Quote, change: Callable[[], object]):
    """Run `change` (a service on a line of `quote`) and go back to the quote's lines, with
    the message of the rule that refused it if one did."""
    try:
        change()
    except services.RuleError as error:
        messages.error(request, str(error))
    return redirect(quote.get_absolute_url() + "#lines")


def _lines(quote: Quote) -> list[QuoteLine]:
    """The quote's lines, each marked by the margin guard (`services.flag_lines`)."""
    return services.flag_lines(quote.lines.select_related("product", "product__group"))


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
            "needs_approval": services.needs_approval(quote),
            "can_approve": can_approve(request.user),
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
    return _draft_form_page(
        request,
        quote,
        QuoteForm(request.POST or None, instance=quote),
        services.save_quote,
        template="quotes/quote_form.html",
        done_url=quote.get_absolute_url(),
        done=_("Quote saved."),
    )


def _draft_form_page(request, quote: Quote, form, save, *, template: str, done_url: str, done=""):
    """A page whose form changes the draft `quote`: a sent quote is refused with a message; a
    valid post is saved by `save(form.instance, user=…)` and goes to `done_url` (with `done`,
    if any), a rule's refusal is a form error."""
    if not quote.is_editable:
        messages.error(request, _("A sent quote does not change: make a new version instead."))
        return redirect(quote)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.instance, user=request.user)
        except services.RuleError as error:
            form.add_error(None, str(error))
        else:
            if done:
                messages.success(request, done)
            return redirect(done_url)
    return render(request, template, {"form": form, "quote": quote})


@require_POST
def line_add(request, pk: int):
    quote = get_quote_for_edit(request, pk)
    form = QuoteLineForm(request.POST, instance=QuoteLine(quote=quote))
    if not form.is_valid():
        return _detail(request, quote, line_form=form, status=422)
    return _to_lines(
        request, quote, lambda: services.add_line(quote, form.instance, user=request.user)
    )


@require_http_methods(["GET", "POST"])
def line_edit(request, pk: int, line_pk: int):
    line = get_line_for_edit(request, pk, line_pk)
    return _draft_form_page(
        request,
        line.quote,
        QuoteLineForm(request.POST or None, instance=line),
        services.update_line,
        template="quotes/quote_line_form.html",
        done_url=line.quote.get_absolute_url() + "#lines",
    )


@require_POST
def line_remove(request, pk: int, line_pk: int):
    line = get_line_for_edit(request, pk, line_pk)
    return _to_lines(request, line.quote, lambda: services.remove_line(line, user=request.user))


@require_POST
def quote_revise(request, pk: int):
    """A new draft version of the quote (how a sent quote changes)."""
    quote = get_quote_for_edit(request, pk)
    return _to_new_quote(
        request,
        lambda: services.revise(quote, user=request.user),
        refused_to=quote,
        done=_("%(quote)s created."),
    )


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
        response["Content-Disposition"] = content_disposition_header(False, pdf_filename(quote))
    return sandboxed(response)


@require_http_methods(["GET", "POST"])
def quote_send(request, pk: int):
    """Send the quote by e-mail to its contact, with its PDF."""
    quote = get_quote_for_edit(request, pk)
    if quote.is_sent:
        messages.error(request, _("%(quote)s has been sent already.") % {"quote": quote})
        return redirect(quote)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.APPROVED) or services.needs_approval(
        quote
    ):
        messages.error(
            request,
            _("%(quote)s needs a manager's approval before it is sent.") % {"quote": quote},
        )
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
        {"form": form, "quote": quote},
    )


@require_POST
def quote_accept(request, pk: int):
    """The customer accepted: the deal takes the quote's lines, then the user is offered to
    close it as won (the deal's own close page and rules)."""
    quote = get_quote_for_edit(request, pk)
    form = AcceptForm(request.POST)
    form.is_valid()  # both fields are optional; a missing version is refused by the service
    try:
        services.accept_quote(
            quote,
            user=request.user,
            seen_version=form.cleaned_data.get("deal_version"),
            comment=form.cleaned_data.get("comment", ""),
        )
    except (services.RuleError, EditConflict) as error:
        messages.error(request, str(error))
        return redirect(quote)
    messages.success(
        request,
        _(
            "%(quote)s accepted: the deal's lines and amount are now the quote's. "
            "Close the deal as won?"
        )
        % {"quote": quote},
    )
    return redirect("opportunities:close_won", quote.opportunity_id)


@require_http_methods(["GET", "POST"])
def quote_decline(request, pk: int):
    """The customer declined; closing the deal as lost asks for a loss reason."""
    quote = get_quote_for_edit(request, pk)
    if quote.status != Quote.Status.SENT:
        messages.error(request, _("Only a sent quote can be declined."))
        return redirect(quote)
    form = DeclineForm(request.POST or None)
    if not quote.opportunity.is_open:
        form.fields.pop("close_deal")
        form.fields.pop("loss_reason")
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_quote(
                quote,
                user=request.user,
                comment=form.cleaned_data["comment"],
                close_deal=form.cleaned_data.get("close_deal", False),
                loss_reason=form.cleaned_data.get("loss_reason"),
            )
        except services.RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(quote)s declined.") % {"quote": quote})
            return redirect(quote)
    return render(request, "quotes/quote_decline.html", {"form": form, "quote": quote})


@require_POST
def quote_request_approval(request, pk: int):
    """Ask a manager to approve a quote with lines under the minimum margin."""
    quote = get_quote_for_edit(request, pk)
    form = CommentForm(request.POST)
    try:
        services.request_approval(
            quote,
            user=request.user,
            comment=form.cleaned_data["comment"] if form.is_valid() else "",
        )
    except services.RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(quote)s is waiting for a manager's approval.") % {"quote": quote}
        )
    return redirect(quote)


@require_GET
def approval_queue(request):
    """The quotes waiting for a manager's approval, oldest request first."""
    if not can_approve(request.user):
        raise PermissionDenied(_("Only sales managers can approve or refuse quotes."))
    quotes = list(Quote.objects.awaiting_approval().for_list().order_by("updated_at", "pk")[:200])
    return render(
        request,
        "quotes/approval_queue.html",
        {"quotes": quotes, "form": CommentForm(), "currency": CompanySettings.load().currency},
    )


def _decide(request, pk: int, decide, done: str):
    quote = get_quote_for_approval(request, pk)
    form = CommentForm(request.POST)
    try:
        decide(
            quote,
            user=request.user,
            comment=form.cleaned_data["comment"] if form.is_valid() else "",
        )
    except services.RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"quote": quote})
    return redirect("quotes:approvals")


@require_POST
def quote_approve(request, pk: int):
    return _decide(request, pk, services.approve_quote, _("%(quote)s approved: it may be sent."))


@require_POST
def quote_refuse(request, pk: int):
    return _decide(request, pk, services.refuse_quote, _("%(quote)s refused: it is a draft again."))


@require_GET
def quote_report_page(request):
    """Win rate, days to answer and won margin per salesperson and business area, for the
    quotes sent in a period (the current quarter when none is given)."""
    if "start" not in request.GET and "pick" not in request.GET:
        query = request.GET.copy()
        query.update(current_quarter().as_query())
        return redirect(f"{request.path}?{query.urlencode()}")
    form = PeriodForm(request.GET)
    context = {
        "form": form,
        "currency": CompanySettings.load().currency,
        "save_form": SaveReportForm(
            initial={"kind": REPORT_KIND, "query": request.GET.urlencode()}
        ),
    }
    if form.is_valid():
        report = quote_report(form.period)
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            rows = report_rows(report, heading=_("Salesperson"), total_label=_("Total"))
            return export_rows(rows, fmt, "quote_report")
        context["report"] = report
    return render(
        request, "quotes/quote_report.html", context, status=200 if form.is_valid() else 400
    )
