import hashlib
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account, Contact
from opportunities.models import Opportunity
from pipeline_crm.bounds import parse_id
from pipeline_crm.downloads import sandboxed
from pipeline_crm.history import HistorySource, history_page, render_history

from . import access, services
from .access import get_activity, get_activity_for_edit, get_document, get_document_for_delete
from .agenda import bucket_counts, company_today, group_by_bucket
from .filters import AgendaFilter
from .forms import ActivityForm, DocumentForm, RescheduleForm, rounded_now
from .ical import build_calendar, feed_version
from .models import Activity, CalendarToken
from .panels import (
    activities_panel,
    documents_panel,
    new_activity_form,
    panel_names,
    panel_object,
)

AGENDA_PER_PAGE = 50  # as every list: a hundred rows of forms cost 200 ms to render
FEED_CACHE_SECONDS = 3600
PANEL_KINDS = ("account", "contact", "opportunity")
LAYOUTS = {
    "row": "activities/partials/activity_row.html",
    "item": "activities/partials/activity_item.html",
}


def _next_url(request, default: str) -> str:
    """The `next` the page passed, when it is a path on this site; else `default`.

    Only a path: `redirect()` takes any other word for the name of a view (`next=NaN` was a
    NoReverseMatch, a 500).
    """
    target = request.POST.get("next") or request.GET.get("next")
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def _layout(request) -> str:
    return LAYOUTS.get(request.POST.get("layout") or request.GET.get("layout"), LAYOUTS["row"])


def _panel_kind(request) -> str:
    """Which panel a list item sits in (it then leaves out the links the panel implies)."""
    kind = request.POST.get("panel_kind") or request.GET.get("panel_kind") or ""
    return kind if kind in PANEL_KINDS else ""


def _htmx(response):
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- the agenda ---------------------------------------------------------------------------------


def agenda(request):
    """My activities by overdue / today / this week / later, filtered; a page of rows at a time."""
    today = company_today()
    filterset = AgendaFilter(request.GET, queryset=Activity.objects.all(), request=request)
    queryset = filterset.qs
    counts = bucket_counts(queryset, today=today)
    ordering = ("-start", "-pk") if filterset.shows_done_only else ("start", "pk")
    rows = queryset.for_list().with_edit_flag(request.user).order_by(*ordering)
    paginator = Paginator(rows, AGENDA_PER_PAGE)
    paginator.count = sum(counts.values())  # the buckets cover every row: no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    focus = None
    for name, model in (("opportunity", Opportunity), ("contact", Contact), ("account", Account)):
        value = filterset.form.cleaned_data.get(name) if filterset.form.is_valid() else None
        if value:
            focus = model.objects.filter(pk=value).first()
            break
    context = {
        "filter": filterset,
        "page": page,
        "groups": [
            (bucket, counts[bucket], rows)
            for bucket, rows in group_by_bucket(page.object_list, today=today)
        ],
        "counts": counts,
        "today": today,
        "focus": focus,
    }
    template = (
        "activities/partials/agenda_region.html"
        if request.htmx
        else "activities/activity_agenda.html"
    )
    return _htmx(render(request, template, context))


# --- one activity -------------------------------------------------------------------------------


def activity_detail(request, pk: int):
    activity = get_activity(pk, request.user)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "history": history_page([HistorySource(activity.history.all())], request=request),
            "history_url": reverse("activities:history", args=[activity.pk]),
            "can_edit": access.can_edit_activity(request.user, activity),
            "today": company_today(),
        },
    )


@require_GET
def activity_history(request, pk: int):
    """The activity's older changes, a page at a time."""
    activity = get_activity(pk)
    before = request.GET.get("before", "")
    page = history_page([HistorySource(activity.history.all())], before=before, request=request)
    return render_history(request, activity, page)


def _preselection(request) -> dict:
    """The links `?account=`, `?contact=` or `?opportunity=` choose for a new activity."""
    source = request.POST if request.method == "POST" else request.GET
    initial: dict = {}
    opportunity_pk = parse_id(source.get("opportunity"))
    contact_pk = parse_id(source.get("contact"))
    account_pk = parse_id(source.get("account"))
    if opportunity_pk:
        opportunity = Opportunity.objects.select_related("account").filter(pk=opportunity_pk)
        if opportunity := opportunity.first():
            initial.update(opportunity=opportunity, account=opportunity.account)
    if contact_pk:
        contact = Contact.objects.select_related("account").filter(pk=contact_pk).first()
        if contact and initial.get("account", contact.account) == contact.account:
            initial.update(contact=contact, account=contact.account)
    if "account" not in initial and account_pk:
        account = Account.objects.filter(pk=account_pk).first()
        if account:
            initial["account"] = account
    return initial


