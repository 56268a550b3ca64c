"""The data of the panels other pages show: activities, documents, previous/next, reminders.

The template tags (templatetags/activities.py) and the htmx views that re-render a panel both
build their context here, each in a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from opportunities.access import can_edit as can_edit_deal
from opportunities.models import Opportunity
from pipeline_crm import jinja2
from pipeline_crm.bounds import parse_id
from pipeline_crm.lookups import attach_lookups

from .access import can_delete_document, can_edit_activity, can_upload_document
from .agenda import Bucket, company_today, due_counts
from .forms import ActivityForm, DocumentForm, rounded_now
from .models import Activity, Document
from .reminder_sources import other_reminders

PANEL_LIMIT = 20  # the rest are one click away in the agenda; each row carries its forms
REMINDER_LIMIT = 25

_KINDS = {"account": Account, "contact": Contact, "opportunity": Opportunity}


def panel_key(obj) -> str:
    """`account:12`, `contact:5`, `opportunity:7`: names the object a panel is for."""
    for kind, model in _KINDS.items():
        if isinstance(obj, model):
            return f"{kind}:{obj.pk}"
    raise TypeError(f"No panel for {type(obj)}")


def panel_object(key: str):
    """The object named by `panel_key`; Http404 for anything else."""
    kind, _sep, pk = (key or "").partition(":")
    model = _KINDS.get(kind)
    pk = parse_id(pk)
    if model is None or pk is None:
        raise Http404("No such panel")
    queryset = model.objects.all()
    if model is not Account:
        queryset = queryset.select_related("account")
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist as missing:
        raise Http404("No such object") from missing


def account_of(obj) -> Account:
    return obj if isinstance(obj, Account) else obj.account


def links_for(obj) -> dict:
    """The links an activity logged on `obj` gets: its account, and the contact or deal."""
    links = {"account": account_of(obj)}
    if isinstance(obj, Contact):
        links["contact"] = obj
    elif isinstance(obj, Opportunity):
        links["opportunity"] = obj
    return links


def new_activity_form(user, obj, data=None) -> ActivityForm:
    """The inline "log activity" form of `obj`'s panel; its links are fixed and hidden."""
    links = links_for(obj)
    return ActivityForm(
        data,
        initial={"owner": user, "start": rounded_now(), **links},
        fixed=tuple(links),
        prefix=f"log-{panel_key(obj).replace(':', '-')}",
    )


def agenda_url(**params) -> str:
    """The agenda filtered by `params`, for everyone's activities, done or not."""
    query = {"owner": "", "done": "", **params}
    return f"{reverse('activities:agenda')}?{urlencode(query)}"


def panel_rows(user, obj, *, today: date, request=None) -> list:
    """The first PANEL_LIMIT + 1 activities of `obj`'s panel (`in_panel_order`), with their
    types, owners and links filled in. Read once a request: a deal page shows them in its panel
    and takes its previous and next activity from them."""
    memo = request.__dict__.setdefault("_panel_rows", {}) if request is not None else {}
    key = panel_key(obj)
    if key in memo:
        return memo[key]
    # The panel's own object and its account are known: joining them again only costs planning.
    known = links_for(obj)
    related = [name for name in ("account", "contact", "opportunity") if name not in known]
    # Types and owners come from the lookup cache: each join cost PostgreSQL more to plan
    # than the query took to run.
    queryset = Activity.objects.on(obj).select_related(*related)
    # Every activity of a deal's panel is on that deal: who may change each follows from the
    # deal, asked once (`can_edit_activity`), not from an EXISTS per row that cost the query
    # about 1 ms of ORM CPU and PostgreSQL half a millisecond of planning.
    on_deal = isinstance(obj, Opportunity)
    deal_editable = can_edit_deal(user, obj) if on_deal else None
    if not on_deal:
        queryset = queryset.with_edit_flag(user)
    rows = list(queryset.in_panel_order()[: PANEL_LIMIT + 1])
    attach_lookups(rows, ("type", "owner"), request)
    for activity in rows:
        activity.is_overdue = not activity.is_done and activity.local_date < today
        for name, linked in known.items():
            if getattr(activity, f"{name}_id") == linked.pk:
                setattr(activity, name, linked)
        if on_deal:
            activity.user_can_edit = can_edit_activity(user, activity, deal_editable=deal_editable)
    memo[key] = rows
    return rows


