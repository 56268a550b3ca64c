from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CompanySettings(models.Model):
    """The company's one row of settings, edited by administrators in the admin."""

    currency = models.CharField(_("currency"), max_length=3, default="SEK")
    close_date_weeks = models.PositiveSmallIntegerField(
        _("weeks to the default close date"),
        default=6,
        help_text=_("A new deal's expected close date is today plus this many weeks."),
    )
    stale_days = models.PositiveSmallIntegerField(
        _("days before a deal is stale"),
        default=30,
        help_text=_("A deal longer than this in one stage is marked stale."),
    )
    budget_on_lower = models.DecimalField(
        _("on budget from (%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("95.0"),
        validators=[MinValueValidator(0)],
    )
    budget_on_upper = models.DecimalField(
        _("on budget up to (%)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("105.0"),
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")

    def __str__(self) -> str:
        return str(_("Company settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "CompanySettings":
        """Return the settings row, creating it with the defaults on first need.

        Pages read it from the cache (`versioned`); a change through `save()` retires it.
        """
        from .lookups import versioned

        return versioned("company-settings", lambda: cls.objects.get_or_create(pk=1)[0])


class LookupVersion(models.Model):
    """A token that changes whenever a lookup table or a user changes.

    Page fragments built only from lookups (filter panels, bulk-action selects) are cached
    under it, so every process rebuilds them after any change, whichever process made it. A
    random token rather than a counter: a database restored from a backup never brings back a
    version some process has cached an older fragment under.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("lookup version")

    def __str__(self) -> str:
        return self.token


class Role(models.TextChoices):
    """The CRM's roles below the administrator (a superuser); DESIGN.md's role table."""

    SALESPERSON = "salesperson", _("Salesperson")
    SALES_MANAGER = "sales_manager", _("Sales manager")


class GroupRole(models.Model):
    """The role a group gives its members, by a fixed key.

    Roles used to be recognised by the group's name, so renaming "Sales manager" in the admin
    demoted every manager. The key is set by a migration and read-only in the admin: the group
    can be renamed, translated or given other permissions and its members keep their role.
    A role's group cannot be deleted (PROTECT): that would demote its members as silently.
    """

    group = models.OneToOneField(
        "auth.Group", on_delete=models.PROTECT, related_name="crm_role", verbose_name=_("group")
    )
    key = models.CharField(_("role"), max_length=32, choices=Role.choices, unique=True)

    class Meta:
        verbose_name = _("group role")
        verbose_name_plural = _("group roles")

    def __str__(self) -> str:
        return self.get_key_display()


class LoginFailure(models.Model):
    """A login whose password was checked and wrong: the per-account limit counts these
    (`pipeline_crm.login_limits`). Rows older than the limit's window are deleted as new
    ones come in; a refused attempt (the password never checked) adds none."""

    username = models.CharField(max_length=150)
    failed_at = models.DateTimeField()
    from_trusted_device = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("failed login")
        indexes = [
            models.Index(fields=["username", "failed_at"], name="loginfailure_user_time"),
            models.Index(fields=["failed_at"], name="loginfailure_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.failed_at:%Y-%m-%d %H:%M:%S}"
