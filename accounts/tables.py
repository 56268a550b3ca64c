import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from pipeline_crm.users import UserColumn

from .models import Account, Contact


class AccountTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"))
    org_number = tables.Column(verbose_name=_("Org. number"))
    customer_type = tables.Column(verbose_name=_("Customer type"))
    segment = tables.Column(verbose_name=_("Segment"))
    industry = tables.Column(verbose_name=_("Industry"))
    business_area = tables.Column(verbose_name=_("Business area"))
    city = tables.Column(verbose_name=_("City"))
    country = tables.Column(verbose_name=_("Country"), order_by=("country", "name"))
    owner = UserColumn(verbose_name=_("Owner"), order_by=("owner__first_name", "owner__username"))
    contact_count = tables.Column(
        verbose_name=_("Contacts"), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )

    class Meta:
        model = Account
        fields = ()
        sequence = (
            "name",
            "org_number",
            "customer_type",
            "segment",
            "industry",
            "business_area",
            "city",
            "country",
            "owner",
            "contact_count",
        )
        order_by = ("name",)
        empty_text = _("No accounts match these filters.")
        template_name = "accounts/partials/account_table.html"


class ContactTable(tables.Table):
    name = tables.Column(
        accessor="full_name",
        linkify=True,
        verbose_name=_("Name"),
        order_by=("last_name", "first_name"),
    )
    account = tables.Column(linkify=True, verbose_name=_("Account"))
    title = tables.Column(verbose_name=_("Title"))
    role = tables.Column(verbose_name=_("Role"))
    email = tables.EmailColumn(verbose_name=_("E-mail"))
    phone = tables.Column(verbose_name=_("Phone"))

    class Meta:
        model = Contact
        fields = ()
        sequence = ("name", "account", "title", "role", "email", "phone")
        order_by = ("name",)
        empty_text = _("No contacts match these filters.")
        template_name = "accounts/partials/contact_table.html"
