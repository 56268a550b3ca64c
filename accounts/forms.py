from django import forms
from django.utils.translation import gettext_lazy as _

from pipeline_crm.concurrency import VersionedModelForm
from pipeline_crm.numbers import number_formfield
from pipeline_crm.users import UserChoiceField, active_users

from .models import Account, Contact
from .widgets import AccountSelect


class AccountForm(VersionedModelForm):
    owner = UserChoiceField(queryset=active_users(), required=False, label=_("Account owner"))

    class Meta:
        model = Account
        fields = (
            "name",
            "org_number",
            "customer_type",
            "segment",
            "industry",
            "rating",
            "owner",
            "business_area",
            "lead_source",
            "street",
            "postal_code",
            "city",
            "region",
            "country",
            "phone",
            "website",
            "employees",
            "yearly_revenue",
            "notes",
            "is_active",
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        formfield_callback = number_formfield  # employees, yearly revenue: in the user's format

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lookups offer only active rows, plus the one this account already has.
        for name in ("customer_type", "segment", "industry", "business_area", "lead_source"):
            field = self.fields[name]
            current = getattr(self.instance, f"{name}_id", None)
            field.queryset = field.queryset.filter(is_active=True) | field.queryset.filter(
                pk=current
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("An account needs a name."), code="required")
        return name


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = (
            "account",
            "first_name",
            "last_name",
            "title",
            "role",
            "email",
            "phone",
            "mobile",
            "language",
            "notes",
            "is_active",
        )
        widgets = {"account": AccountSelect, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.only("pk", "name")
        role = self.fields["role"]
        role.queryset = role.queryset.filter(is_active=True) | role.queryset.filter(
            pk=self.instance.role_id
        )
