from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from accounts.widgets import AccountSelect
from pipeline_crm.bounds import BoundedDateField, parse_id
from pipeline_crm.choices import DataSelect, IdsChoiceField, ListedChoiceField
from pipeline_crm.concurrency import VersionedModelForm, VersionField, parse_version
from pipeline_crm.listing import BoundedPaginator
from pipeline_crm.lookups import cached_choices
from pipeline_crm.money import MAX_MONEY, ZERO, fits_money
from pipeline_crm.numbers import format_number, number_formfield
from pipeline_crm.users import UserChoiceField, UserMultipleChoiceField, active_users

from .models import LossReason, Opportunity, OpportunityLine, Product, Stage
from .services import CLOSED_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _active_or_current(field, current_pk):
    table = field.queryset  # every row, in the order the field's options have
    field.queryset = table.filter(is_active=True) | table.filter(pk=current_pk)
    cached_choices(
        field,
        f"form-choices:{table.model._meta.label}",
        table.all,
        lambda row: row.is_active or row.pk == current_pk,
    )


# What a new deal takes from its account (`services.new_opportunity`).
ACCOUNT_DEFAULTS = ("name", "business_area", "source")


class OpportunityForm(VersionedModelForm):
    """Create or edit a deal. The rules (probability, gates, won stage) live in services."""

    owner = UserChoiceField(queryset=active_users(), label=_("Owner"))
    co_responsible = UserMultipleChoiceField(
        queryset=active_users(), required=False, label=_("Co-responsible")
    )
    offered_probability = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Opportunity
        fields = (
            "account",
            "name",
            "deal_type",
            "owner",
            "co_responsible",
            "contacts",
            "business_area",
            "source",
            "stage",
            "probability",
            "forecast_category",
            "amount",
            "expected_close_date",
            "next_step",
            "next_action_date",
            "competitor",
            "description",
        )
        # The lookups and contacts, each read with one query (`pipeline_crm.choices`).
        field_classes = {
            "contacts": IdsChoiceField,
            **dict.fromkeys(
                (
                    "deal_type",
                    "business_area",
                    "source",
                    "stage",
                    "forecast_category",
                    "competitor",
                ),
                ListedChoiceField,
            ),
        }
        widgets = {
            "account": AccountSelect,
            "expected_close_date": DateInput(),
            "next_action_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            # The form shows a stage's probability as soon as it is chosen (app.js), as the
            # save will apply it (services).
            "stage": DataSelect(option_data={"probability": "default_probability"}),
        }
        formfield_callback = number_formfield  # amount, probability: in the user's format

    def __init__(self, *args, may_reassign: bool = True, **kwargs):
        """`may_reassign`: whether the user may change the owner and the co-responsible users
        (`access.can_reassign`); if not, both are shown read-only and a posted value is
        ignored."""
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.may_reassign = may_reassign
        for name in ("deal_type", "business_area", "source", "forecast_category", "competitor"):
            _active_or_current(self.fields[name], getattr(instance, f"{name}_id", None))
        stages = Stage.objects.active()
        # Read now: a post that fails validation has moved the instance to the posted stage.
        is_new, current_stage = instance.pk is None, instance.stage_id
        if is_new:
            stages = stages.filter(is_won_stage=False)
        self.fields["stage"].queryset = stages | Stage.objects.filter(pk=current_stage)
        cached_choices(
            self.fields["stage"],
            "form-choices:stages",
            Stage.objects.all,
            lambda row: (
                row.pk == current_stage or (row.is_active and not (is_new and row.is_won_stage))
            ),
        )
        for name in ("owner", "co_responsible"):  # the same active users, read once
            cached_choices(self.fields[name], "form-choices:active-users", active_users)
        account_id = self.data.get("account") or self.initial.get("account") or instance.account_id
        account_id = parse_id(getattr(account_id, "pk", account_id))
        contacts = Contact.objects.none()
        if account_id is not None:
            contacts = Contact.objects.filter(account_id=account_id)
        self.fields["contacts"].queryset = contacts
        self.fields["contacts"].help_text = _("Contacts at the deal's account.")
        self.fields["account"].queryset = self.fields["account"].queryset.only("pk", "name")
        # Changing the account reloads the contacts to choose from (htmx); on a new deal it
        # also fills in the name, business area and source from the account where still empty.
        self.fields["account"].widget.attrs.update(
            {
                "hx-get": reverse("opportunities:contact_options"),
                "hx-target": "#id_contacts",
                "hx-trigger": "change",
            }
        )
        if instance.pk is None:
            self.fields["account"].widget.attrs["hx-include"] = ", ".join(
                f"#id_{name}" for name in ACCOUNT_DEFAULTS
            )
        self.fields["offered_probability"].initial = self.initial.get(
            "probability", instance.probability
        )
        if instance.has_lines:
            self.fields["amount"].disabled = True
            self.fields["amount"].help_text = _("The sum of the deal's lines.")
        if not may_reassign:
            # A disabled field cleans its initial value: ids, as a posted one would be.
            self.initial["co_responsible"] = [user.pk for user in instance.co_responsible.all()]
            for name in ("owner", "co_responsible"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only the owner and sales managers change this.")
        if not instance.is_open:
            # What it was won or lost with (services.CLOSED_FIELDS) waits for a reopen.
            for name in CLOSED_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("The deal is closed: reopen it to change this.")
        elif not instance.is_probability_manual:
            self.fields["probability"].widget.attrs["data-follows-stage"] = ""

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def posted_changes_to_read_only(self) -> list[str]:
        """The read-only fields a request sent a different value for. A browser sends none (it
        leaves disabled fields out), so these come from a forged or stale request: refused,
        never silently ignored."""
        changed = []
        for name, field in self.fields.items():
            if not field.disabled or name not in self.data:
                continue
            posted = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            field.disabled = False  # Field.has_changed says False for every disabled field
            try:
                if field.has_changed(self.get_initial_for_field(field, name), posted):
                    changed.append(name)
            finally:
                field.disabled = True
        return changed

    def clean(self):
        cleaned = super().clean()
        self.forbidden_changes = []
        for name in self.posted_changes_to_read_only():
            if name in ("owner", "co_responsible") and not self.may_reassign:
                self.forbidden_changes.append(name)  # the view answers 403
            else:
                self.add_error(name, _("The deal is closed: reopen it to change this."))
        account = cleaned.get("account")
        for contact in cleaned.get("contacts") or []:
            if account and contact.account_id != account.pk:
                self.add_error("contacts", _("Choose contacts of the deal's account."))
                break
        return cleaned


class CloseWonForm(forms.Form):
    closed_date = BoundedDateField(label=_("Closed date"), widget=DateInput())
    report = forms.CharField(
        label=_("Win report"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why did we win? Kept for the win/loss analysis."),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_date"].initial = timezone.localdate()


class CloseLostForm(forms.Form):
    loss_reason = forms.ModelChoiceField(
        queryset=LossReason.objects.active(),
        label=_("Loss reason"),
        error_messages={"required": _("Choose why the deal was lost.")},
    )
    closed_date = BoundedDateField(label=_("Closed date"), widget=DateInput())
    report = forms.CharField(
        label=_("Loss report"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happened? Kept for the win/loss analysis."),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_date"].initial = timezone.localdate()


class ReopenForm(forms.Form):
    stage = forms.ModelChoiceField(
        queryset=Stage.objects.active().filter(is_won_stage=False),
        label=_("Reopen at stage"),
        required=False,
        empty_label=_("Its current stage"),
        help_text=_("A deal won by entering the won stage goes back to the last open stage."),
    )
    version = VersionField()


class PricedLineForm(forms.ModelForm):
    """The form of a priced line (a deal's or a quote's, `PricedLine`): an empty discount is
    0, and the line must come to an amount that fits the money columns. Unit price and cost
    left empty are the product's for that check. A subclass's Meta names the line model."""

    def clean_discount_percent(self):
        return self.cleaned_data.get("discount_percent") or ZERO

    def clean(self):
        cleaned = super().clean()
        product, quantity = cleaned.get("product"), cleaned.get("quantity")
        price, cost = cleaned.get("unit_price"), cleaned.get("unit_cost")
        if product is not None:
            price = product.list_price if price is None else price
            cost = product.unit_cost if cost is None else cost
        if quantity is None or price is None or cost is None:
            return cleaned
        line = self._meta.model(
            quantity=quantity,
            unit_price=price,
            unit_cost=cost,
            discount_percent=cleaned.get("discount_percent") or ZERO,
        )
        # Each number fits its column, their product may not (10 × 999,999,999,999.99).
        if not (fits_money(line.total) and fits_money(line.margin)):
            self.add_error(
                "quantity",
                forms.ValidationError(
                    _("This line comes to more than the largest amount, %(largest)s."),
                    code="too_large",
                    params={"largest": format_number(MAX_MONEY)},
                ),
            )
        return cleaned


class LineForm(PricedLineForm):
    """A product line; unit price and cost default to the product's when left empty."""

    class Meta:
        model = OpportunityLine
        fields = ("product", "quantity", "unit_price", "discount_percent", "unit_cost")
        formfield_callback = number_formfield  # quantity, prices, discount: the user's format

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.active().select_related("group")
        self.fields["unit_price"].required = False
        self.fields["unit_cost"].required = False
        # A new line shows empty price and cost, so the product's own are taken (see add_line).
        self.initial.pop("unit_cost", None)
        self.fields["unit_cost"].initial = None
        self.fields["discount_percent"].required = False
        self.fields["unit_price"].help_text = _("Empty: the product's list price.")
        self.fields["unit_price"].widget.attrs["placeholder"] = _("List price")
        self.fields["unit_cost"].widget.attrs["placeholder"] = _("Product's cost")
        self.fields["unit_cost"].help_text = _("Empty: the product's unit cost.")


class StageMoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.active(), label=_("Move to stage"))
    version = VersionField()


class SeenVersionsField(forms.Field):
    """The versions the list showed, as `id:version` (one hidden input per row): a bulk action
    refuses a deal changed since it was selected. Anything unreadable is left out, so its deal
    has no version and is refused too."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> dict[int, int]:
        seen = {}
        for item in (value if isinstance(value, list | tuple) else [])[
            : BoundedPaginator.MAX_PER_PAGE
        ]:
            pk, _sep, version = str(item).partition(":")
            pk, version = parse_id(pk), parse_version(version)
            if pk is not None and version is not None:
                seen[pk] = version
        return seen


class BulkActionForm(forms.Form):
    ACTIONS = (("stage", _("Change stage")), ("owner", _("Change owner")))

    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    selected = IdsChoiceField(
        queryset=Opportunity.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one deal.")},
    )
    stage = forms.ModelChoiceField(
        queryset=Stage.objects.active(),
        required=False,
        label=_("New stage"),
        empty_label=_("New stage"),
        widget=forms.Select(attrs={"data-bulk": "stage"}),  # shown for its action (app.js)
    )
    owner = UserChoiceField(
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username"),
        required=False,
        label=_("New owner"),
        empty_label=_("New owner"),
        widget=forms.Select(attrs={"data-bulk": "owner"}),
    )
    seen = SeenVersionsField()

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "stage" and not cleaned.get("stage"):
            self.add_error("stage", _("Choose the new stage."))
        if action == "owner" and not cleaned.get("owner"):
            self.add_error("owner", _("Choose the new owner."))
        return cleaned