def _panel_response(request, obj, form=None):
    panel = activities_panel(request.user, obj, request=request)
    context = {"request": request, "user": request.user, **panel}
    if form is not None:
        context["form"] = form
    return _htmx(render(request, "activities/partials/activities_panel.html", context))


def _save_posted(request, form: ActivityForm) -> Activity | None:
    """The activity of a posted, valid `form`, saved through `services.save_activity`; None
    on a GET, or when the form or a rule refuses it (a rule's refusal is a form error)."""
    if request.method != "POST" or not form.is_valid():
        return None
    activity = form.save(commit=False)
    try:
        services.save_activity(activity, user=request.user, is_done=form.cleaned_data["is_done"])
    except ValidationError as error:
        form.add_error(None, error)
        return None
    return activity


@require_http_methods(["GET", "POST"])
def activity_create(request):
    """Log an activity: from its page, or from an account, contact or deal panel (htmx)."""
    panel = request.POST.get("panel") if request.method == "POST" else request.GET.get("panel")
    if panel:
        obj = panel_object(panel)
        form = new_activity_form(request.user, obj, data=request.POST or None)
        if request.method == "GET" and request.htmx:  # a panel's form, opened
            context = {"form": form, **panel_names(obj)}
            return _htmx(render(request, "activities/partials/panel_form.html", context))
    else:
        obj = None
        initial = {"owner": request.user, "start": rounded_now(), **_preselection(request)}
        fixed = ("account",) if "account" in initial else ()
        form = ActivityForm(request.POST or None, initial=initial, fixed=fixed)
    activity = _save_posted(request, form)
    if activity is not None:
        if obj is not None and request.htmx:
            return _panel_response(request, obj)
        messages.success(request, _("Activity “%(name)s” logged.") % {"name": activity})
        return redirect(_next_url(request, activity.get_absolute_url()))
    if obj is not None and request.htmx:
        return _panel_response(request, obj, form)
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": form,
            "account": form.initial.get("account"),
            "panel": panel,
            "next": _next_url(request, obj.get_absolute_url() if obj is not None else ""),
        },
    )


@require_GET
def link_options(request):
    """The contact and deal choices of an account, for the activity form (htmx)."""
    form = ActivityForm(initial={"account": request.GET.get("account", "")})
    return render(request, "activities/partials/activity_links.html", {"form": form})


@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = get_activity_for_edit(request, pk)
    form = ActivityForm(request.POST or None, instance=activity)
    if _save_posted(request, form) is not None:
        messages.success(request, _("Activity “%(name)s” saved.") % {"name": activity})
        return redirect(_next_url(request, activity.get_absolute_url()))
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity, "next": _next_url(request, "")},
    )


def _row_response(request, pk: int):
    activity = get_activity(pk, request.user)
    today = company_today()
    activity.is_overdue = not activity.is_done and activity.local_date < today
    context = {"activity": activity, "today": today, "panel_kind": _panel_kind(request)}
    return _htmx(render(request, _layout(request), context))


@require_GET
def activity_row(request, pk: int):
    """One activity as an agenda row or a panel item (htmx: "cancel" of an inline form)."""
    return _row_response(request, pk)


@require_POST
def activity_done(request, pk: int):
    """Mark done in one click; htmx gets the updated row (or list item) back."""
    activity = get_activity_for_edit(request, pk)
    services.mark_done(activity, user=request.user)
    if request.htmx:
        return _row_response(request, pk)
    messages.success(request, _("Activity “%(name)s” done.") % {"name": activity})
    return redirect(_next_url(request, activity.get_absolute_url()))


