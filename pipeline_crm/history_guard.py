"""What the history names is kept: a lookup row or a user that any history row references is
deactivated, never deleted (issue 19; DESIGN.md, "Retired lookups").

The django-simple-history records are the one source of the past: the as-of, movement,
accuracy and velocity reports read a deal's stage, area, category and owner from them. Their
foreign keys carry no database constraint, so nothing but this module stops a row they name from
being deleted, after which every report of the past could only say "(deleted)".

`history_references` is the one rule. `refuse_deleting_what_history_names`, a `pre_delete`
receiver on every lookup table and the users (`guard_history`), applies it to every path that
deletes (the admin's pages, its bulk action, a service, a command, the shell); the admin asks
first (`admin_base.KeepsHistoryAdmin`), to say why and offer deactivating instead.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Count, ProtectedError
from django.db.models.signals import pre_delete
from django.utils.translation import gettext, ngettext

from .lookups import is_lookup
from .numbers import grouped_count


@dataclass(frozen=True)
class HistoryReference:
    """How many records of one history table name an object."""

    history_model: type[models.Model]
    count: int

    def __str__(self) -> str:
        return ngettext(
            "%(count)s record in the history of %(models)s",
            "%(count)s records in the history of %(models)s",
            self.count,
        ) % {
            "count": grouped_count(self.count),
            "models": tracked_model(self.history_model)._meta.verbose_name_plural,
        }


class HistoryProtectedError(ProtectedError):
    """A deletion refused because history records name the object; `protected_objects` holds
    the object itself (the records are counted in the message)."""


def is_history_model(model: type[models.Model]) -> bool:
    """Whether `model` holds django-simple-history records (of a model or of its many-to-many
    rows): simple-history gives both kinds the tracked model as `instance_type`."""
    return isinstance(getattr(model, "instance_type", None), type) and model.__name__.startswith(
        "Historical"
    )


def tracked_model(history_model: type[models.Model]) -> type[models.Model]:
    """The model whose history `history_model` holds: for the records of a many-to-many field
    (a deal's co-responsibles), the model that has the field."""
    if "m2m_history_id" in {field.name for field in history_model._meta.concrete_fields}:
        return history_model._meta.get_field("history").related_model.instance_type
    return history_model.instance_type


@cache
def referencing_fields(model: type[models.Model]) -> tuple[tuple[type[models.Model], str], ...]:
    """The (history model, field name) pairs whose values name rows of `model`: the copied
    foreign keys (a deal's stage, owner, co-responsibles) and who made each change."""
    target = model._meta.concrete_model
    found = []
    for history_model in apps.get_models():
        if not is_history_model(history_model) or history_model.instance_type is target:
            continue  # a row's own past does not keep it
        for field in history_model._meta.concrete_fields:
            if field.many_to_one and field.related_model._meta.concrete_model is target:
                found.append((history_model, field.name))
    return tuple(found)


def history_references(model: type[models.Model], pks) -> dict[object, list[HistoryReference]]:
    """The history records that name each of the rows `pks` of `model`, counted per history
    table; a row no record names is not in the result.

    One grouped query per referencing field, however many rows are asked about."""
    pks = list(pks)
    found: dict[object, list[HistoryReference]] = defaultdict(list)
    if not pks:
        return {}
    counts: dict[tuple[object, type[models.Model]], int] = defaultdict(int)
    for history_model, name in referencing_fields(model):
        rows = (
            history_model._default_manager.filter(**{f"{name}__in": pks})
            .values_list(name)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for pk, n in rows:
            counts[pk, history_model] += n
    for (pk, history_model), n in counts.items():
        found[pk].append(HistoryReference(history_model, n))
    return dict(found)


def where(references: list[HistoryReference]) -> str:
    """Which history records name an object, counted: "12 records of the historical deals"."""
    return ", ".join(str(reference) for reference in references)


def refusal(obj: models.Model, references: list[HistoryReference]) -> str:
    """Why `obj` cannot be deleted, and what to do instead."""
    return gettext(
        "“%(name)s” cannot be deleted: the history names it (%(where)s), and the reports of "
        "the past read it there. Deactivate it instead."
    ) % {"name": obj, "where": where(references)}


def check_deletable(obj: models.Model) -> None:
    """Raise `HistoryProtectedError` if any history record names `obj`."""
    references = history_references(type(obj), [obj.pk]).get(obj.pk)
    if references:
        raise HistoryProtectedError(refusal(obj, references), [obj])


def refuse_deleting_what_history_names(sender, instance, **kwargs) -> None:
    """`pre_delete` receiver: the deletion fails while any history record names the row. It
    fails inside the deletion's transaction, which is then to be rolled back, as after any
    database error. Data migrations use their own model classes and are not stopped."""
    check_deletable(instance)


def guard_history() -> None:
    """Connect the guard to every model `is_lookup` names: the lookup tables and the users."""
    for model in apps.get_models():
        if is_lookup(model):
            pre_delete.connect(
                refuse_deleting_what_history_names,
                sender=model,
                dispatch_uid=f"history_guard:{model._meta.label}",
            )
