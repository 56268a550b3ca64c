"""Loading a stage preset, and moving the open deals of the stages it retires to new ones."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum

from pipeline_crm.concurrency import EditConflict
from pipeline_crm.history import Origin, label_change
from pipeline_crm.lookups import canonical_name
from pipeline_crm.money import ZERO, round_money

from . import services
from .models import Opportunity, Stage
from .presets import NAMES, PRESETS

MOVE_CHUNK = 500


def _stages():
    """The stages, matched by their `name` column (the English name a preset names them by),
    not by their name in the user's language."""
    return Stage.objects.all().rewrite(False)


@dataclass
class RetiredStage:
    """A stage the preset leaves out that still holds deals: its open deals' count and amount,
    its closed deals (which keep it), and the preset stage its open deals are to move to
    (`target`, a name; None keeps them where they are, in a retired stage)."""

    stage: Stage
    open_count: int = 0
    open_amount: Decimal = ZERO
    closed_count: int = 0
    target: str | None = None


@dataclass
class PresetResult:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    moved: int = 0
    refused: list[str] = field(default_factory=list)


def preset_stages(key: str) -> list[tuple[str, int, bool, str]]:
    """The preset's rows: (name, default probability, won stage, description)."""
    return list(PRESETS[key][1])


def targets(key: str) -> list[str]:
    """The preset stages an open deal may be moved to: all but its won stage, which would
    close every deal moved there as won."""
    return [name for name, _probability, won, _description in preset_stages(key) if not won]


def suggested_target(stage: Stage, key: str) -> str | None:
    """The preset stage whose default probability is nearest the stage's (the earlier one on a
    tie), to start the administrator's choice from."""
    rows = [(name, p) for name, p, won, _d in preset_stages(key) if not won]
    if not rows:
        return None
    return min(rows, key=lambda row: abs(row[1] - stage.default_probability))[0]


def retiring(key: str) -> list[Stage]:
    """The active stages loading the preset deactivates: those it does not name."""
    names = [name for name, *_rest in preset_stages(key)]
    return list(_stages().active().exclude(name__in=names))


def retired_by(key: str) -> list[RetiredStage]:
    """The stages loading the preset leaves out (or has left out before) that still hold
    deals, in their order, with a suggested new stage for their open deals. One query."""
    names = [name for name, *_rest in preset_stages(key)]
    held = (
        Opportunity.objects.exclude(stage__name__in=names)
        .order_by()
        .values("stage")
        .annotate(
            open_count=Count("pk", filter=Q(status=Opportunity.Status.OPEN)),
            open_amount=Sum("amount", filter=Q(status=Opportunity.Status.OPEN)),
            closed_count=Count("pk", filter=~Q(status=Opportunity.Status.OPEN)),
        )
    )
    figures = {row["stage"]: row for row in held}
    result = []
    for stage in Stage.objects.filter(pk__in=figures).order_by("-is_active", "order", "name"):
        row = figures[stage.pk]
        result.append(
            RetiredStage(
                stage=stage,
                open_count=row["open_count"],
                open_amount=round_money(row["open_amount"] or ZERO),
                closed_count=row["closed_count"],
                target=suggested_target(stage, key) if row["open_count"] else None,
            )
        )
    return result


@transaction.atomic
def load_stage_preset(key: str, *, user=None, mapping: dict[int, str] | None = None):
    """Make the preset's stages the active ones, in its order, then move open deals.

    Stages named in the preset are created or updated (order, probability, won stage, and their
    names in the languages they have none in: `presets.NAMES`); other stages are deactivated,
    never deleted, so deals in them keep their stage. `mapping` (old stage pk → preset stage
    name, in English) moves each open deal of an old stage to its new stage through
    `services.change_stage` (stage gate, probability rule, history as a bulk change by `user`);
    a deal the rules refuse, or changed meanwhile, stays where it was, named in `refused`.
    Closed deals keep the stage they were closed in (DESIGN.md). Returns a `PresetResult`.
    """
    _label, rows = PRESETS[key]
    result = PresetResult()
    names = []
    for position, (name, probability, won, description) in enumerate(rows, start=1):
        names.append(name)
        stage = _stages().filter(name=name).first()
        if stage is None:
            stage = Stage(name_en=name)
            result.created += 1
        else:
            result.updated += 1
        stage.order = position * 10
        stage.default_probability = probability
        stage.is_won_stage = won
        stage.description = stage.description or description
        stage.is_active = True
        _fill_names(stage, name)
        label_change(stage, Origin.SYSTEM)
        stage._history_user = user
        stage.save()
    for stage in _stages().active().exclude(name__in=names):
        stage.is_active = False
        label_change(stage, Origin.SYSTEM)
        stage._history_user = user
        stage.save()
        result.deactivated += 1
    _move_open_deals(mapping or {}, names=targets(key), user=user, result=result)
    return result


def _fill_names(stage: Stage, english: str) -> None:
    """Give the stage the preset's name in each language it has no name in, unless another
    stage has that name (an administrator's own)."""
    for language, text in {"en": english, **NAMES.get(english, {})}.items():
        field = f"name_{language}"
        if getattr(stage, field):
            continue
        taken = _stages().filter(**{field: text}).exclude(pk=stage.pk).exists()
        if not taken:
            setattr(stage, field, text)


def _move_open_deals(mapping: dict[int, str], *, names, user, result: PresetResult) -> None:
    new_stages = {canonical_name(stage): stage for stage in _stages().filter(name__in=names)}
    moves = {old: new_stages[new] for old, new in mapping.items() if new in new_stages}
    deals = Opportunity.objects.open().filter(stage__in=list(moves), stage__is_active=False)
    # The ids first: the deals change as they are moved, under a cursor that would read them.
    ids = list(deals.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), MOVE_CHUNK):
        chunk = deals.filter(pk__in=ids[start : start + MOVE_CHUNK]).order_by("pk")
        for deal in chunk.select_related("stage"):
            _move(deal, moves[deal.stage_id], user=user, result=result)


def _move(deal: Opportunity, stage: Stage, *, user, result: PresetResult) -> None:
    try:
        services.change_stage(deal, stage, user=user, origin=Origin.BULK, seen_version=deal.version)
    except (services.RuleError, EditConflict) as refused:
        result.refused.append(f"{deal}: {refused}")
    else:
        result.moved += 1
