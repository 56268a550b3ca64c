"""Quotes: offers built from a deal's lines, numbered when first sent, frozen once sent.

The app uses opportunities, accounts and activities; none of them imports it (their pages and
jobs collect from it through registries: `quotes.apps`).
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Account, Contact
from opportunities.models import Opportunity, PricedLine, Product, ProductGroup, co_owned
from pipeline_crm.bounds import bounds_condition, validate_date_bounds
from pipeline_crm.money import ZERO, round_money

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}
PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class QuoteSettings(models.Model):
    """The company's one row of quote settings, edited by administrators in the admin."""

    number_prefix = models.CharField(
        _("number prefix"),
        max_length=20,
        default="Q-",
        blank=True,
        help_text=_("A sent quote's number is this prefix, the year and a running number."),
    )
    valid_days = models.PositiveSmallIntegerField(
        _("days a quote is valid"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("A sent quote is valid until the day it is sent plus this many days."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("days before valid-until to remind"),
        default=3,
        validators=[MaxValueValidator(365)],
    )
    uses_vat = models.BooleanField(_("quotes show VAT"), default=True)
    vat_percent = models.DecimalField(
        _("VAT (%)"), default=Decimal("25.00"), validators=PERCENT_VALIDATORS, **PERCENT
    )
    payment_terms = models.CharField(
        _("default payment terms"), max_length=200, default="30 days net", blank=True
    )
    language = models.CharField(
        _("default quote language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of a quote whose contact has none."),
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    company_details = models.TextField(
        _("company details"),
        blank=True,
        help_text=_("Address, registration and VAT numbers, bank details: printed on quotes."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quote settings")
        verbose_name_plural = _("quote settings")

    def __str__(self) -> str:
        return str(_("Quote settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "QuoteSettings":
        """The settings row, created with the defaults on first need."""
        return cls.objects.get_or_create(pk=1)[0]


class QuoteNumberCounter(models.Model):
    """The last quote number given out in a year. `services.assign_number` locks the year's
    row, so numbers are gap-free and never shared: a send that fails rolls its number back."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("quote number counter")
        verbose_name_plural = _("quote number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class QuoteQuerySet(models.QuerySet):
    def awaiting_approval(self):
        return self.filter(status=Quote.Status.AWAITING_APPROVAL)

    def outstanding(self):
        """Sent and not yet answered (accepted, declined) or expired."""
        return self.filter(status=Quote.Status.SENT)

    def owned_by(self, user):
        """Quotes on deals the user owns or is co-responsible for: the owned ones by the kept
        owner (`kept_owner`, an index), the shared ones through the deals shared with them."""
        shared = co_owned(user)
        if shared is None:
            return self.filter(owner=user)
        return self.filter(Q(owner=user) | Q(opportunity__in=shared))

    def owned_by_parts(self, user) -> list:
        """`owned_by(user)` as two disjoint querysets, the quotes of the deals the user owns and
        of those shared with them that they do not own (`OpportunityQuerySet.owned_by_parts`),
        both by the kept owner (`kept_owner`: the deal's): the shared part is the quotes of
        the user's shared deals, no join with the deals (`quote_sent_deal` answers it for the
        outstanding ones)."""
        shared = Opportunity.co_responsible.through.objects.filter(user=user).values(
            "opportunity_id"
        )
        return [
            self.filter(owner=user),
            self.filter(opportunity__in=shared).exclude(owner=user),
        ]

    def matching(self, text: str):
        """Quotes whose number, deal name or account name contains `text` (any case).

        The deals come from `OpportunityQuerySet.matching` (its trigram indexes) as a
        subquery: an OR across the joins would read every quote with its deal and account.
        The numbers too (`quote_number_trgm`): tested on each quote, the number is the one
        column the list's indexes do not hold, so every outstanding quote was read from the
        table (a salesperson's search at 200,000 quotes: 138 → 45 ms of SQL, loaded)."""
        numbered = Quote.objects.filter(number__icontains=text).values("pk")
        return self.filter(
            Q(pk__in=numbered) | Q(opportunity__in=Opportunity.objects.matching(text).values("pk"))
        )

    def for_list(self):
        return self.select_related("opportunity", "opportunity__account", "opportunity__owner")

    def expiring(self, today: date):
        """Outstanding quotes whose valid-until date has passed."""
        return self.outstanding().filter(valid_until__lt=today)

    def totals(self) -> dict:
        """Count, amount and margin over the quotes (one query); rows add up to them."""
        result = self.order_by().aggregate(
            count=models.Count("pk"), amount=models.Sum("amount"), margin=models.Sum("margin")
        )
        result["amount"] = round_money(result["amount"] or ZERO)
        result["margin"] = round_money(result["margin"] or ZERO)
        return result


class Quote(models.Model):
    """An offer to the deal's account: version n of the deal's quotes.

    A draft is edited freely; sending gives it a number and a valid-until date and freezes it.
    A change to a sent quote is a new version (`services.revise`).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    EDITABLE = (Status.DRAFT,)
    UNSENT = (Status.DRAFT, Status.AWAITING_APPROVAL, Status.APPROVED)

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="quotes", verbose_name=_("deal")
    )
    # The deal's owner, kept (`kept_owner`): "mine" reads it from the quote's own index.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # led by status: `quote_owner_list` (migration 0005)
        verbose_name=_("owner"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("number"), max_length=40, blank=True, editable=False)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    number_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("contact"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, editable=False
    )
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    closing_text = models.TextField(_("closing text"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    vat_percent = models.DecimalField(
        _("VAT (%)"), default=ZERO, editable=False, validators=PERCENT_VALIDATORS, **PERCENT
    )
    amount = models.DecimalField(_("amount"), default=ZERO, editable=False, **MONEY)
    margin = models.DecimalField(_("margin"), default=ZERO, editable=False, **MONEY)
    vat_amount = models.DecimalField(_("VAT"), default=ZERO, editable=False, **MONEY)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, editable=False, validators=[validate_date_bounds]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    document = models.ForeignKey(
        "activities.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("sent PDF"),
    )
    status_comment = models.TextField(_("comment"), blank=True, editable=False)
    has_margin_warning = models.BooleanField(
        _("lines under the minimum margin"), default=False, editable=False
    )
    history = HistoricalRecords()

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ("opportunity", "version")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "version"], name="quote_version_per_deal"
            ),
            models.UniqueConstraint(
                fields=["number_year", "number_sequence"],
                condition=Q(number_sequence__isnull=False),
                name="quote_number_unique",
            ),
            # Drafts have no number; every sent quote has one.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "awaiting_approval", "approved"], number="")
                | (~Q(status__in=["draft", "awaiting_approval", "approved"]) & ~Q(number="")),
                name="quote_number_once_sent",
            ),
            models.CheckConstraint(
                condition=bounds_condition("valid_until"),
                name="quote_dates_in_bounds",
                violation_error_message=_("Dates lie between 1900-01-01 and 2199-12-31."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sent_at"], name="quote_status_sent"),
            models.Index(fields=["status", "valid_until"], name="quote_status_valid"),
            # A salesperson's outstanding quotes: their page's ids and footer from the index
            # alone (INCLUDE is PostgreSQL's; elsewhere the four columns).
            models.Index(
                fields=["status", "owner", "sent_at", "id"],
                include=["opportunity", "amount", "margin"],
                name="quote_owner_list",
            ),
            # The outstanding quotes of the deals shared with a user (the second part of
            # "mine", `owned_by_parts`): the dashboard's panel sums them and takes the oldest
            # from this index alone, a probe per shared deal, where the status index read
            # every outstanding quote (29,900 at 200,000 quotes) to find their 833.
            models.Index(
                fields=["opportunity"],
                include=["id", "owner", "sent_at", "amount", "margin"],
                condition=Q(status="sent"),
                name="quote_sent_deal",
            ),
            # A user's outstanding quotes by valid-until date (`reminders.quotes_expiring_soon`):
            # the dashboard's first 25 in the window are the index's first entries (0.5 ms),
            # where the window of every owner's quotes was read and filtered (1,000 rows, 19
            # ms at load 5).
            models.Index(
                fields=["owner", "valid_until", "id"],
                condition=Q(status="sent"),
                name="quote_sent_owner_valid",
            ),
            # The outstanding quotes by amount (the list sorted by it, either way): a page's ids
            # are the index's first entries, where every outstanding quote was read and sorted
            # (29,900 at 200,000 quotes: 14–20 ms at load 12). The owner and the deal are
            # included for "mine", which tests them on the way.
            models.Index(
                fields=["amount", "id"],
                include=["owner", "opportunity"],
                condition=Q(status="sent"),
                name="quote_sent_amount",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"{self.number} (v{self.version})"
        return str(_("Draft quote v%(version)s") % {"version": self.version})

    def save(self, *args, **kwargs):
        if self.owner_id is None and self.opportunity_id is not None:
            self.owner_id = self.opportunity.owner_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("quotes:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_sent(self) -> bool:
        return self.status not in self.UNSENT

    @property
    def gross_amount(self) -> Decimal:
        """The amount with VAT."""
        return self.amount + self.vat_amount

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.amount:
            return None
        return round_money(self.margin * 100 / self.amount)

    @property
    def sent_on(self) -> date | None:
        """The day the quote was sent, in the company's time zone."""
        return timezone.localdate(self.sent_at) if self.sent_at else None

    def age_days(self, today: date) -> int | None:
        if self.sent_at is None:
            return None
        return (today - self.sent_on).days


class QuoteLine(PricedLine, models.Model):
    """A line of a quote, copied from the deal's lines and edited on the quote while a draft."""

    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **MONEY)
    discount_percent = models.DecimalField(
        _("discount (%)"), default=ZERO, validators=PERCENT_VALIDATORS, **PERCENT
    )
    unit_cost = models.DecimalField(
        _("unit cost"), default=ZERO, validators=[MinValueValidator(0)], **MONEY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ("quote", "position", "pk")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def is_under_cost(self) -> bool:
        return self.net_unit_price < self.unit_cost

    @property
    def margin_percent(self) -> Decimal | None:
        """(net unit price − unit cost) / net unit price, in %, rounded to 0.01."""
        net = self.net_unit_price
        if not net:
            return None
        return round_money((net - self.unit_cost) * 100 / net)

    @property
    def label(self) -> str:
        return self.description or self.product.name


# --- price lists and the margin guard ------------------------------------------------------------


class PriceList(models.Model):
    """Prices of products: the company's default list, or an account's own list."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(
        _("default list"), default=False, help_text=_("Used for accounts without a list.")
    )
    account = models.OneToOneField(
        Account,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="price_list",
        verbose_name=_("account"),
        help_text=_("The account whose own list this is; empty for a general list."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ("-is_default", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_price_list"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    price = models.DecimalField(_("price"), validators=[MinValueValidator(0)], **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.price}"


class MinimumMargin(models.Model):
    """A product group's minimum margin %: a quote line under it needs a manager's approval."""

    group = models.OneToOneField(
        ProductGroup,
        on_delete=models.CASCADE,
        related_name="minimum_margin",
        verbose_name=_("product group"),
    )
    percent = models.DecimalField(_("minimum margin (%)"), validators=PERCENT_VALIDATORS, **PERCENT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minimum margin")
        verbose_name_plural = _("minimum margins")
        ordering = ("group__name",)

    def __str__(self) -> str:
        return f"{self.group}: {self.percent} %"
