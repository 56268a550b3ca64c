from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from pipeline_crm.concurrency import Versioned, VersionedQuerySet
from pipeline_crm.lookups import Lookup


class BusinessArea(Lookup):
    """Affärsområde: the unit that budgets and pipeline reports group by."""

    class Meta(Lookup.Meta):
        verbose_name = _("business area")
        verbose_name_plural = _("business areas")


class Segment(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("segment")
        verbose_name_plural = _("segments")


class Industry(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class CustomerType(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("customer type")
        verbose_name_plural = _("customer types")


class ContactRole(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")


class LeadSource(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")


class AccountQuerySet(VersionedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def owned_by(self, user):
        return self.filter(owner=user)

    def for_list(self):
        """Everything the account table shows, in a fixed number of queries."""
        # The count as a subquery, worked out for the page's rows only: a join and GROUP BY
        # would count the contacts of every account before the page is cut.
        contacts = (
            Contact.objects.filter(account=models.OuterRef("pk"))
            .order_by()
            .values("account")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return self.select_related(
            "customer_type", "segment", "industry", "business_area", "owner"
        ).annotate(contact_count=Coalesce(models.Subquery(contacts), 0))

    def search(self, text: str):
        """Accounts whose name, org. number or city contains `text` (any case)."""
        text = text.strip()
        if not text:
            return self
        return self.filter(
            models.Q(name__icontains=text)
            | models.Q(org_number__icontains=text)
            | models.Q(city__icontains=text)
        )

    def named(self, name: str):
        """Accounts matched by name, ignoring case and surrounding spaces (the import rule)."""
        return self.annotate(_lower_name=Lower("name")).filter(_lower_name=name.strip().lower())


class Account(Versioned):
    class Rating(models.TextChoices):
        A = "A", _("A – key account")
        B = "B", _("B – important")
        C = "C", _("C – occasional")
        D = "D", _("D – prospect")

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("org. number"), max_length=30, blank=True)
    customer_type = models.ForeignKey(
        CustomerType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("customer type"),
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("segment")
    )
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("industry")
    )
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_accounts",
        verbose_name=_("account owner"),
    )
    business_area = models.ForeignKey(
        BusinessArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("business area"),
    )
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    yearly_revenue = models.DecimalField(
        _("yearly revenue"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    lead_source = models.ForeignKey(
        LeadSource, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("lead source")
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Deactivate an account instead of deleting it.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ("name",)
        indexes = [
            models.Index(Lower("name"), name="account_lower_name"),
            models.Index(fields=["name"], name="account_name"),
            models.Index(fields=["city"], name="account_city"),
            models.Index(fields=["org_number"], name="account_org_number"),
            models.Index(fields=["country", "name"], name="account_country_name"),
            # A salesperson's dashboard: their most recently changed accounts (the first six
            # in order) and the count of their active ones (from this index alone). Through
            # the owner's key alone both read every account of the owner: at 1,000,000 deals
            # 12,000 rows, 13 and 8 ms at load 13.
            models.Index(
                fields=["owner", "-updated_at"],
                include=["is_active"],
                name="dash_account_owner_updated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:detail", args=[self.pk])


class ContactQuerySet(VersionedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_list(self):
        return self.select_related("account", "role")

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        q = models.Q()
        for word in text.split():
            q &= (
                models.Q(first_name__icontains=word)
                | models.Q(last_name__icontains=word)
                | models.Q(email__icontains=word)
                | models.Q(account__name__icontains=word)
            )
        return self.filter(q)


class Contact(Versioned):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("account")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    role = models.ForeignKey(
        ContactRole, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("role")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the quotes sent to this contact; empty: the company's."),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ("last_name", "first_name")
        indexes = [models.Index(fields=["last_name", "first_name"], name="contact_name")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", args=[self.pk])
