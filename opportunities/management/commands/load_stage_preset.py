from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from opportunities.presets import PRESETS, english_name
from opportunities.stage_presets import load_stage_preset, retired_by, targets
from pipeline_crm.lookups import LookupNames


class Command(BaseCommand):
    help = (
        "Load a stage preset, as the admin's 'Load a stage preset' does, moving the open deals "
        "of each stage it retires as mapped (--map 'Old stage=New stage'). For many deals: each "
        "move goes through the stage rules and the history, which takes a few ms a deal."
    )

    def add_arguments(self, parser):
        parser.add_argument("preset", choices=sorted(PRESETS))
        parser.add_argument(
            "--map",
            dest="pairs",
            action="append",
            default=[],
            metavar="OLD=NEW",
            help="move the open deals of the stage OLD to the preset's stage NEW (repeatable)",
        )
        parser.add_argument(
            "--suggested",
            action="store_true",
            help="map every other retired stage to the preset stage of the nearest probability",
        )
        parser.add_argument("--user", help="the username the history names (default: none)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would move; change nothing"
        )

    def handle(self, *args, preset: str, pairs: list[str], suggested: bool, **options):
        rows = retired_by(preset)
        retired = {row.stage.name: row for row in rows}
        by_name = LookupNames(row.stage for row in rows)  # OLD in any language
        chosen = {}
        for pair in pairs:
            old, sep, new = (part.strip() for part in pair.partition("="))
            found = by_name.find(old) if sep else []
            if len(found) != 1:
                raise CommandError(f"{pair!r}: name a retired stage holding deals, as OLD=NEW.")
            new = english_name(new)
            if new not in targets(preset):
                raise CommandError(f"{new!r} is not one of the preset's open stages.")
            chosen[found[0].name] = new
        mapping = {}
        for name, row in retired.items():
            new = chosen.get(name, row.target if suggested else None)
            if new and row.open_count:
                mapping[row.stage.pk] = new
            self.stdout.write(
                f"{name} → {new or '(stays, retired)'}: "
                f"{row.open_count} open deals, {row.open_amount}; {row.closed_count} closed stay"
            )
        if options["dry_run"]:
            return
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        result = load_stage_preset(preset, user=user, mapping=mapping)
        self.stdout.write(
            f"Preset loaded: {result.created} stages created, {result.updated} updated, "
            f"{result.deactivated} deactivated; {result.moved} deals moved, "
            f"{len(result.refused)} refused."
        )
        for refusal in result.refused:
            self.stderr.write(refusal)
