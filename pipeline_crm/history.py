"""History: label each change with its origin, and read field-level changes for display."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .lookups import attach_lookups, is_lookup, lookup_rows, lookups_at_hand


class Origin(models.TextChoices):
    FORM = "form", _("form")
    BOARD = "board", _("board")
    BULK = "bulk", _("bulk change")
    IMPORT = "import", _("import")
    SYSTEM = "system", _("system")


def label_change(obj: models.Model, origin: Origin | str) -> models.Model:
    """Mark the next save of `obj` in its history as coming from `origin`."""
    obj._change_reason = str(origin)
    return obj


@dataclass
class FieldChange:
    label: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    when: datetime
    who: Any
    kind: str
    origin: str
    object_label: str
    changes: list[FieldChange] = field(default_factory=list)


_KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
_SKIPPED = {"version", "updated_at", "created_at"}
_ORIGINS = dict(Origin.choices)


def history_entries(
    records,
    *,
    label: Callable[[Any], str] | None = None,
    snapshot: tuple[str, ...] = (),
    request=None,
) -> list[HistoryEntry]:
    """Field-level changes (label, old, new) for history `records` of one model.

    `records` may span several objects of one model (a deal's lines); each record is compared with
    the previous record of the same object, and `label(record)` names the object. An object's
    creation and deletion show the values of its `snapshot` fields (a line's quantity and
    prices), from or to nothing. Foreign keys
    are shown by their name: lookups and users from the lookup cache, other rows with one query
    per related model, so the number of queries does not grow with the records. Who made each
    change comes from the lookup cache too.
    Returns the entries newest first.
    """
    records = sorted(records, key=lambda r: (r.history_date, r.history_id))
    if not records:
        return []
    cached = lookups_at_hand(request)
    if cached:  # else who made the change loads with the record (`select_related`) or lazily
        attach_lookups(records, ("history_user",), request)
    model = records[0].instance_type
    fields = {
        f.attname: f
        for f in model._meta.concrete_fields
        if f.attname not in _SKIPPED and not f.primary_key
    }
    previous: dict[Any, Any] = {}
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    for record in records:
        prev = previous.get(record.id)
        deltas = []
        if record.history_type in "+-" and snapshot:
            for attname in snapshot:
                value = getattr(record, attname, None)
                if value is not None and value != "":
                    pair = (None, value) if record.history_type == "+" else (value, None)
                    deltas.append((fields[attname], *pair))
        elif prev is not None:
            for attname, f in fields.items():
                old, new = getattr(prev, attname, None), getattr(record, attname, None)
                if old != new:
                    deltas.append((f, old, new))
        previous[record.id] = record
        raw.append((record, deltas))

    wanted: dict[type, set] = defaultdict(set)
    for _record, deltas in raw:
        for f, old, new in deltas:
            if f.is_relation:
                wanted[f.related_model].update(v for v in (old, new) if v is not None)
    names = {
        m: lookup_rows(m, request)
        if cached and is_lookup(m)
        else m._default_manager.in_bulk(list(ids))
        for m, ids in wanted.items()
    }

    def show(f: models.Field, value: Any) -> Any:
        if value is None or value == "":
            return "—"
        if f.is_relation:
            obj = names[f.related_model].get(value)
            if obj is None:
                return f"#{value}"
            full_name = getattr(obj, "get_full_name", None)  # people by name, as pages show them
            return (full_name and full_name()) or str(obj)
        if f.choices:
            return dict(f.flatchoices).get(value, value)
        if isinstance(f, models.BooleanField):
            return _("yes") if value else _("no")
        # Formatted here as the page's amounts and dates are (sv: 1 920 000,00; 2026-12-06).
        if isinstance(value, Decimal):
            return number_format(value, decimal_pos=f.decimal_places, force_grouping=True)
        if isinstance(value, datetime):
            return date_format(localtime(value), "SHORT_DATETIME_FORMAT")
        if isinstance(value, date):
            return date_format(value, "SHORT_DATE_FORMAT")
        return value

    entries = []
    for record, deltas in raw:
        if record.history_type == "~" and not deltas:
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=_KINDS.get(record.history_type, record.history_type),
                origin=_ORIGINS.get(
                    record.history_change_reason, record.history_change_reason or ""
                ),
                object_label=label(record) if label else "",
                changes=[
                    FieldChange(str(f.verbose_name), show(f, old), show(f, new))
                    for f, old, new in deltas
                ],
            )
        )
    entries.reverse()
    return entries
