import secrets
import uuid
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Account, Contact
from opportunities.models import Opportunity, responsible_condition
from pipeline_crm.bounds import bounds_condition, validate_date_bounds
from pipeline_crm.lookups import Lookup
from pipeline_crm.roles import is_manager

from .agenda import company_tz, day_start


class ActivityType(Lookup):
    """Meeting, phone call, e-mail, seminar, task or note; administrators edit the list."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Phone call")
        EMAIL = "email", _("E-mail")
        SEMINAR = "seminar", _("Seminar")
        TASK = "task", _("Task")
        NOTE = "note", _("Note")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MEETING)

    class Meta(Lookup.Meta):
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")

    @property
    def is_task(self) -> bool:
        return self.kind == self.Kind.TASK


class ActivityQuerySet(models.QuerySet):
    def done(self):
        return self.filter(is_done=True)

    def planned(self):
        return self.filter(is_done=False)

    def owned_by(self, user):
        return self.filter(owner=user)

    def on(self, obj):
        """The activities of an Account, a Contact or an Opportunity."""
        if isinstance(obj, Account):
            return self.filter(account=obj)
        if isinstance(obj, Contact):
            return self.filter(contact=obj)
        if isinstance(obj, Opportunity):
            return self.filter(opportunity=obj)
        raise TypeError(f"Activities hang on accounts, contacts and deals, not {type(obj)}")

    def starting_between(self, first: date, last: date):
        """Activities whose local date (company time zone) is from `first` to `last` inclusive."""
        return self.filter(start__gte=day_start(first), start__lt=day_start(last + timedelta(1)))

    def overdue(self, today: date):
        """Not done, and planned for a local date before `today`."""
        return self.planned().filter(start__lt=day_start(today))

    def due_by(self, today: date):
        """Not done, and planned for `today` or earlier: what a reminder lists."""
        return self.planned().filter(start__lt=day_start(today + timedelta(1)))

    def for_list(self):
        return self.select_related("type", "owner", "account", "contact", "opportunity")

    def in_panel_order(self):
        """Planned ones first, soonest (then first logged) first; then done ones, newest first."""
        planned_start = models.Case(models.When(is_done=False, then="start"))
        planned_pk = models.Case(models.When(is_done=False, then="pk"))
        return self.order_by(
            "is_done",
            planned_start.asc(nulls_last=True),
            planned_pk.asc(nulls_last=True),
            "-start",
            "-pk",
        )

    def with_edit_flag(self, user):
        """Annotate `user_can_edit` (owner, the deal's owner or co-responsible, managers)."""
        if is_manager(user):
            return self.annotate(user_can_edit=Value(True))
        editable = Q(owner_id=user.pk) | responsible_condition(user, via="opportunity")
        return self.annotate(
            user_can_edit=models.Case(
                models.When(editable, then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )


class Activity(models.Model):
    """A meeting, call, e-mail, seminar, task or note with a customer.

    `start` orders and buckets every activity. A task has a due date instead of a time: its
    `start` is the beginning of that day in the company's time zone (set by `set_due_date`), so
    one indexed column serves the agenda, the panels and the reminders.
    """

    type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    start = models.DateTimeField(_("start"), validators=[validate_date_bounds])
    end = models.DateTimeField(_("end"), null=True, blank=True, validators=[validate_date_bounds])
    due_date = models.DateField(
        _("due date"), null=True, blank=True, validators=[validate_date_bounds]
    )
    # The (owner|account|contact|opportunity, start) indexes below serve these foreign keys
    # too; their own single-column indexes would only slow the writes of a million rows.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("owner"),
        db_index=False,
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("account"),
        db_index=False,
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("contact"),
        db_index=False,
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("deal"),
        db_index=False,
    )
    is_done = models.BooleanField(_("done"), default=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ("start", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="activity_end_after_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(is_done=False, completed_at__isnull=True)
                | Q(is_done=True, completed_at__isnull=False),
                name="activity_done_has_completed_at",
                violation_error_message=_("A done activity has a completed time, and only then."),
            ),
            models.CheckConstraint(
                condition=bounds_condition("start", "end", instants=True)
                & bounds_condition("due_date"),
                name="activity_dates_in_bounds",
                violation_error_message=_("Dates lie between 1900-01-01 and 2199-12-31."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "start"], name="activity_owner_start"),
            models.Index(fields=["account", "start"], name="activity_account_start"),
            models.Index(fields=["opportunity", "start"], name="activity_opportunity_start"),
            models.Index(fields=["contact", "start"], name="activity_contact_start"),
            # "done + due": the reminders' and the agenda's not-done-before-tomorrow scan.
            models.Index(fields=["is_done", "start"], name="activity_done_due"),
            # A user's reminders counted (the dashboard): their not-done activities only, from
            # the index alone. The owner's (owner, start) index reads every activity they ever
            # logged before tomorrow: 127,000 rows for the seed's busiest salesperson at
            # 1,000,000 activities, 19,000 of them not done.
            models.Index(
                fields=["owner", "start"],
                include=["is_done"],
                condition=models.Q(is_done=False),
                name="activity_owner_not_done",
            ),
            # Everyone's agenda in date order; the effort report counts, times and groups a
            # period's activities by owner, account or segment from this index alone (a heap
            # page per activity otherwise).
            models.Index(
                fields=["start"],
                include=["account", "owner", "end", "due_date"],
                name="activity_start_sums",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    @property
    def is_task(self) -> bool:
        return self.due_date is not None

    @property
    def local_date(self) -> date:
        """The day the activity falls on in the company's time zone (a task: its due date)."""
        if self.due_date is not None:
            return self.due_date
        return timezone.localtime(self.start, company_tz()).date()

    @property
    def duration(self) -> timedelta | None:
        if self.end is None or self.due_date is not None:
            return None
        return self.end - self.start

    def set_due_date(self, due: date) -> None:
        """Make this a task due on `due`: no time of day, ordered at the start of that day."""
        self.due_date = due
        self.start = day_start(due)
        self.end = None

    def set_times(self, start: datetime, end: datetime | None = None) -> None:
        self.due_date = None
        self.start = start
        self.end = end


def document_path(instance: "Document", filename: str) -> str:
    """documents/<yyyy>/<mm>/<uuid><ext>: never the uploader's file name.

    `filename` is the name `save_upload` chose (only its checked extension is kept).
    """
    today = timezone.localdate()
    suffix = PurePosixPath(filename).suffix.lower()
    return f"documents/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{suffix}"


class DocumentQuerySet(models.QuerySet):
    def of(self, obj):
        if isinstance(obj, Account):
            return self.filter(account=obj)
        if isinstance(obj, Opportunity):
            return self.filter(opportunity=obj)
        raise TypeError(f"Documents hang on accounts and deals, not {type(obj)}")

    def newest_first(self):
        return self.order_by("-uploaded_at", "-pk")


class Document(models.Model):
    """A file attached to an account or a deal (exactly one), downloaded through a checked view."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("account"),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("deal"),
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    history = HistoricalRecords()

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ("-uploaded_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False, opportunity__isnull=True)
                | Q(account__isnull=True, opportunity__isnull=False),
                name="document_on_account_or_deal",
                violation_error_message=_("A document belongs to an account or to a deal."),
            )
        ]
        indexes = [
            models.Index(fields=["account", "-uploaded_at"], name="document_account"),
            models.Index(fields=["opportunity", "-uploaded_at"], name="document_opportunity"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("activities:document_download", args=[self.pk])

    @property
    def target(self) -> Account | Opportunity:
        return self.opportunity if self.opportunity_id else self.account


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a user's iCalendar feed URL; regenerating it retires the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        return str(_("Calendar feed of %(user)s") % {"user": self.user})

    def get_absolute_url(self) -> str:
        return reverse("activities:ical", args=[self.token])


class ReminderDelivery(models.Model):
    """A user's daily reminder e-mail, sent for `day`.

    `send_reminders` records each e-mail it sent, so a run started again for the same day (a
    worker restarted mid-run, a job re-queued, a second cron) sends only to whom it has not
    sent yet: a user gets each day's reminder once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder e-mail sent")
        verbose_name_plural = _("reminder e-mails sent")
        constraints = [
            models.UniqueConstraint(fields=("user", "day"), name="one_reminder_per_user_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day.isoformat()}"
