"""Stored-script payloads in every text field of every model, saved through the real forms (the
CRM's own and the admin's), come back escaped on every page that shows them: lists, detail
pages, edit forms, the board, the reports, the agenda, the history, the htmx fragments.

Each field gets a payload with its own tag: a script element, an attribute break-out with an
event handler, and a Jinja expression (the busiest rows render with Jinja2). A page fails if
any of them arrives live: an unescaped `<script>` or `<img … onerror`, an evaluated `{{ }}`,
or a `javascript:` link. Every tag must show up escaped somewhere, or the sweep missed the page
that shows its field (listed in NOT_SHOWN when no page does, by design).
"""

import re
from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from modeltranslation.translator import NotRegistered, translator

from accounts.models import Account, Contact
from activities.models import Activity
from forecasting.models import SavedReport
from opportunities.models import Opportunity, Stage
from quotes.models import Quote

from .html_forms import main_form
from .sweep import role_client

pytestmark = pytest.mark.usefixtures("quiet_request_log")

TINY = "\"'<"  # escaped: &quot;&#x27;&lt; (Django) or &#34;&#39;&lt; (Jinja)
TINY_ESCAPED = ("&quot;&#x27;&lt;", "&#34;&#39;&lt;")

# Fields no page shows, by design.
NOT_SHOWN = {
    "auth.Group.name": "groups are roles, shown in the admin only",
}


class Payloads:
    """Hands out payloads, each with its own tag, and remembers which field holds which."""

    def __init__(self):
        self.fields: dict[str, str] = {}  # tag → "app.Model.field"

    def tag(self, field: str) -> str:
        tag = f"zq{len(self.fields):02d}x"
        self.fields[tag] = field
        return tag

    def __call__(self, field: str, max_length: int = 10_000) -> str:
        tag = self.tag(field)
        script = f"<script>xss('{tag}')</script>"
        full = f"\"><img src=x onerror=xss('{tag}')>{script}{{{{ '{tag}' * 3 }}}}"
        for payload in (full, f'"><img src=x onerror={tag}>', f"<script>{tag}", f"'<{tag}"):
            if len(payload) <= max_length:
                return payload
        raise AssertionError(f"{field}: {max_length} characters hold no payload")

    def tiny(self, field: str) -> str:
        """Three characters (a currency code): quotes and a tag's opening, no tag."""
        self.fields[TINY] = field
        return TINY

    def email(self, field: str) -> str:
        return f'"<script>{self.tag(field)}</script>"@example.com'

    def url(self, field: str) -> str:
        return f'https://example.com/?"><script>{self.tag(field)}</script>'


