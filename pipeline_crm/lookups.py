from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LookupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Lookup(models.Model):
    """An administrator-edited lookup table row: ordered, deactivated rather than deleted."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(inherit=True)

    objects = LookupQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ("order", "name")

    def __str__(self) -> str:
        return self.name
