"""The admin's "Load a stage preset" pages: choose a preset, map each stage it retires to a new
one, preview what moves, then apply (`stage_presets.load_stage_preset`)."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pipeline_crm.money import ZERO
from pipeline_crm.numbers import grouped_count

from .presets import PRESETS, stage_name
from .stage_presets import RetiredStage, load_stage_preset, retired_by, retiring, targets

KEEP = ""  # the choice that leaves a retired stage's open deals where they are
# Each move goes through the rules and the history: 6–20 ms a deal on PostgreSQL (measured at
# 100,000 deals). Past this many, the preview suggests the command, which no timeout stops.
MOVES_PER_REQUEST = 1000
REFUSALS_SHOWN = 10


class PresetMappingForm(forms.Form):
    """One choice per retired stage holding open deals: the preset stage they move to, or none
    (they stay, marked retired, until someone moves them)."""

    def __init__(self, *args, key: str, retired: list[RetiredStage], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(KEEP, gettext_lazy("— keep them in the retired stage —"))]
        choices += [(name, stage_name(name)) for name in targets(key)]
        self.retired = [row for row in retired if row.open_count]
        for row in self.retired:
            self.fields[self.field_name(row)] = forms.ChoiceField(
                label=row.stage.name, choices=choices, required=False, initial=row.target
            )

    @staticmethod
    def field_name(row: RetiredStage) -> str:
        return f"stage_{row.stage.pk}"

    def rows(self):
        """(retired stage, its bound field), in the stages' order."""
        return [(row, self[self.field_name(row)]) for row in self.retired]

    def mapping(self) -> dict[int, str]:
        """old stage pk → the preset stage's name, for the stages whose deals move."""
        return {
            row.stage.pk: self.cleaned_data[self.field_name(row)]
            for row in self.retired
            if self.cleaned_data.get(self.field_name(row))
        }


@dataclass
class Target:
    name: str
    count: int = 0
    amount: Decimal = ZERO


@dataclass
class Preview:
    """What applying the mapping does: each retired stage with open deals → its new stage, the
    deals moved into each new stage, the open deals left in retired stages, and the closed
    deals, which keep the stage they were closed in."""

    rows: list[tuple[RetiredStage, str | None]]
    targets: list[Target]
    moved: Target
    kept: Target
    closed: int

    @property
    def too_many_for_a_request(self) -> bool:
        return self.moved.count > MOVES_PER_REQUEST


def preview(key: str, retired: list[RetiredStage], mapping: dict[int, str]) -> Preview:
    into = {name: Target(stage_name(name)) for name in targets(key)}
    moved, kept = Target(_("Moved")), Target(_("Kept in retired stages"))
    rows = []
    for row in retired:
        if not row.open_count:
            continue
        target = mapping.get(row.stage.pk)
        rows.append((row, stage_name(target) if target else None))
        for total in (into[target], moved) if target else (kept,):
            total.count += row.open_count
            total.amount += row.open_amount
    return Preview(
        rows=rows,
        targets=[target for target in into.values() if target.count],
        moved=moved,
        kept=kept,
        closed=sum(row.closed_count for row in retired),
    )


def load_preset_view(model_admin, request):
    """GET: the presets. POST `preset`: the mapping of the stages it retires; with
    step=preview, what would move; with step=apply, load it and move the deals."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
    }
    key = request.POST.get("preset")
    if request.method != "POST" or key not in PRESETS:
        context.update(
            title=_("Load a stage preset"),
            presets=[(key, label, _shown(stages)) for key, (label, stages) in PRESETS.items()],
        )
        return render(request, "admin/opportunities/stage/load_preset.html", context)
    step = request.POST.get("step", "")
    retired = retired_by(key)
    form = PresetMappingForm(request.POST if step else None, key=key, retired=retired)
    if step and form.is_valid():
        if step == "apply":
            result = load_stage_preset(key, user=request.user, mapping=form.mapping())
            _report(request, result)
            return redirect("admin:opportunities_stage_changelist")
        context["preview"] = preview(key, retired, form.mapping())
    label, stages = PRESETS[key]
    context.update(
        title=_("Load “%(preset)s”") % {"preset": label},
        key=key,
        form=form,
        stages=_shown(stages),
        retiring=retiring(key),
    )
    return render(request, "admin/opportunities/stage/map_preset.html", context)


def _shown(stages):
    """A preset's rows with each stage's name in the user's language."""
    return [(stage_name(name), *rest) for name, *rest in stages]


def _report(request, result) -> None:
    messages.success(
        request,
        _(
            "Preset loaded: %(created)d stages created, %(updated)d updated, "
            "%(deactivated)d deactivated."
        )
        % vars(result),
    )
    if result.moved:
        messages.success(
            request,
            ngettext(
                "%(count)s open deal moved to its new stage.",
                "%(count)s open deals moved to their new stages.",
                result.moved,
            )
            % {"count": grouped_count(result.moved)},
        )
    if result.refused:
        messages.warning(
            request,
            ngettext(
                "%(count)s deal was not moved and stays in its retired stage:",
                "%(count)s deals were not moved and stay in their retired stages:",
                len(result.refused),
            )
            % {"count": grouped_count(len(result.refused))},
        )
        for refusal in result.refused[:REFUSALS_SHOWN]:
            messages.warning(request, refusal)