def live_payloads(html: str, tags) -> list[str]:
    """What arrived unescaped: the markup of a payload, an evaluated expression, a js link."""
    found = []
    lowered = html.lower()
    for tag in tags:
        if tag == TINY:
            found += [TINY] if TINY in html else []
            continue
        for live in (f"<script>xss('{tag}')", f"<script>{tag}", "<img src=x onerror", tag * 3):
            if live.lower() in lowered:
                found.append(live)
    found += re.findall(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", lowered)
    return sorted(set(found))


def submit(client, url: str, *, fill: dict, choose: dict | None = None, files=None):
    """GET the page, fill in its own form as a user would, POST it: the saved object's page
    (a redirect) is expected; a form error fails with the errors."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    path = url.split("?")[0]
    form = main_form(page.content.decode(), path)
    assert form is not None, f"{url}: no form posting to {path}"
    data = form.data()
    data.update(fill)
    for name, label_part in (choose or {}).items():
        data[name] = form.option(name, label_part)
    response = client.post(url, {**data, **(files or {})})
    errors = getattr(response, "context", None) and _errors(response)
    assert response.status_code == 302, f"{url}: {response.status_code} {errors}"
    return response


def _errors(response) -> dict:
    for context in response.context or []:
        for key in ("form", "adminform"):
            form = context.get(key) if hasattr(context, "get") else None
            form = getattr(form, "form", form)
            if form is not None and getattr(form, "errors", None):
                return dict(form.errors)
    return {}


def _admin_add(client, model: str, payload: Payloads, fields: dict, **lengths):
    """Adds a `model` in the admin with a payload in each of `fields`; a translated field
    (django-modeltranslation) gets its payload in the English column the admin shows."""
    app, name = model.split(".")
    fill = {field: payload(f"{model}.{field}", lengths.get(field, 100)) for field in fields}
    translated = _translated_fields(apps.get_model(model))
    posted = {
        f"{field}_en" if field in translated else field: value for field, value in fill.items()
    }
    submit(client, reverse(f"admin:{app}_{name.lower()}_add"), fill=posted)
    return fill


def _translated_fields(model) -> set[str]:
    try:
        return set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        return set()


def store_payloads(world) -> tuple[Payloads, dict]:
    """Every text field of every model, through the real forms; returns the objects made."""
    payload = Payloads()
    superuser = role_client(world.user("superuser"))
    owner = role_client(world.user("owner"))
    labels = {}
    # Lookup tables and users: the administrator, in the admin.
    lookups = (
        "accounts.BusinessArea",
        "accounts.Segment",
        "accounts.Industry",
        "accounts.CustomerType",
        "accounts.ContactRole",
        "accounts.LeadSource",
        "opportunities.DealType",
        "opportunities.Competitor",
        "opportunities.LossReason",
        "opportunities.ProductGroup",
        "opportunities.ForecastCategory",
        "activities.ActivityType",
    )
    for model in lookups:
        labels[model] = list(_admin_add(superuser, model, payload, ["name"]).values())[0]
    labels["opportunities.Stage"] = _admin_add(
        superuser, "opportunities.Stage", payload, ["name", "description"]
    )["name"]
    product = {
        "name": payload("opportunities.Product.name", 100),
        "code": payload("opportunities.Product.code", 40),
    }
    submit(
        superuser,
        reverse("admin:opportunities_product_add"),
        fill=product,
        choose={"group": _tag(labels["opportunities.ProductGroup"])},
    )
    labels["opportunities.Product"] = product["name"]
    _admin_add(superuser, "auth.Group", payload, ["name"])
    submit(
        superuser,
        reverse("admin:auth_user_change", args=[world.user("owner").pk]),
        fill={
            "first_name": payload("auth.User.first_name", 150),
            "last_name": payload("auth.User.last_name", 150),
        },
    )
    submit(
        superuser,
        reverse("admin:pipeline_crm_companysettings_change", args=[1]),
        fill={"currency": payload.tiny("pipeline_crm.CompanySettings.currency")},
    )
    # The CRM's own forms: the salesperson.
    account_fields = {
        "name": 200,
        "org_number": 30,
        "street": 200,
        "postal_code": 20,
        "city": 100,
        "region": 100,
        "phone": 50,
        "notes": 10_000,
    }
    fill = {name: payload(f"accounts.Account.{name}", n) for name, n in account_fields.items()}
    fill["website"] = payload.url("accounts.Account.website")
    submit(
        owner,
        reverse("accounts:create"),
        fill=fill,
        choose={
            "business_area": _tag(labels["accounts.BusinessArea"]),
            "segment": _tag(labels["accounts.Segment"]),
            "industry": _tag(labels["accounts.Industry"]),
            "customer_type": _tag(labels["accounts.CustomerType"]),
            "lead_source": _tag(labels["accounts.LeadSource"]),
        },
    )
    account = Account.objects.get(name=fill["name"])
    contact_fields = {"first_name": 100, "last_name": 100, "title": 100, "phone": 50}
    contact_fields |= {"mobile": 50, "notes": 10_000}
    fill = {name: payload(f"accounts.Contact.{name}", n) for name, n in contact_fields.items()}
    fill["email"] = payload.email("accounts.Contact.email")
    submit(
        owner,
        f"{reverse('contacts:create')}?account={account.pk}",
        fill=fill,
        choose={"role": _tag(labels["accounts.ContactRole"])},
    )
    contact = Contact.objects.get(account=account)
    deal_fill = {
        "name": payload("opportunities.Opportunity.name", 200),
        "next_step": payload("opportunities.Opportunity.next_step", 255),
        "description": payload("opportunities.Opportunity.description"),
        "expected_close_date": date.today().isoformat(),
        "contacts": str(contact.pk),
        "amount": "1000",
    }
    submit(
        owner,
        f"{reverse('opportunities:create')}?account={account.pk}",
        fill=deal_fill,
        choose={
            "stage": _tag(labels["opportunities.Stage"]),
            "deal_type": _tag(labels["opportunities.DealType"]),
            "forecast_category": _tag(labels["opportunities.ForecastCategory"]),
            "competitor": _tag(labels["opportunities.Competitor"]),
        },
    )
    deal = Opportunity.objects.get(name=deal_fill["name"])
    owner.post(
        reverse("opportunities:line_add", args=[deal.pk]),
        {"product": _product_pk(labels["opportunities.Product"]), "quantity": "1"},
    )
    activity_fill = {
        "subject": payload("activities.Activity.subject", 200),
        "notes": payload("activities.Activity.notes"),
    }
    submit(
        owner,
        f"{reverse('activities:create')}?opportunity={deal.pk}",
        fill=activity_fill,
        choose={"type": _tag(labels["activities.ActivityType"])},
    )
    activity = Activity.objects.get(opportunity=deal)
    quote = _store_quote_payloads(owner, superuser, deal, payload)
    name_tag = payload.tag("activities.Document.original_name")
    owner.post(
        reverse("activities:document_upload", args=["opportunity", deal.pk]),
        {"file": SimpleUploadedFile(f'"><img src=x onerror={name_tag}>.txt', b"notes\n")},
    )
    lost_fill = {
        "name": payload("opportunities.Opportunity.name (lost)", 200),
        "expected_close_date": date.today().isoformat(),
        "amount": "500",
    }
    submit(owner, f"{reverse('opportunities:create')}?account={account.pk}", fill=lost_fill)
    lost = Opportunity.objects.get(name=lost_fill["name"])
    submit(
        owner,
        reverse("opportunities:close_lost", args=[lost.pk]),
        fill={"report": payload("opportunities.Opportunity.win_loss_report")},
        choose={"loss_reason": _tag(labels["opportunities.LossReason"])},
    )
    owner.post(
        reverse("forecasting:save"),
        {
            "name": payload("forecasting.SavedReport.name", 120),
            "kind": "pipeline",
            "query": f"pick={date.today().year}&{payload('forecasting.SavedReport.query')}",
            "is_shared": "on",
        },
    )
    saved = SavedReport.objects.get(owner=world.user("owner"), is_shared=True)
    objects = {
        "account": account,
        "contact": contact,
        "deal": deal,
        "lost": lost,
        "activity": activity,
        "saved": saved,
        "stage": Stage.objects.get(name=labels["opportunities.Stage"]),
        "quote": quote,
    }
    return payload, objects


def _store_quote_payloads(owner, superuser, deal, payload):
    """A quote of the deal with payloads in its texts, its line's description and its
    decline comment; the quote settings and a price list through the admin."""
    settings_fill = {
        "number_prefix": payload("quotes.QuoteSettings.number_prefix", 20),
        "payment_terms": payload("quotes.QuoteSettings.payment_terms", 200),
        "company_name": payload("quotes.QuoteSettings.company_name", 200),
        "company_details": payload("quotes.QuoteSettings.company_details"),
    }
    submit(superuser, reverse("admin:quotes_quotesettings_change", args=[1]), fill=settings_fill)
    _admin_add(superuser, "quotes.PriceList", payload, ["name"])
    owner.post(reverse("quotes:create", args=[deal.pk]))
    quote = Quote.objects.filter(opportunity=deal).latest("pk")
    submit(
        owner,
        reverse("quotes:edit", args=[quote.pk]),
        fill={
            "payment_terms": payload("quotes.Quote.payment_terms", 200),
            "introduction": payload("quotes.Quote.introduction"),
            "closing_text": payload("quotes.Quote.closing_text"),
        },
    )
    line = quote.lines.get()
    submit(
        owner,
        reverse("quotes:line_edit", args=[quote.pk, line.pk]),
        fill={"description": payload("quotes.QuoteLine.description", 300)},
    )
    submit(
        owner,
        reverse("quotes:send", args=[quote.pk]),
        fill={"to": "eva@example.com", "subject": "Quote", "message": "Here it is"},
    )
    submit(
        owner,
        reverse("quotes:decline", args=[quote.pk]),
        fill={"comment": payload("quotes.Quote.status_comment", 2000)},
    )
    return quote


def _tag(label: str) -> str:
    return re.search(r"zq\d\dx", label).group(0)


def _product_pk(name: str) -> int:
    from opportunities.models import Product

    return Product.objects.get(name=name).pk


def pages(objects, owner_client) -> dict[str, list[str]]:
    """The pages to read, by who reads them."""
    opened = owner_client.get(reverse("forecasting:saved", args=[objects["saved"].pk]))
    saved_report_page = opened["Location"]  # the report, with the saved query in its address
    year = {"pick": str(date.today().year)}
    everyone = "owner=&done="
    account, contact, deal = objects["account"], objects["contact"], objects["deal"]
    activity, lost, stage = objects["activity"], objects["lost"], objects["stage"]
    quote = objects["quote"]
    reports = [
        f"{reverse(name)}?pick={year['pick']}"
        for name in (
            "forecasting:pipeline",
            "forecasting:budget",
            "forecasting:funnel",
            "forecasting:salespeople",
            "forecasting:winloss",
            "forecasting:trend",
            "forecasting:effort",
            "forecasting:movement",
        )
    ] + [f"{reverse('forecasting:movement_deals')}?pick={year['pick']}&part=end"]
    owner = [
        reverse("dashboard"),
        reverse("accounts:list"),
        f"{reverse('accounts:list')}?q=zq",
        account.get_absolute_url(),
        reverse("accounts:edit", args=[account.pk]),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
        f"{reverse('opportunities:list')}?mine=",
        f"{reverse('opportunities:list')}?status=lost",
        deal.get_absolute_url(),
        lost.get_absolute_url(),
        reverse("opportunities:edit", args=[deal.pk]),
        reverse("opportunities:close_won", args=[deal.pk]),
        reverse("opportunities:reopen", args=[lost.pk]),
        f"{reverse('opportunities:board')}?mine=",
        f"{reverse('opportunities:board_column', args=[stage.pk])}?mine=",
        f"{reverse('activities:agenda')}?{everyone}",
        activity.get_absolute_url(),
        reverse("activities:edit", args=[activity.pk]),
        reverse("activities:reschedule", args=[activity.pk]),
        f"{reverse('activities:create')}?opportunity={deal.pk}",
        f"{reverse('activities:link_options')}?account={account.pk}",
        f"{reverse('accounts:options')}?q=zq",
        f"{reverse('opportunities:contact_options')}?account={account.pk}",
        reverse("activities:calendar"),
        reverse("forecasting:index"),
        saved_report_page,
        reverse("forecasting:budgets"),
        *reports,
        quote.get_absolute_url(),
        f"{reverse('quotes:list')}?status=&scope=team",
        f"{reverse('quotes:report')}?pick={year['pick']}",
    ]
    superuser = [
        reverse("accounts:delete", args=[account.pk]),
        reverse("opportunities:delete", args=[deal.pk]),
        reverse("activities:delete", args=[activity.pk]),
        reverse("admin:index"),
        reverse("admin:accounts_account_changelist"),
        reverse("admin:opportunities_opportunity_changelist"),
        reverse("admin:opportunities_opportunity_change", args=[deal.pk]),
        reverse("admin:opportunities_opportunity_history", args=[deal.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:opportunities_product_changelist"),
        reverse("admin:opportunities_stage_changelist"),
        reverse("admin:opportunities_stage_change", args=[stage.pk]),  # its description
        reverse("admin:auth_group_changelist"),
        reverse("admin:quotes_quotesettings_change", args=[1]),
        reverse("admin:quotes_pricelist_changelist"),
        reverse("admin:quotes_quote_changelist"),
        reverse("quotes:approvals"),
    ]
    htmx = [f"{reverse('activities:create')}?panel=opportunity:{deal.pk}"]
    return {"owner": owner, "superuser": superuser, "htmx": htmx}


def test_stored_scripts_come_back_escaped_on_every_page(world):
    payload, objects = store_payloads(world)
    tags = list(payload.fields)
    clients = {
        "owner": role_client(world.user("owner")),
        "superuser": role_client(world.user("superuser")),
    }
    problems, seen = [], set()
    for reader, urls in pages(objects, clients["owner"]).items():
        client = clients["owner" if reader == "htmx" else reader]
        headers = {"HX-Request": "true"} if reader == "htmx" else {}
        for url in urls:
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                problems.append(f"{url}: {response.status_code}")
                continue
            html = response.content.decode()
            if live := live_payloads(html, tags):
                problems.append(f"{url} shows live: {live}")
            seen |= {tag for tag in tags if tag in html}
            if any(escaped in html for escaped in TINY_ESCAPED):
                seen.add(TINY)
    unseen = {
        payload.fields[tag]
        for tag in tags
        if tag not in seen and payload.fields[tag] not in NOT_SHOWN
    }
    assert not problems, "\n".join(problems)
    assert not unseen, f"fields no page swept shows (add the page, or to NOT_SHOWN): {unseen}"
