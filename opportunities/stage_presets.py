from django.db import transaction

from pipeline_crm.history import Origin, label_change

from .models import Stage
from .presets import PRESETS


@transaction.atomic
def load_stage_preset(key: str, *, user=None) -> dict[str, int]:
    """Make the preset's stages the active ones, in its order.

    Stages named in the preset are created or updated (order, probability, won stage); other
    stages are deactivated, never deleted, so deals in them keep their stage.
    Returns counts: created, updated, deactivated.
    """
    _label, rows = PRESETS[key]
    result = {"created": 0, "updated": 0, "deactivated": 0}
    names = []
    for position, (name, probability, won, description) in enumerate(rows, start=1):
        names.append(name)
        stage = Stage.objects.filter(name=name).first()
        if stage is None:
            stage = Stage(name=name)
            result["created"] += 1
        else:
            result["updated"] += 1
        stage.order = position * 10
        stage.default_probability = probability
        stage.is_won_stage = won
        stage.description = stage.description or description
        stage.is_active = True
        label_change(stage, Origin.SYSTEM)
        stage._history_user = user
        stage.save()
    for stage in Stage.objects.active().exclude(name__in=names):
        stage.is_active = False
        label_change(stage, Origin.SYSTEM)
        stage._history_user = user
        stage.save()
        result["deactivated"] += 1
    return result
