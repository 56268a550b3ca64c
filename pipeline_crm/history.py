"""History: label each change with its origin, and read field-level changes for display."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import BadRequest
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from . import jinja2
from .bounds import parse_int
from .lookups import attach_lookups, is_lookup, lookup_rows, lookups_at_hand
from .page_formats import PageFormats
from .users import display_name


class Origin(models.TextChoices):
    FORM = "form", _("form")
    BOARD = "board", _("board")
    BULK = "bulk", _("bulk change")
    IMPORT = "import", _("import")
    ADMIN = "admin", _("admin")
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
    history_id: int = 0


_KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
_SKIPPED = {"version", "updated_at", "created_at"}
_ORIGINS = dict(Origin.choices)


def history_entries(
    records,
    *,
    label: Callable[[Any], str] | None = None,
    snapshot: tuple[str, ...] = (),
    request=None,
    earlier=(),
    m2m: tuple[str, ...] = (),
) -> list[HistoryEntry]:
    """Field-level changes (label, old, new) for history `records` of one model.

    `records` may span several objects of one model (a deal's lines); each record is compared with
    the previous record of the same object, and `label(record)` names the object. An object's
    creation and deletion show the values of its `snapshot` fields (a line's quantity and
    prices), from or to nothing. Foreign keys
    are shown by their name: lookups and users from the lookup cache, other rows with one query
    per related model, so the number of queries does not grow with the records. Who made each
    change comes from the lookup cache too. `earlier` records (of the same objects) are only
    compared with: a page of history passes the record before each of its objects' first.
    `m2m` names many-to-many fields historied with the model (simple_history's `m2m_fields`):
    a change of their members is shown as the names before and after, one query per field
    when the records hold such a change.
    Returns the entries newest first.
    """
    shown = {record.history_id for record in records}
    records = sorted([*records, *earlier], key=lambda r: (r.history_date, r.history_id))
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
    bare: list[tuple[Any, Any, list]] = []  # "~" records with no field changed, and their prev
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
            if not deltas and m2m:
                bare.append((prev, record, deltas))
        previous[record.id] = record
        raw.append((record, deltas))
    # A change of members alone is a record with no field changed (simple_history's
    # m2m_changed): only those, and the records before them, are looked up.
    if bare:
        compared = [r for pair in bare for r in pair[:2]]
        for name in m2m:
            members = _m2m_members(compared, model, name)
            for prev, record, deltas in bare:
                old = members.get(prev.history_id, frozenset())
                new = members.get(record.history_id, frozenset())
                if old != new:
                    deltas.append((model._meta.get_field(name), old, new))

    wanted: dict[type, set] = defaultdict(set)
    for _record, deltas in raw:
        for f, old, new in deltas:
            if f.many_to_many:
                wanted[f.related_model].update(old | new)
            elif f.is_relation:
                wanted[f.related_model].update(v for v in (old, new) if v is not None)
    names = {
        m: lookup_rows(m, request)
        if cached and is_lookup(m)
        else m._default_manager.in_bulk(list(ids))
        for m, ids in wanted.items()
    }

    # Each field's choices and the language's formats are read once for all the records, not
    # once a value (`PageFormats`: what `number_format` and `date_format` write).
    formats = PageFormats()
    choices: dict[models.Field, dict] = {}
    yes, no = str(_("yes")), str(_("no"))

    def show(f: models.Field, value: Any) -> Any:
        if value is None or value == "" or value == frozenset():
            return "—"
        if f.many_to_many:
            return ", ".join(sorted(str(show_one(f, pk)) for pk in value))
        return show_one(f, value)

    def show_one(f: models.Field, value: Any) -> Any:
        if f.is_relation:
            obj = names[f.related_model].get(value)
            if obj is None:
                return f"#{value}"
            if hasattr(obj, "get_full_name"):  # people by name, as pages show them
                return display_name(obj)
            return str(obj)
        if f.choices:
            if f not in choices:
                choices[f] = {key: str(label) for key, label in f.flatchoices}
            return choices[f].get(value, value)
        if isinstance(f, models.BooleanField):
            return yes if value else no
        # Formatted here as the page's amounts and dates are (sv: 1 920 000,00; 2026-12-06).
        if isinstance(value, Decimal):
            return formats.number(value, f.decimal_places)
        if isinstance(value, datetime):
            return formats.date(localtime(value), "SHORT_DATETIME_FORMAT")
        if isinstance(value, date):
            return formats.date(value, "SHORT_DATE_FORMAT")
        return value

    kinds = {key: str(kind) for key, kind in _KINDS.items()}  # translated once, not per entry
    origins = {key: str(origin) for key, origin in _ORIGINS.items()}
    entries = []
    for record, deltas in raw:
        if record.history_id not in shown or (record.history_type == "~" and not deltas):
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=kinds.get(record.history_type, record.history_type),
                origin=origins.get(
                    record.history_change_reason, record.history_change_reason or ""
                ),
                object_label=label(record) if label else "",
                changes=[
                    FieldChange(str(f.verbose_name), show(f, old), show(f, new))
                    for f, old, new in deltas
                ],
                history_id=record.history_id,
            )
        )
    entries.reverse()
    return entries


def _m2m_members(records, model, name: str) -> dict[int, frozenset]:
    """The ids in the many-to-many field `name` as each history record saw them."""
    field = model._meta.get_field(name)
    history_model = type(records[0])
    through = next(
        rel.related_model
        for rel in history_model._meta.related_objects
        if rel.related_model.__name__ == f"{history_model.__name__}_{name}"
    )
    target = f"{field.m2m_reverse_field_name()}_id"
    members: dict[int, set] = defaultdict(set)
    rows = through._default_manager.filter(history_id__in=[r.history_id for r in records])
    for history_id, member in rows.values_list("history_id", target):
        members[history_id].add(member)
    return {history_id: frozenset(ids) for history_id, ids in members.items()}


# --- a page of history at a time ----------------------------------------------------------------

HISTORY_PAGE = 50  # records a page shows: 3,000 changes of a deal made a 2.5 MB page
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class HistorySource:
    """History records of one model a page shows (a deal's own, or all its lines'), with how
    `history_entries` labels them."""

    records: models.QuerySet
    label: Callable[[Any], str] | None = None
    snapshot: tuple[str, ...] = ()
    m2m: tuple[str, ...] = ()


class HistoryPage(list):
    """History entries, newest first, and `older`: where the next (older) page starts, empty
    on the last page."""

    def __init__(self, entries=(), *, older: str = ""):
        super().__init__(entries)
        self.older = older


def history_page(
    sources: Sequence[HistorySource], *, before: str = "", request=None, size: int = HISTORY_PAGE
) -> HistoryPage:
    """The `size` newest history records of `sources` older than the position `before`, as
    entries newest first, and the position of the next page.

    The sources are merged in the order (time, source, record id), newest first; a position
    names one record in that order, so a page never repeats or skips a record, even among
    records saved at the same moment. Each source costs two queries (its page, with the
    record before each one, and those earlier records), whatever the history's length.
    `before` comes from a request: anything but a position made here is a 400.
    """
    cursor = _parse_position(before) if before else None
    rows = []
    for rank, source in enumerate(sources):
        records = source.records
        if cursor is not None:
            records = records.filter(_older_than(cursor, rank))
        newest_first = records.annotate(previous_id=_previous_record(records.model))
        newest_first = newest_first.order_by("-history_date", "-history_id")[: size + 1]
        rows += [(rank, record) for record in newest_first]
    rows.sort(key=lambda row: (row[1].history_date, row[0], row[1].history_id), reverse=True)
    page, more = rows[:size], len(rows) > size
    entries = []
    for rank, source in enumerate(sources):
        records = [record for r, record in page if r == rank]
        if not records:
            continue
        on_page = {record.history_id for record in records}
        wanted = {record.previous_id for record in records} - on_page - {None}
        earlier = source.records.model._default_manager.filter(history_id__in=wanted)
        found = history_entries(
            records,
            label=source.label,
            snapshot=source.snapshot,
            request=request,
            earlier=list(earlier) if wanted else [],
            m2m=source.m2m,
        )
        entries += [(entry, rank) for entry in found]
    entries.sort(key=lambda e: (e[0].when, e[1], e[0].history_id), reverse=True)
    older = _position(page[-1][1], page[-1][0]) if more else ""
    return HistoryPage([entry for entry, _rank in entries], older=older)


def entries_html(entries: Sequence[HistoryEntry]) -> SafeString:
    """The `<li>` of each history entry (`partials/history.html`), by Jinja2
    (jinja/pipeline_crm/history_entries.html).

    Why: a deal page's fifty entries of a few changes each cost its Django template about
    0.15 ms of CPU an entry (2.4 ms for a typical deal of 17, load 7); the Jinja2 loop a
    fraction of that. What it costs: the entry's markup is written in Jinja2, printing each value
    as the Django template did (`jinja2.shown`), checked byte for byte against the Django
    markup by `tests/pipeline_crm/test_history_entries.py`. Switch it off by writing the
    loop back into `partials/history.html`.
    """
    context = {"history": entries, "labels": jinja2.translated(HISTORY_LABELS), "local": localtime}
    return jinja2.render("pipeline_crm/history_entries.html", context)


HISTORY_LABELS = {"system": _("System")}  # who made a change no user made


def render_history(request, obj, page: HistoryPage):
    """A further page of `obj`'s history (the request's `before`): for htmx, the entries and
    the next "Older changes" link, which replace the link clicked; else a page of its own."""
    context = {"object": obj, "history": page, "history_url": request.path, "continued": True}
    template = "partials/history.html" if request.htmx else "history_page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _previous_record(model) -> Subquery:
    """The history id of the record before each one, of the same object."""
    earlier = Q(history_date__lt=OuterRef("history_date")) | Q(
        history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")
    )
    return Subquery(
        model._default_manager.filter(earlier, id=OuterRef("id"))
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


def _position(record, rank: int) -> str:
    microseconds = (record.history_date - _EPOCH) // _MICROSECOND
    return f"{microseconds}-{rank}-{record.history_id}"


def _parse_position(text: str) -> tuple[datetime, int, int]:
    parts = str(text).split("-")
    if len(parts) != 3:
        raise BadRequest(gettext_now("“before” is not a position in the history."))
    microseconds, rank, history_id = (
        parse_int(part, default=-1, minimum=0, maximum=2**63 - 1, name="before") for part in parts
    )
    if -1 in (microseconds, rank, history_id):
        raise BadRequest(gettext_now("“before” is not a position in the history."))
    try:
        when = _EPOCH + microseconds * _MICROSECOND
    except OverflowError:
        raise BadRequest(gettext_now("“before” is not a position in the history.")) from None
    return when, rank, history_id


def _older_than(cursor: tuple[datetime, int, int], rank: int) -> Q:
    """Records of source `rank` after the position `cursor` in the newest-first order."""
    when, cursor_rank, history_id = cursor
    if rank < cursor_rank:
        same_moment = Q(history_date=when)
    elif rank == cursor_rank:
        same_moment = Q(history_date=when, history_id__lt=history_id)
    else:
        same_moment = Q(pk__in=[])
    return Q(history_date__lt=when) | same_moment
