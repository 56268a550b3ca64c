"""Every registered ModelAdmin's add and change forms, posted with hostile but typed values
(every box ticked, numbers at and past their limits, dates out of bounds, an end before its
start), answer with a page or a redirect, never a 500 (issue 14, item 1): a CHECK constraint
the form did not validate would surface as an IntegrityError."""

from decimal import Decimal

import pytest
from django import forms
from django.contrib.admin.sites import site
from django.urls import NoReverseMatch, reverse

from ..admin_helpers import form_data
from ..factories import (
    ActivityFactory,
    ContactFactory,
    DocumentFactory,
    OpportunityFactory,
    ProductFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_request_log")]

ADMINS = sorted(site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _admin in ADMINS]

# Models with CHECK constraints, posted on both their add and change pages.
CONSTRAINED = {"activities.Activity", "opportunities.Opportunity", "opportunities.Stage"}
BIG = "99999999999999999999"
VARIANTS = {
    "ticked": {"bool": "on", "number": "1", "date": "2026-12-06", "time": "10:00:00"},
    "too_big": {"bool": "on", "number": BIG, "date": "2199-12-31", "time": "23:59:59"},
    "negative": {"bool": "", "number": "-1", "date": "1899-12-31", "time": "00:00:00"},
    "far_out": {"bool": "on", "number": "1e20", "date": "0001-01-01", "time": "00:00:00"},
    "fraction": {"bool": "on", "number": "100.005", "date": "9999-12-31", "time": "12:00:00"},
}


@pytest.fixture
def world(salesperson):
    deal = OpportunityFactory(owner=salesperson)
    ContactFactory(account=deal.account)
    ActivityFactory(account=deal.account, opportunity=deal, is_done=True)
    DocumentFactory(account=deal.account)
    ProductFactory()
    return deal


def _hostile(form: forms.Form, data: dict, values: dict) -> dict:
    """`data` with each field of `form` given the variant's value for its type."""
    data = dict(data)
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        if isinstance(field, forms.BooleanField):
            if values["bool"]:
                data[name] = values["bool"]
            else:
                data.pop(name, None)
        elif isinstance(field, forms.SplitDateTimeField):
            # An end before its start where both exist: the start late, every other early.
            day = values["date"] if name == "start" else "1900-01-01"
            data[f"{name}_0"], data[f"{name}_1"] = day, values["time"]
        elif isinstance(field, forms.DateTimeField):
            data[name] = f"{values['date']} {values['time']}"
        elif isinstance(field, forms.DateField):
            data[name] = values["date"]
        elif isinstance(field, forms.ModelMultipleChoiceField):
            first = field.queryset.order_by("pk").first()
            data[name] = [first.pk] if first else []
        elif isinstance(field, forms.ModelChoiceField):
            first = field.queryset.order_by("pk").first()
            data[name] = first.pk if first else ""
        elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            data[name] = values["number"]
        elif isinstance(field, forms.ChoiceField):
            choices = [value for value, _label in field.choices if value not in ("", None)]
            data[name] = choices[-1] if choices else ""
        elif isinstance(field, forms.CharField):
            data[name] = data.get(name) or f"Hostile {name} ''\"<b>"
    return data


def _urls(model, obj) -> list[str]:
    opts = model._meta
    urls = []
    try:
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    except NoReverseMatch:
        pass
    if obj is not None:
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return urls


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_hostile_admin_forms_never_give_a_500(client_for, admin_user, world, model, model_admin):
    client = client_for(admin_user)
    obj = model._default_manager.order_by("pk").first()
    posted = 0
    for url in _urls(model, obj):
        page = client.get(url)
        if page.status_code != 200 or "adminform" not in page.context:
            continue
        form = page.context["adminform"].form
        base = form_data(client, url)
        for name, values in VARIANTS.items():
            response = client.post(url, _hostile(form, base, values))
            assert response.status_code < 500, (url, name)
            posted += 1
    if model._meta.label in CONSTRAINED:
        assert posted == 2 * len(VARIANTS)  # its add and change forms, every variant


def test_the_sweep_covers_the_constrained_models():
    assert CONSTRAINED <= set(IDS)


def test_a_deal_posted_with_every_box_ticked_keeps_its_rules(client_for, admin_user, world):
    url = reverse("admin:opportunities_opportunity_change", args=[world.pk])
    client = client_for(admin_user)
    form = client.get(url).context["adminform"].form
    data = _hostile(form, form_data(client, url), VARIANTS["ticked"])
    data["stage"] = world.stage_id
    data["probability"] = world.probability
    data["amount"] = "250.00"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.refresh_from_db()
    assert world.status == "open" and not world.is_probability_manual
    assert world.probability == 10
    assert world.weighted_amount == Decimal("25.00")
