import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.models import Account, Contact
from pipeline_crm.bounds import parse_id
from pipeline_crm.concurrency import EditConflict, parse_version
from pipeline_crm.exports import FORMATS, export_in_background, export_rows
from pipeline_crm.history import HistoryPage, HistorySource, Origin, history_page, render_history
from pipeline_crm.listing import PER_PAGE, BoundedPaginator
from pipeline_crm.lookups import attach_lookups, lookup_rows, lookups_by_pk
from pipeline_crm.models import CompanySettings
from pipeline_crm.numbers import format_number, grouped_count
from pipeline_crm.roles import is_manager

from . import services
from .access import (
    can_edit,
    can_reassign,
    get_opportunity,
    get_opportunity_for_delete,
    get_opportunity_for_edit,
    with_edit_flag,
)
from .exports import export_rows as opportunity_export_rows
from .filters import ALL_DEALS, OpportunityFilter, with_list_defaults
from .forms import (
    ACCOUNT_DEFAULTS,
    BulkActionForm,
    CloseLostForm,
    CloseWonForm,
    LineForm,
    OpportunityForm,
    ReopenForm,
)
from .models import Opportunity, OpportunityLine, Product, Stage
from .tables import DealRows, OpportunityTable
from .timeline import deal_timeline

logger = logging.getLogger(__name__)

# The session's mark that a page of the deal list disagreed with the kept counts it was laid
# out by (`DealRows.totals`): the user's lists count the deals from then on, until a list's
# kept counts agree with its count again (after `rebuild_deal_totals`).
RECOUNT = "deal_list_recount"

User = get_user_model()


class CountedPaginator(BoundedPaginator):
    """A paginator told its count, so the footer's one aggregate query also serves the pages.

    `?per_page=` is honoured up to MAX_PER_PAGE: a page's ids are read into one query.
    """

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count


def _filtered(request):
    """The list's filters as asked, or the user's defaults when none is named
    (`filters.with_list_defaults`)."""
    company = CompanySettings.load()
    data = with_list_defaults(request.GET, request.user)
    filterset = OpportunityFilter.for_company(
        data, queryset=Opportunity.objects.all(), request=request, company=company
    )
    filterset.defaulted = data is not request.GET
    return filterset, company


def opportunity_list(request):
    filterset, company = _filtered(request)
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        in_background = export_in_background(request, filterset.qs.count(), _("deals"))
        if in_background is not None:
            return in_background
        table = _list_table(request, filterset.qs)
        ordered = table.data.data  # the queryset in the table's sort order
        return export_rows(opportunity_export_rows(ordered), fmt, "opportunities")
    rows = with_edit_flag(
        Opportunity.objects.for_list().with_stale_flag(filterset.today, company.stale_days),
        request.user,
    )  # the bulk action's checkbox is disabled on a deal the user may not change
    table = _list_table(
        request,
        DealRows(
            filterset.qs,
            rows=rows,
            totals_source=filterset.totals_source(),
            parts=filterset.footer_parts(),
            request=request,
        ),
    )
    recount = request.session.get(RECOUNT, False)
    table.totals = totals = table.data.totals(recount=recount)
    _paginate(request, table, totals["count"])
    if recount and table.data.kept_agree(totals):  # repaired: the kept counts serve again
        del request.session[RECOUNT]
    if not table.data.agrees:  # the kept counts are not what the page read: count the deals
        table.totals = totals = table.data.totals(recount=True)
        _paginate(request, table, totals["count"])
        if not table.data.kept_agree(totals):  # not a deal written meanwhile: they drifted
            logger.error("The kept deal counts disagree with the deals: %s", request.path)
            request.session[RECOUNT] = True
    context = {
        "filter": filterset,
        "table": table,
        "totals": totals,
        "bulk_form": BulkActionForm(auto_id="bulk_%s"),  # ids apart from the filters'
        "clear_url": f"{request.path}?{ALL_DEALS}",  # "Clear" shows every deal
    }
    template = "partials/table.html" if request.htmx else "opportunities/opportunity_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _paginate(request, table, count: int) -> None:
    RequestConfig(
        request,
        paginate={"per_page": PER_PAGE, "paginator_class": CountedPaginator, "count": count},
    ).configure(table)


def _list_table(request, data):
    table = OpportunityTable(data)
    RequestConfig(request, paginate=False).configure(table)
    return table