@require_http_methods(["GET", "POST"])
def activity_reschedule(request, pk: int):
    """A new start–end (or due date for a task): inline in a row with htmx, else a page."""
    activity = get_activity_for_edit(request, pk)
    form = RescheduleForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule(activity, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return _row_response(request, pk)
            messages.success(request, _("Activity “%(name)s” moved.") % {"name": activity})
            return redirect(_next_url(request, activity.get_absolute_url()))
    layout = request.POST.get("layout") or request.GET.get("layout") or "row"
    context = {
        "form": form,
        "activity": activity,
        "layout": layout,
        "panel_kind": _panel_kind(request),
    }
    if request.htmx:
        return _htmx(render(request, "activities/partials/reschedule_form.html", context))
    context["next"] = _next_url(request, "")
    return render(request, "activities/activity_reschedule.html", context)


@require_http_methods(["GET", "POST"])
def activity_delete(request, pk: int):
    activity = get_activity_for_edit(request, pk)
    if request.method == "POST":
        account = activity.account
        name = str(activity)
        services.delete_activity(activity, user=request.user)
        messages.success(request, _("Activity “%(name)s” deleted.") % {"name": name})
        return redirect(_next_url(request, account.get_absolute_url()))
    return render(
        request,
        "activities/activity_confirm_delete.html",
        {"activity": activity, "next": _next_url(request, "")},
    )


# --- calendar feed ------------------------------------------------------------------------------


def calendar(request):
    """The user's secret feed URL, and a button to replace it."""
    token = services.calendar_token(request.user)
    return render(
        request,
        "activities/calendar.html",
        {"token": token, "feed_url": request.build_absolute_uri(token.get_absolute_url())},
    )


@require_POST
def calendar_regenerate(request):
    services.regenerate_calendar_token(request.user)
    messages.success(request, _("A new calendar address was made; the old one no longer works."))
    return redirect("activities:calendar")


@login_not_required
@require_GET
def ical_feed(request, token: str):
    """The public feed: the token in the URL is the only credential."""
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if (
        found is None
        or not secrets.compare_digest(found.token.encode(), token.encode())
        or not found.user.is_active
    ):
        raise Http404("No such calendar")
    # Calendar apps poll the feed; an unchanged feed costs one aggregate query.
    version = feed_version(found.user)
    etag = f'"{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        seed = f"{found.token}:{version}:{request.get_host()}".encode()
        key = f"activities:ical:{hashlib.sha256(seed).hexdigest()}"
        body = cache.get(key)
        if body is None:
            body = build_calendar(
                found.user, absolute_url=request.build_absolute_uri, host=request.get_host()
            )
            cache.set(key, body, FEED_CACHE_SECONDS)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="pipeline-crm.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- documents ----------------------------------------------------------------------------------


def _document_target(kind: str, pk: int):
    if kind == "account":
        return get_object_or_404(Account, pk=pk)
    if kind == "opportunity":
        return get_object_or_404(Opportunity.objects.select_related("account"), pk=pk)
    raise Http404("No such target")


def _documents_response(request, target, form=None):
    context = {
        "request": request,
        **documents_panel(request.user, target, form=form, request=request),
    }
    return _htmx(render(request, "activities/partials/documents_panel.html", context))


@transaction.non_atomic_requests
@require_POST
def document_upload(request, kind: str, pk: int):
    """Upload to an account (anyone) or a deal (its editors). The service runs outside the
    request's transaction so that a failed upload can clean up its file (see add_document)."""
    target = _document_target(kind, pk)
    if not access.can_upload_document(request.user, target):
        raise PermissionDenied(_("Only those who may edit the deal can add documents to it."))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.add_document(target, form.cleaned_data["file"], user=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if request.htmx:
                return _documents_response(request, target)
            messages.success(request, _("Document “%(name)s” added.") % {"name": document})
            return redirect(target)
    if request.htmx:
        return _documents_response(request, target, form)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect(target)


@require_GET
def document_download(request, pk: int):
    """Everyone may download; always as an attachment of its checked type, never sniffed."""
    document = get_document(pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is missing") from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    return sandboxed(response)


@require_http_methods(["GET", "POST"])
def document_delete(request, pk: int):
    document = get_document_for_delete(request, pk)
    target = document.target
    if request.method == "POST":
        name = str(document)
        services.delete_document(document, user=request.user)
        if request.htmx:
            return _documents_response(request, target)
        messages.success(request, _("Document “%(name)s” deleted.") % {"name": name})
        return redirect(target)
    return render(
        request, "activities/document_confirm_delete.html", {"document": document, "target": target}
    )