def activities_panel(
    user, obj, *, form: ActivityForm | None = None, today: date | None = None, request=None
):
    """The activities of an account, contact or deal, and the form to log one.

    Planned ones first (soonest first), then done ones (newest first); at most PANEL_LIMIT,
    with the total and a link to the agenda for the rest.
    """
    rows = panel_rows(user, obj, today=today or company_today(), request=request)
    total = Activity.objects.on(obj).count() if len(rows) > PANEL_LIMIT else len(rows)
    rows = rows[:PANEL_LIMIT]
    kind = panel_key(obj).partition(":")[0]
    return {
        "object": obj,
        **panel_names(obj),
        "activities": rows,
        "activity_items": activity_items(rows, request, panel_kind=kind),
        "total": total,
        "more": total - len(rows),
        # The "log activity" form loads when the user opens it (`form_url`): rendering its
        # selects took a third of a deal page. A form with errors comes back filled in.
        "form": form,
        "agenda_url": agenda_url(**{kind: obj.pk}),
    }


def panel_names(obj) -> dict:
    """How a panel names `obj`: the key its form posts, its element's id, the object's kind,
    the page to return to, and the address of its "log activity" form."""
    key = panel_key(obj)
    kind = key.partition(":")[0]
    next_url = obj.get_absolute_url()
    return {
        "panel": key,
        "panel_id": f"activities-{kind}-{obj.pk}",
        "panel_kind": kind,
        "next": next_url,
        "form_url": f"{reverse('activities:create')}?{urlencode({'panel': key, 'next': next_url})}",
    }


def documents_panel(user, obj, *, form: DocumentForm | None = None, request=None):
    """An account's or a deal's documents, newest first, with the upload form where allowed.

    An account also lists its deals' documents (read-only here; they are managed on the deal).
    """
    # The panel's object is known and who uploaded comes from the lookup cache: no joins.
    documents = list(Document.objects.of(obj).newest_first())
    attach_lookups(documents, ("uploaded_by",), request)
    link = "opportunity" if isinstance(obj, Opportunity) else "account"
    for document in documents:
        setattr(document, link, obj)
    may_upload = can_upload_document(user, obj)
    deal_documents = []
    if isinstance(obj, Opportunity):
        for document in documents:
            document.user_can_delete = may_upload  # the deal's editors: one check for all rows
    else:
        for document in documents:
            document.user_can_delete = can_delete_document(user, document)
        deal_documents = list(
            Document.objects.filter(opportunity__account=obj)
            .select_related("opportunity")
            .newest_first()
        )
    kind = panel_key(obj).partition(":")[0]
    return {
        "object": obj,
        "kind": kind,
        "panel_id": f"documents-{kind}-{obj.pk}",
        "documents": documents,
        "deal_documents": deal_documents,
        "can_upload": may_upload,
        "form": form or (DocumentForm() if may_upload else None),
        "upload_url": reverse("activities:document_upload", args=[kind, obj.pk]),
    }


def previous_next(opportunity: Opportunity, user, request=None) -> dict:
    """The deal's latest done activity, its next planned one and its next action (seed 002).

    Both come from the deal's activity panel (`panel_rows`), planned ones first: a query of
    its own is needed only for the latest done one when the panel holds planned ones alone.
    """
    today = company_today()
    rows = panel_rows(user, opportunity, today=today, request=request)
    upcoming = rows[0] if rows and not rows[0].is_done else None
    previous = next((activity for activity in rows if activity.is_done), None)
    if previous is None and len(rows) > PANEL_LIMIT:
        previous = (
            Activity.objects.filter(opportunity=opportunity).done().order_by("-start", "-pk")
        ).first()
        attach_lookups([previous] if previous else [], ("type", "owner"), request)
    return {
        "opportunity": opportunity,
        "previous": previous,
        "next": upcoming,
        "next_overdue": upcoming is not None and upcoming.is_overdue,
        "next_action_overdue": opportunity.next_action_date is not None
        and opportunity.next_action_date < today,
        "today": today,
    }