@require_POST
def bulk_action(request):
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(_back_to_list(request))
    selected = list(
        with_edit_flag(form.cleaned_data["selected"], request.user).select_related("stage")
    )
    action = form.cleaned_data["action"]
    allowed = can_edit if action == "stage" else can_reassign
    forbidden = [o for o in selected if not allowed(request.user, o)]
    if forbidden:
        raise PermissionDenied(
            _("You may not change these deals: %(names)s.")
            % {"names": ", ".join(str(o) for o in forbidden)}
        )
    seen = form.cleaned_data["seen"]
    if action == "stage":
        done, refused = services.bulk_change_stage(
            selected, form.cleaned_data["stage"], user=request.user, seen_versions=seen
        )
        message = ngettext("%(count)s deal moved.", "%(count)s deals moved.", done)
    else:
        done, refused = services.bulk_change_owner(
            selected, form.cleaned_data["owner"], user=request.user, seen_versions=seen
        )
        message = ngettext("%(count)s deal reassigned.", "%(count)s deals reassigned.", done)
    messages.success(request, message % {"count": grouped_count(done)})
    for refusal in refused:
        messages.warning(request, refusal)
    return redirect(_back_to_list(request))


def _back_to_list(request) -> str:
    query = request.POST.get("query", "")
    url = request.build_absolute_uri("/opportunities/")
    return f"{url}?{query}" if query else url


# The deal page's relations read from the lookup cache (it joins only the account).
DETAIL_LOOKUPS = (
    "owner",
    "stage",
    "business_area",
    "deal_type",
    "source",
    "forecast_category",
    "competitor",
    "loss_reason",
    "closed_by",
)


def opportunity_detail(request, pk: int):
    company = CompanySettings.load()
    today = timezone.localdate()
    opportunity = get_opportunity(
        pk, Opportunity.objects.with_stale_flag(today, company.stale_days), joins=("account",)
    )
    attach_lookups(opportunity, DETAIL_LOOKUPS, request)
    co_responsible_ids = list(
        Opportunity.co_responsible.through.objects.filter(
            opportunity_id=opportunity.pk
        ).values_list("user_id", flat=True)
    )
    # The co-responsible users are on the page: `can_edit` reads them instead of a query.
    editable = can_edit(request.user, opportunity, co_responsible=co_responsible_ids)
    # The page's panels (quotes, activities, documents) ask `can_edit` again: they read the
    # answer from the deal, as on the lists (`access.with_edit_flag`), not two more queries.
    opportunity.user_can_edit = editable
    contacts = list(opportunity.contacts.all())
    attach_lookups(contacts, ("role",), request)
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "lines": deal_lines(opportunity, request),
            "contacts": contacts,
            "co_responsible": lookups_by_pk(User, co_responsible_ids, request),
            "history": deal_history(opportunity, request),
            "timeline": deal_timeline(
                opportunity.pk, today=today, stages=lookup_rows(Stage, request)
            ),
            "history_url": reverse("opportunities:history", args=[opportunity.pk]),
            "can_edit": editable,
            "can_delete": is_manager(request.user),
            "line_form": LineForm() if editable else None,
            "lines_editable": editable and opportunity.is_open,
            "is_stale": opportunity.is_stale,
            "currency": company.currency,
        },
    )


def deal_lines(opportunity: Opportunity, request) -> list[OpportunityLine]:
    """The deal's lines with their products and product groups from the lookup cache."""
    lines = list(opportunity.lines.all())
    attach_lookups(lines, ("product",), request)
    attach_lookups([line.product for line in lines], ("group",), request)
    return lines


def deal_history(opportunity: Opportunity, request, *, before: str = "") -> HistoryPage:
    """A page of the field-level changes of the deal and of its lines, newest first."""
    products = lookup_rows(Product, request)

    def line_label(record) -> str:
        product = products.get(record.product_id)
        return _("Line: %(product)s") % {"product": product.name if product else ""}

    sources = [
        # Who shares the deal is shown too (DESIGN.md: both owner changes are in its history).
        HistorySource(opportunity.history.all(), m2m=("co_responsible",)),
        HistorySource(
            OpportunityLine.history.filter(opportunity_id=opportunity.pk),
            label=line_label,
            snapshot=("quantity", "unit_price", "discount_percent", "unit_cost"),
        ),
    ]
    return history_page(sources, before=before, request=request)


