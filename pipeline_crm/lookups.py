from contextvars import ContextVar
from uuid import uuid4

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connections, models
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import ListedChoiceField

# The language of a translated lookup's `name` column (settings.MODELTRANSLATION_*).
CANONICAL_LANGUAGE = "en"


class LookupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


def lookup_label(row: models.Model) -> str:
    """A lookup row's name as a choice or a heading: marked when it is retired (inactive), as
    the deals that still carry it are shown everywhere (DESIGN.md, "Retired lookups")."""
    if getattr(row, "is_active", True):
        return str(row)
    return gettext("%(name)s (retired)") % {"name": row}


class LookupChoiceField(ListedChoiceField):
    """A choice of lookup rows, retired ones included and marked (`lookup_label`), for filters
    of what exists: a retired stage or area still has deals to find."""

    def label_from_instance(self, obj) -> str:
        return lookup_label(obj)


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

    def save(self, *args, **kwargs):
        # A translated lookup's `name` column is what a query through a deal reads
        # (`stage__name`), what the commands and the CLI's CSV print and what a preset is matched
        # by: it holds the English name (else the first language that has one), whatever the
        # language of the user who saves, as the history's `name` does.
        with translation.override(CANONICAL_LANGUAGE):
            super().save(*args, **kwargs)


def canonical_name(row: models.Model) -> str:
    """A lookup row's `name` column as it is saved: its English name, else the name in the
    first language that has one (see `Lookup.save`). The key presets and commands use."""
    with translation.override(CANONICAL_LANGUAGE):
        return row.name


# What the current request has read under the lookup version (`LookupMemoMiddleware`).
_request_memo: ContextVar[dict | None] = ContextVar("lookups_memo", default=None)


