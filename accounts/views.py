from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, ProtectedError, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pipeline_crm.bounds import parse_id
from pipeline_crm.concurrency import EditConflict, versioned_save
from pipeline_crm.history import (
    HistoryPage,
    HistorySource,
    Origin,
    history_page,
    label_change,
    render_history,
)
from pipeline_crm.listing import table_page
from pipeline_crm.roles import is_manager

from .filters import AccountFilter, ContactFilter
from .forms import AccountForm, ContactForm
from .models import Account, Contact
from .tables import AccountTable, ContactTable
from .widgets import AccountSelect


def get_account(pk: int) -> Account:
    """Every user sees every account (DESIGN: roles)."""
    return get_object_or_404(Account, pk=pk)


def get_account_for_delete(request, pk: int) -> Account:
    """Only sales managers and administrators delete accounts; others get a 403."""
    account = get_account(pk)
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can delete accounts."))
    return account


def get_contact(pk: int) -> Contact:
    return get_object_or_404(Contact.objects.select_related("account", "role"), pk=pk)


def get_contact_for_delete(request, pk: int) -> Contact:
    contact = get_contact(pk)
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can delete contacts."))
    return contact


ACCOUNT_MESSAGES = (
    gettext_lazy("Account “%(name)s” created."),
    gettext_lazy("Account “%(name)s” saved."),
)
CONTACT_MESSAGES = (
    gettext_lazy("Contact “%(name)s” added."),
    gettext_lazy("Contact “%(name)s” saved."),
)


def _form_page(request, form, *, template: str, context: dict, texts, next_url=None):
    """Show a create/edit form; on a valid POST save it under the optimistic lock (a conflict
    becomes a form error), say so and redirect to the object (or `next_url(obj)`)."""
    if request.method == "POST" and form.is_valid():
        creating = form.instance.pk is None
        label_change(form.instance, Origin.FORM)
        try:
            obj = versioned_save(form)
        except EditConflict:
            pass
        else:
            messages.success(request, texts[0 if creating else 1] % {"name": obj})
            return redirect(next_url(obj) if next_url else obj)
    return render(request, template, {"form": form, **context})


def account_list(request):
    filterset = AccountFilter(request.GET, queryset=Account.objects.for_list())
    return table_page(
        request,
        filterset=filterset,
        table=AccountTable(filterset.qs),
        template="accounts/account_list.html",
        export_name="accounts",
    )


def account_detail(request, pk: int):
    account = get_account(pk)
    contacts = account.contacts.select_related("role")
    open_first = Case(When(status="open", then=Value(0)), default=Value(1))
    deals = account.opportunities.select_related("stage", "owner").order_by(
        open_first, "-expected_close_date"
    )
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "opportunities": deals[:25],
            "opportunity_count": deals.count(),
            "contacts": contacts,
            "history": account_history(account, request),
            "history_url": reverse("accounts:history", args=[account.pk]),
            "can_delete": is_manager(request.user),
        },
    )


def account_history(account: Account, request, *, before: str = "") -> HistoryPage:
    """A page of the changes of the account and of its contacts, newest first."""
    sources = [
        HistorySource(account.history.all()),
        HistorySource(
            Contact.history.filter(account_id=account.pk),
            label=lambda r: f"{_('Contact')}: {r.first_name} {r.last_name}".strip(),
        ),
    ]
    return history_page(sources, before=before, request=request)


@require_GET
def account_history_view(request, pk: int):
    """The account's older changes, a page at a time ("Older changes" on its page)."""
    account = get_account(pk)
    page = account_history(account, request, before=request.GET.get("before", ""))
    return render_history(request, account, page)


@require_http_methods(["GET", "POST"])
def account_create(request):
    form = AccountForm(request.POST or None, initial={"owner": request.user})
    return _form_page(
        request, form, template="accounts/account_form.html", context={}, texts=ACCOUNT_MESSAGES
    )


@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    account = get_account(pk)
    form = AccountForm(request.POST or None, instance=account)
    return _form_page(
        request,
        form,
        template="accounts/account_form.html",
        context={"account": account},
        texts=ACCOUNT_MESSAGES,
    )


@require_http_methods(["GET", "POST"])
def account_delete(request, pk: int):
    account = get_account_for_delete(request, pk)
    protected = None
    if request.method == "POST":
        name = str(account)
        try:
            account.delete()
        except ProtectedError as error:
            protected = len(error.protected_objects)
        else:
            messages.success(request, _("Account “%(name)s” deleted.") % {"name": name})
            return redirect("accounts:list")
    return render(
        request,
        "accounts/account_confirm_delete.html",
        {"account": account, "protected": protected},
        status=409 if protected else 200,
    )


def contact_list(request):
    filterset = ContactFilter(request.GET, queryset=Contact.objects.for_list())
    return table_page(
        request,
        filterset=filterset,
        table=ContactTable(filterset.qs),
        template="accounts/contact_list.html",
        export_name="contacts",
    )


def contact_detail(request, pk: int):
    contact = get_contact(pk)
    return render(
        request,
        "accounts/contact_detail.html",
        {
            "contact": contact,
            "history": history_page([HistorySource(contact.history.all())], request=request),
            "history_url": reverse("contacts:history", args=[contact.pk]),
            "can_delete": is_manager(request.user),
        },
    )


@require_GET
def contact_history(request, pk: int):
    """The contact's older changes, a page at a time."""
    contact = get_contact(pk)
    before = request.GET.get("before", "")
    page = history_page([HistorySource(contact.history.all())], before=before, request=request)
    return render_history(request, contact, page)


@require_http_methods(["GET", "POST"])
def contact_create(request):
    initial = {}
    account_pk = parse_id(request.GET.get("account"))
    if account_pk is not None:
        initial["account"] = get_account(account_pk)
    form = ContactForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        template="accounts/contact_form.html",
        context={},
        texts=CONTACT_MESSAGES,
        next_url=lambda contact: contact.account,
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    contact = get_contact(pk)
    form = ContactForm(request.POST or None, instance=contact)
    return _form_page(
        request,
        form,
        template="accounts/contact_form.html",
        context={"contact": contact},
        texts=CONTACT_MESSAGES,
    )


@require_http_methods(["GET", "POST"])
def contact_delete(request, pk: int):
    contact = get_contact_for_delete(request, pk)
    if request.method == "POST":
        account = contact.account
        name = str(contact)
        contact.delete()
        messages.success(request, _("Contact “%(name)s” deleted.") % {"name": name})
        return redirect(account)
    return render(request, "accounts/contact_confirm_delete.html", {"contact": contact})


def account_options(request):
    """The accounts whose name contains `q`, as <option>s for an `AccountSelect` (htmx).

    The account chosen in the form (the value of the field named by `field`) stays first
    and selected.
    """
    text = request.GET.get("q", "").strip()
    chosen_id = parse_id(request.GET.get(request.GET.get("field", "account")))
    accounts = Account.objects.only("pk", "name").order_by("name", "pk")
    chosen = list(accounts.filter(pk=chosen_id)) if chosen_id else []
    matching = accounts.filter(name__icontains=text) if text else accounts
    matching = matching.exclude(pk__in=[account.pk for account in chosen])
    return render(
        request,
        "accounts/partials/account_options.html",
        {"chosen": chosen, "accounts": matching[: AccountSelect.limit]},
    )