@require_GET
def opportunity_history(request, pk: int):
    """The deal's older changes, a page at a time ("Older changes" on the deal page)."""
    opportunity = get_opportunity(pk, joins=())
    page = deal_history(opportunity, request, before=request.GET.get("before", ""))
    return render_history(request, opportunity, page)


def _form_response(request, form, opportunity=None):
    return render(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "opportunity": opportunity},
    )


def _save_form(request, form, *, previous_stage):
    """Run the form through the save service; errors land on the form."""
    opportunity = form.save(commit=False)
    try:
        with transaction.atomic():
            services.save_opportunity(
                opportunity,
                user=request.user,
                origin=Origin.FORM,
                offered_probability=form.cleaned_data.get("offered_probability"),
                previous_stage=previous_stage,
                contacts=form.cleaned_data.get("contacts"),
                co_responsible=form.cleaned_data.get("co_responsible"),
                seen_version=form.cleaned_data.get("version"),
            )
    except EditConflict as conflict:
        form.conflict = conflict
        form.add_error(None, str(conflict))
        return None
    except services.RuleError as error:
        form.add_error("stage" if error.code == "stage_gate" else None, str(error))
        return None
    return opportunity


@require_http_methods(["GET", "POST"])
def opportunity_create(request):
    account = None
    account_pk = parse_id(request.GET.get("account") or request.POST.get("account"))
    if account_pk is not None:
        account = Account.objects.filter(pk=account_pk).first()
    draft = services.new_opportunity(user=request.user, account=account)
    initial = {
        "owner": request.user,
        "stage": draft.stage,
        "probability": draft.probability,
        "expected_close_date": draft.expected_close_date,
    }
    if account is not None:
        initial.update(
            account=account,
            name=draft.name,
            business_area=draft.business_area_id,
            source=draft.source_id,
        )
    form = OpportunityForm(request.POST or None, instance=draft, initial=initial)
    if request.method == "POST" and form.is_valid():
        opportunity = _save_form(request, form, previous_stage=None)
        if opportunity:
            messages.success(request, _("Deal “%(name)s” created.") % {"name": opportunity})
            return redirect(opportunity)
    return _form_response(request, form)


@require_http_methods(["GET", "POST"])
def opportunity_edit(request, pk: int):
    opportunity = get_opportunity_for_edit(request, pk)
    previous_stage = opportunity.stage
    form = OpportunityForm(
        request.POST or None,
        instance=opportunity,
        may_reassign=can_reassign(request.user, opportunity),
    )
    if request.method == "POST" and form.is_valid():
        if form.forbidden_changes:
            raise PermissionDenied(
                _("Only the deal's owner and sales managers change its owner or co-responsible.")
            )
        saved = _save_form(request, form, previous_stage=previous_stage)
        if saved:
            messages.success(request, _("Deal “%(name)s” saved.") % {"name": saved})
            return redirect(saved)
    return _form_response(request, form, opportunity)


@require_POST
def reset_probability(request, pk: int):
    opportunity = get_opportunity_for_edit(request, pk)
    try:
        services.reset_probability(
            opportunity,
            user=request.user,
            seen_version=parse_version(request.POST.get("version")),
        )
    except EditConflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(
            request,
            _("Probability reset to the stage default (%(p)d %%).")
            % {"p": opportunity.probability},
        )
    return redirect(opportunity)


def _close_view(request, pk: int, form_class, action, template_title, done_message):
    opportunity = get_opportunity_for_edit(request, pk)
    form = form_class(
        request.POST if request.method == "POST" else None, initial={"version": opportunity.version}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        seen = data.pop("version", None)
        try:
            action(opportunity, user=request.user, seen_version=seen, **data)
        except EditConflict as conflict:
            form.add_error(None, str(conflict))
        except services.RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done_message % {"name": opportunity})
            return redirect(opportunity)
    return render(
        request,
        "opportunities/opportunity_close.html",
        {"form": form, "opportunity": opportunity, "title": template_title},
    )


@require_http_methods(["GET", "POST"])
def close_won(request, pk: int):
    return _close_view(
        request,
        pk,
        CloseWonForm,
        services.close_won,
        _("Close as won"),
        _("Deal “%(name)s” closed as won."),
    )


@require_http_methods(["GET", "POST"])
def close_lost(request, pk: int):
    return _close_view(
        request,
        pk,
        CloseLostForm,
        services.close_lost,
        _("Close as lost"),
        _("Deal “%(name)s” closed as lost."),
    )