class LookupMemoMiddleware:
    """Gives every request a memo: the lookup version is read at most once a request, and
    whatever is cached under it (`versioned`) is fetched from the cache once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


def _memo(request=None) -> dict | None:
    memo = _request_memo.get()
    if memo is None and request is not None:
        memo = request.__dict__.setdefault("_lookups_memo", {})
    return memo


def lookups_version(request=None) -> str:
    """The current lookup version (see `LookupVersion`), read once per request."""
    from .models import LookupVersion

    memo = _memo(request)
    if memo is not None and "version" in memo:
        return memo["version"]
    token = LookupVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    version = token or "initial"
    if memo is not None:
        memo["version"] = version
    return version


def versioned(key: str, load, request=None):
    """`load()`, cached for every process under the lookup version and kept for the request.

    For what changes only with lookups, users and settings (`lookups_changed`). Outside a
    request (a command, a test calling a service) it simply loads: there is no version read to
    share.
    """
    memo = _memo(request)
    if memo is None:
        return load()
    if key not in memo:  # the cache hands out copies: one per request is enough
        cache_key = f"{key}:{lookups_version(request)}"
        value = cache.get(cache_key)
        if value is None:
            value = load()
            cache.set(cache_key, value, 3600)
        memo[key] = value
    return memo[key]


# What a user save must touch to change a page: a login saves last_login alone.
USER_SHOWN = frozenset({"username", "first_name", "last_name", "email", "is_active"})


def lookups_changed(**kwargs) -> None:
    """Signal receiver: a lookup row, a user, a group or the company settings were saved or
    deleted, or the tables migrated; retire cached fragments and rows.

    Writes that send no signal (`QuerySet.update()`, `bulk_create()`, raw SQL) must call it
    themselves; the app writes lookups and users through `save()` only.
    """
    from .models import LookupVersion

    if not kwargs.get("action", "post_").startswith("post_"):
        return  # group changes signal before and after
    sender, fields = kwargs.get("sender"), kwargs.get("update_fields")
    if sender is get_user_model() and fields and not USER_SHOWN & set(fields):
        return
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()  # the rest of this request reads the new version
    token = uuid4().hex
    if not LookupVersion.objects.filter(pk=1).update(token=token):
        LookupVersion.objects.update_or_create(pk=1, defaults={"token": token})


def watch_lookups() -> None:
    """Connect `lookups_changed` to every lookup table, the users, the groups, who is in
    them and the role each gives, and the company settings."""
    from django.contrib.auth.models import Group

    from .models import CompanySettings, GroupRole

    User = get_user_model()
    watched = [m for m in apps.get_models() if issubclass(m, Lookup)]
    watched += [User, Group, GroupRole, CompanySettings]
    for model in watched:
        uid = f"lookups_changed:{model._meta.label}"
        post_save.connect(lookups_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(lookups_changed, sender=model, dispatch_uid=f"{uid}:delete")
    m2m_changed.connect(
        lookups_changed, sender=User.groups.through, dispatch_uid="lookups_changed:groups"
    )
    post_migrate.connect(
        _migrated, sender=apps.get_app_config("pipeline_crm"), dispatch_uid="lookups_migrated"
    )


def _migrated(using="default", **kwargs) -> None:
    """After `migrate`: a data migration may have changed lookups without a signal."""
    from .models import LookupVersion

    if LookupVersion._meta.db_table in connections[using].introspection.table_names():
        lookups_changed()


def lookups_at_hand(request=None) -> bool:
    """Whether lookup rows read now are kept for the rest of the request (`versioned`).

    Outside a request `lookup_rows` reads a whole table every time: fine for a lookup table's
    dozen rows, wasteful where a query of a few ids would do."""
    return _memo(request) is not None


def is_lookup(model: type[models.Model]) -> bool:
    """Whether `lookup_rows` may hold every row of `model`: a lookup table, or the users."""
    return issubclass(model, Lookup) or model is get_user_model()


def lookup_rows(model: type[models.Model], request=None) -> dict:
    """Every row of the lookup table `model` (or of the users) by pk, read once per lookup
    version and process."""
    return versioned(
        f"lookup-rows:{model._meta.label}",
        lambda: {row.pk: row for row in model._default_manager.all()},
        request,
    )


def lookups_by_pk(model: type[models.Model], pks, request=None) -> list:
    """The rows of `model` with these pks, in their order, from `lookup_rows`. A row missing
    from the cache (written without a signal) is read from the table."""
    pks = list(pks)
    rows = lookup_rows(model, request)
    if missing := [pk for pk in pks if pk not in rows]:
        rows = {**rows, **model._default_manager.in_bulk(missing)}
    return [rows[pk] for pk in pks if pk in rows]


def attach_lookups(objs, names: tuple[str, ...], request=None) -> None:
    """Fill the foreign keys `names` of `objs` (instances of one model) from `lookup_rows`:
    a page that shows them reads no row of its own. A row missing from the cache (just added
    elsewhere) loads as usual when read."""
    objs = [objs] if isinstance(objs, models.Model) else list(objs)
    if not objs:
        return
    for name in names:
        field = objs[0]._meta.get_field(name)
        rows = lookup_rows(field.related_model, request)
        for obj in objs:
            row = rows.get(getattr(obj, field.attname))
            if row is not None:
                field.set_cached_value(obj, row)


def cached_choices(field, key: str, load, keep=None) -> None:
    """Let `field` (a `choices.ListedChoiceField` or `IdsChoiceField`) write its options from
    rows kept under the lookup version instead of reading its queryset.

    `load()` reads the rows in the order of the field's queryset; it runs once per lookup
    version, language (a translated name sorts by the language's column) and process, under
    `key`. `keep(row)` selects the rows the queryset's filter selects (all without it). The
    queryset itself still checks what is posted. Within a request only (`lookups_at_hand`):
    elsewhere the field reads its queryset as before.

    Why: the deal form's six lookup selects and two user selects were eight queries, about
    1 ms of CPU each (an OR of two filters compiled per select): the edit form's CPU p50 went
    from 41 to 33 ms at 100,000 deals (`bench --only edit`, load 12). Checked by
    `tests/opportunities/test_form_choices.py` (the options equal the queryset's, in every
    language, retired and current rows included).
    """
    if not lookups_at_hand():
        return
    cache_key = f"{key}:{translation.get_language()}"

    def shown() -> list:
        rows = versioned(cache_key, lambda: list(load()))
        return rows if keep is None else [row for row in rows if keep(row)]

    field.shown_rows = shown


def translate_names(*lookup_models: type[Lookup]) -> None:
    """Make the lookup tables' `name` translatable with django-modeltranslation (called from
    each app's `translation.py`): a `name_<language>` column per language, and `name` reads
    the user's language, falling back as settings.MODELTRANSLATION_FALLBACK_LANGUAGES says.

    Their history tables get the same columns: the history copies every field of the row, so
    an edit of the Swedish name alone is a change in it too.
    """
    from modeltranslation.translator import TranslationOptions, translator
    from modeltranslation.utils import get_translation_fields

    class NameTranslation(TranslationOptions):
        fields = ("name",)
        # A name left empty is NULL, so that `unique` holds among the names given only.
        empty_values = None

    class HistoryNameTranslation(NameTranslation):
        # History rows are read by row and date, never looked up by a name in a language.
        field_options = {"name": {"default": {"db_index": False}}}

    for model in lookup_models:
        translator.register(model, NameTranslation)
        history = model.history.model
        translator.register(history, HistoryNameTranslation)
        # The history model listed the fields it tracks before the language columns existed:
        # without them a diff or `as_of` would miss an edit of the Swedish name alone.
        history.tracked_fields = [
            *history.tracked_fields,
            *(model._meta.get_field(field) for field in get_translation_fields("name")),
        ]


def lookup_names(row: models.Model) -> set[str]:
    """Every name a lookup row goes by: its name in each language (`translate_names`), the
    `name` column among them. One name for a table that is not translated."""
    from modeltranslation.translator import NotRegistered, translator
    from modeltranslation.utils import get_translation_fields

    try:
        translated = translator.get_options_for_model(type(row)).get_field_names()
    except NotRegistered:
        translated = []
    if "name" not in translated:
        return {row.name}
    names = {getattr(row, field) for field in get_translation_fields("name")}
    names.add(canonical_name(row))
    return {name for name in names if name}


class LookupNames:
    """Lookup rows found by a name a person typed, in any language: the exact name first,
    else every row with the name in another case (several when only case tells them apart).

    The one way every import (deals, accounts, budgets) and command matches a name to a
    lookup row, so "Förhandling", "Negotiation" and "negocjacje" find the same stage.
    """

    def __init__(self, rows=()):
        self.by_name: dict[str, list] = {}
        self.by_folded: dict[str, list] = {}
        for row in rows:
            self.add(row)

    def add(self, row: models.Model) -> None:
        for name in lookup_names(row):
            for index, key in ((self.by_name, name), (self.by_folded, name.casefold())):
                found = index.setdefault(key, [])
                if row not in found:
                    found.append(row)

    def find(self, text: str) -> list:
        """The rows named `text` in some language; [] when none is."""
        return list(self.by_name.get(text) or self.by_folded.get(text.casefold(), []))


def localized(model: type[models.Model], path: str) -> models.Expression:
    """The expression for a lookup's name in the user's language, read through relations
    from `model`: `localized(Opportunity, "stage__name")` for a deal's stage. The `name`
    column where the row has no name in that language, or the table is not translated."""
    from django.db.models.functions import Coalesce
    from modeltranslation.translator import NotRegistered, translator
    from modeltranslation.utils import build_localized_fieldname, get_language

    *relations, field = path.split("__")
    target = model
    for relation in relations:
        target = target._meta.get_field(relation).related_model
    try:
        translated = field in translator.get_options_for_model(target).get_field_names()
    except NotRegistered:
        translated = False
    if not translated:
        return models.F(path)
    return Coalesce(models.F(build_localized_fieldname(path, get_language())), models.F(path))
