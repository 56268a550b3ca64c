"""A background job: long work a user started (a big import or export) or a command queued
(reminders), run by the task worker, with its progress and its result for a page."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def job_file_path(job: "Job", filename: str) -> str:
    """Job files under a name nobody can guess; the user's file name is kept in `params`."""
    return f"jobs/{uuid.uuid4().hex}/{filename}"


class JobQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def newest_first(self):
        return self.order_by("-created_at", "-pk")

    def stale(self, before: datetime):
        """Running jobs whose worker has not been heard of since `before`: it stopped."""
        return self.filter(status=Job.Status.RUNNING, heartbeat_at__lt=before)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=300)
    runner = models.CharField(_("runner"), max_length=200)  # dotted path of the work to run
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    input_file = models.FileField(_("input file"), upload_to=job_file_path, blank=True)
    output_file = models.FileField(_("output file"), upload_to=job_file_path, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heard of"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_newest_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