@require_http_methods(["GET", "POST"])
def reopen(request, pk: int):
    return _close_view(
        request,
        pk,
        ReopenForm,
        services.reopen,
        _("Reopen the deal"),
        _("Deal “%(name)s” reopened."),
    )


@require_http_methods(["GET", "POST"])
def opportunity_delete(request, pk: int):
    opportunity = get_opportunity_for_delete(request, pk)
    if request.method == "POST":
        name = str(opportunity)
        try:
            opportunity.delete()
        except ProtectedError:
            messages.error(request, _("This deal is still referred to and cannot be deleted."))
            return redirect(opportunity)
        messages.success(request, _("Deal “%(name)s” deleted.") % {"name": name})
        return redirect("opportunities:list")
    return render(
        request, "opportunities/opportunity_confirm_delete.html", {"opportunity": opportunity}
    )


def _lines_response(request, opportunity, form=None, status=200, error=None):
    opportunity.refresh_from_db()
    context = {
        "opportunity": opportunity,
        "lines": deal_lines(opportunity, request),
        "line_form": form or LineForm(),
        "can_edit": True,
        "lines_editable": opportunity.is_open,
        "lines_error": error,
        "currency": CompanySettings.load().currency,
        "oob": True,  # the summary's amount, weighted and margin change with the lines
    }
    if request.htmx:
        return render(request, "opportunities/partials/lines.html", context, status=status)
    if error:
        messages.error(request, error)
    elif status != 200:
        for field_errors in form.errors.values():
            messages.error(request, " ".join(field_errors))
    return redirect(opportunity)


@require_POST
def line_add(request, pk: int):
    opportunity = get_opportunity_for_edit(request, pk)
    form = LineForm(request.POST)
    if not form.is_valid():
        return _lines_response(request, opportunity, form, status=422)
    try:
        services.add_line(opportunity, form.save(commit=False), user=request.user)
    except services.RuleError as refused:
        return _lines_response(request, opportunity, form, status=422, error=str(refused))
    return _lines_response(request, opportunity)


@require_GET
def line_preview(request, pk: int):
    """The line form again as the user fills it in (htmx, on every change; nothing is saved).

    A product chosen fills in its list price and unit cost (`priced_product` says which
    product the prices shown came from, so a price typed after is kept) and shows them beside
    it; a line that would sell under cost gets a warning next to the unit price, which does
    not stop it being added.
    """
    opportunity = get_opportunity_for_edit(request, pk)
    data = request.GET.copy()
    product = Product.objects.active().filter(pk=parse_id(data.get("product", ""))).first()
    if product is not None and parse_id(data.get("priced_product", "")) != product.pk:
        data["unit_price"] = format_number(product.list_price)
        data["unit_cost"] = format_number(product.unit_cost)
    form = LineForm(data)
    margin = None
    if form.is_valid() and form.cleaned_data.get("unit_price") is not None:
        line = form.save(commit=False)
        if line.unit_cost is not None and line.margin < 0:
            margin = line.margin
    return render(
        request,
        "opportunities/partials/line_fields.html",
        {
            "opportunity": opportunity,
            "line_form": form,
            "line_product": product,
            "line_margin": margin,
            "preview": True,
        },
    )


@require_POST
def line_remove(request, pk: int, line_pk: int):
    opportunity = get_opportunity_for_edit(request, pk)
    line = get_object_or_404(OpportunityLine, pk=line_pk, opportunity=opportunity)
    try:
        services.remove_line(line, user=request.user)
    except services.RuleError as refused:
        return _lines_response(request, opportunity, status=422, error=str(refused))
    return _lines_response(request, opportunity)


def contact_options(request):
    """An account's contacts as <option>s for the deal form (htmx, on account change).

    A new deal's form also sends its name, business area and source: those still empty come
    back filled in from the account, swapped in out of band.
    """
    account_pk = parse_id(request.GET.get("account"))
    account = Account.objects.filter(pk=account_pk).first() if account_pk else None
    contacts = Contact.objects.filter(account=account) if account else []
    defaults = []
    empty = [name for name in ACCOUNT_DEFAULTS if request.GET.get(name) == ""]
    if account is not None and empty:
        draft = services.new_opportunity(user=request.user, account=account)
        form = OpportunityForm(instance=draft)
        for name in empty:
            form.fields[name].widget.attrs["hx-swap-oob"] = "true"
            defaults.append(form[name])
    return render(
        request,
        "opportunities/partials/contact_options.html",
        {"contacts": contacts, "defaults": defaults},
    )
