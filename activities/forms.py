from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from accounts.widgets import AccountSelect
from opportunities.forms import DateInput
from opportunities.models import Opportunity
from pipeline_crm.bounds import BoundedDateField, BoundedDateTimeField, parse_id
from pipeline_crm.choices import DataSelect, ListedChoiceField
from pipeline_crm.storage import UploadField
from pipeline_crm.users import UserChoiceField, active_users

from .agenda import company_tz
from .models import Activity, ActivityType
from .services import check_links


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ContactChoiceField(ListedChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


def rounded_now():
    """Now in the company time zone, to the minute below: the default start of a new entry."""
    return timezone.localtime(timezone.now(), company_tz()).replace(second=0, microsecond=0)


class ActivityForm(forms.ModelForm):
    """Log or edit an activity. A task takes a due date; every other kind a start (and end)."""

    owner = UserChoiceField(queryset=active_users(), label=_("Owner"))
    contact = ContactChoiceField(
        queryset=Contact.objects.none(), required=False, label=_("Contact")
    )
    is_done = forms.BooleanField(
        label=_("Done"), required=False, help_text=_("Tick when logging something already done.")
    )

    class Meta:
        model = Activity
        fields = (
            "type",
            "subject",
            "start",
            "end",
            "due_date",
            "owner",
            "account",
            "contact",
            "opportunity",
            "notes",
        )
        widgets = {
            "account": AccountSelect,
            "type": DataSelect(option_data={"kind": "kind"}),  # a task shows a due date (CSS)
            "start": DateTimeInput(),
            "end": DateTimeInput(),
            "due_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {
            "start": BoundedDateTimeField,
            "end": BoundedDateTimeField,
            "due_date": BoundedDateField,
        }

    def __init__(self, *args, fixed: tuple[str, ...] = (), **kwargs):
        """`fixed` names the links the page decides (account, contact, opportunity): hidden."""
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["type"].queryset = ActivityType.objects.active() | ActivityType.objects.filter(
            pk=instance.type_id
        )
        self.fields["start"].required = False
        self.fields["is_done"].initial = instance.is_done
        if instance.pk and instance.due_date:
            self.initial["start"] = None
        if not instance.pk:
            self.fields["type"].initial = (
                ActivityType.objects.active().values_list("pk", flat=True).first()
            )
        account_id = self._value("account") or instance.account_id
        account_id = parse_id(account_id)
        self.fields["account"].queryset = self.fields["account"].queryset.only("pk", "name")
        self.fields["contact"].queryset = Contact.objects.filter(account_id=account_id).only(
            "pk", "first_name", "last_name", "account_id"
        )
        self.fields["opportunity"].queryset = Opportunity.objects.filter(
            account_id=account_id
        ).only("pk", "name", "account_id")
        for name in fixed:
            self.fields[name].widget = forms.HiddenInput()
        if "account" not in fixed:
            # Choosing another account reloads its contacts and deals (htmx).
            self.fields["account"].widget.attrs.update(
                {
                    "hx-get": reverse("activities:link_options"),
                    "hx-target": "#activity-links",
                    "hx-trigger": "change",
                }
            )

    def _value(self, name):
        value = self.data.get(self.add_prefix(name)) if self.is_bound else None
        value = value or self.initial.get(name)
        return getattr(value, "pk", value)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("type")
        if kind is None:
            return cleaned
        if kind.is_task:
            for ignored in ("start", "end"):  # hidden for a task, whatever they hold
                self.errors.pop(ignored, None)
            due = cleaned.get("due_date")
            if due is None and "due_date" in self.errors:
                return cleaned  # a date out of bounds: its error says so
            if due is None:
                self.add_error(
                    "due_date", forms.ValidationError(_("A task needs a due date."), code="due")
                )
                return cleaned
            self.instance.set_due_date(due)
            cleaned["start"], cleaned["end"] = self.instance.start, None
        else:
            start, end = cleaned.get("start"), cleaned.get("end")
            cleaned["due_date"] = None
            if start is None:
                self.add_error("start", forms.ValidationError(_("Give the start."), code="start"))
            elif end is not None and end < start:
                self.add_error(
                    "end",
                    forms.ValidationError(_("The end cannot be before the start."), code="end"),
                )
        probe = Activity(
            account=cleaned.get("account"),
            contact=cleaned.get("contact"),
            opportunity=cleaned.get("opportunity"),
        )
        if probe.account_id is not None:
            for field, message in check_links(probe).items():
                self.add_error(field, forms.ValidationError(message, code="link"))
        return cleaned


class RescheduleForm(forms.Form):
    """A new start and end, or a new due date for a task."""

    start = BoundedDateTimeField(label=_("Start"), required=False, widget=DateTimeInput())
    end = BoundedDateTimeField(label=_("End"), required=False, widget=DateTimeInput())
    due_date = BoundedDateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        if activity.is_task:
            del self.fields["start"], self.fields["end"]
            self.fields["due_date"].required = True
            self.fields["due_date"].initial = activity.due_date
        else:
            del self.fields["due_date"]
            self.fields["start"].required = True
            self.fields["start"].initial = timezone.localtime(activity.start, company_tz())
            if activity.end:
                self.fields["end"].initial = timezone.localtime(activity.end, company_tz())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end", forms.ValidationError(_("The end cannot be before the start."), code="end")
            )
        return cleaned


class DocumentForm(forms.Form):
    file = UploadField(label=_("File"))