@dataclass
class Reminders:
    """What a user has due: overdue and today's activities, and deals whose next action came."""

    activities: list = field(default_factory=list)
    deals: list = field(default_factory=list)
    overdue_count: int = 0
    today_count: int = 0
    deal_count: int = 0
    others: list = field(default_factory=list)  # other apps' items (`reminder_sources`)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue_count or self.today_count or self.deal_count or self.others)


# What a reminder shows of an activity and of the deal, account and contact it hangs on.
REMINDER_FIELDS = (
    *("type", "subject", "start", "end", "due_date", "owner", "is_done", "completed_at"),
    *("account__name", "contact__first_name", "contact__last_name", "opportunity__name"),
)


def reminders_for(
    user, *, today: date, limit: int = REMINDER_LIMIT, request=None, deal_count: int | None = None
) -> Reminders:
    """The user's reminders on `today` (a fixed number of queries): up to `limit` rows of
    each, and counts. `deal_count` is the number of the user's open deals whose next action
    is due, where the caller counted them already (else two queries count them)."""
    due = Activity.objects.due_by(today).owned_by(user)
    counts = due_counts(due, today=today)
    # The columns shown and no more; types and owners from the lookup cache (`panel_rows`).
    rows = list(
        due.select_related("account", "contact", "opportunity")
        .only(*REMINDER_FIELDS)
        .order_by("start", "pk")[:limit]
    )
    attach_lookups(rows, ("type", "owner"), request)
    for activity in rows:
        activity.is_overdue = activity.local_date < today
        # The user owns every one of them, so may edit it (`with_edit_flag`).
        activity.user_can_edit = True
    # The user's deals part by part (`owned_by_parts`): each reads its own index.
    deals = Opportunity.objects.open().filter(next_action_date__lte=today)
    return Reminders(
        activities=rows,
        deals=deals.select_related("account")
        .only("name", "next_step", "next_action_date", "account__name")
        .owned_by_first(user, limit, "next_action_date", "pk"),
        overdue_count=counts[Bucket.OVERDUE],
        today_count=counts[Bucket.TODAY],
        deal_count=deals.owned_by_count(user) if deal_count is None else deal_count,
        others=other_reminders([user.pk], today=today, limit=limit).get(user.pk, []),
    )


# The words of an activity item (jinja/activities/activity_items.html), those of
# templates/activities/partials/activity_status.html, activity_when.html and activity_buttons.html.
ITEM_LABELS = {
    "overdue": _("overdue"),
    "due": _("due %(date)s"),
    "done_when": _("Done %(when)s"),
    "done_badge": _("done"),
    "mark_done": _("Mark “%(subject)s” done"),
    "done": _("Done"),
    "reschedule": _("Reschedule"),
}


def activity_items(activities: list, request=None, *, panel_kind: str = "") -> SafeString:
    """`activities` as the items of a list, the markup of
    `activities/partials/activity_item.html` ("item" layout) rendered by Jinja2
    (jinja/activities/activity_items.html): the panel of an account, contact or deal
    (`panel_kind`, `activities_panel`) and the dashboard's due activities (`reminders_for`).

    Why: the Django item and its three includes cost about 0.4 ms of CPU an activity: a
    deal's panel of 16 took 6.8 ms (load 12), the busiest salesperson's 25 reminders 19 ms
    (load 6); Jinja2 renders them in a fraction of that. What it costs: the item's markup
    lives in two templates (the Django one renders a single item for htmx), kept byte for byte
    alike by `tests/activities/test_panels.py`. Switch it off by including the Django item
    again in `activities_panel.html` and `reminders.html`.
    """
    path = request.get_full_path() if request is not None else ""
    context = {
        "activities": activities,
        "panel_kind": panel_kind,
        "labels": jinja2.translated(ITEM_LABELS),
        "local": timezone.localtime,
        "next": path,
        "next_quoted": quote(path),
    }
    return jinja2.render("activities/activity_items.html", context, request)
