import csv
import sys
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import BusinessArea
from forecasting.periods import Period
from forecasting.reports.pipeline import pipeline_report, pipeline_rows
from pipeline_crm.bounds import DATE_MAX, DATE_MIN, in_bounds
from pipeline_crm.formulas import protect
from pipeline_crm.lookups import LookupNames

HEADER = ("Business area", "Stage", "Total", "Weighted", "Count")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from exc


def _area(name: str) -> BusinessArea:
    """The business area named exactly `name` in some language, else the one area named so in
    another case; a CommandError naming the candidates when several match (never a guess)."""
    matches = LookupNames(BusinessArea.objects.order_by("order", "name")).find(name)
    if not matches:
        raise CommandError(f"Unknown business area: {name}")
    if len(matches) > 1:
        candidates = ", ".join(area.name for area in matches)
        raise CommandError(
            f"Several business areas match {name!r} in different case: {candidates}; "
            "give the exact name."
        )
    return matches[0]


class Command(BaseCommand):
    help = "Print the pipeline per business area for a period (CSV or text) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--area", help="business area name")
        parser.add_argument("--owner", help="owner's username")
        parser.add_argument("--format", choices=("csv", "text"), default="csv")
        parser.add_argument(
            "--as-of",
            help="the pipeline as it stood at the end of this day, YYYY-MM-DD (default: now)",
        )

    def handle(self, *args, **options):
        start, end = _date(options["start"]), _date(options["end"])
        if start > end:
            raise CommandError("--start is after --end")
        as_of = _date(options["as_of"]) if options["as_of"] else None
        if as_of is not None and as_of > timezone.localdate():
            raise CommandError(f"--as-of is after today: {as_of}")
        if as_of is not None and not in_bounds(as_of):
            raise CommandError(f"--as-of lies outside {DATE_MIN} – {DATE_MAX}: {as_of}")
        filters = {}
        if options["area"]:
            filters["business_area"] = _area(options["area"].strip())
        if options["owner"]:
            owner = get_user_model().objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"Unknown user: {options['owner']}")
            filters["owner"] = owner
        report = pipeline_report(Period(start, end), filters, as_of=as_of)
        rows = [
            (area, stage, f"{total:.2f}", f"{weighted:.2f}", str(count))
            for area, stage, total, weighted, count, _margin in pipeline_rows(report)
        ]
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(
                (protect(area), protect(stage), *figures) for area, stage, *figures in rows
            )
        else:
            widths = [max(len(str(r[i])) for r in [HEADER, *rows]) for i in range(len(HEADER))]
            for row in [HEADER, *rows]:
                cells = [
                    str(v).ljust(w) if i < 2 else str(v).rjust(w)
                    for i, (v, w) in enumerate(zip(row, widths, strict=True))
                ]
                self.stdout.write("  ".join(cells).rstrip())
        stood = f", as of {as_of}" if as_of else ""
        self.stderr.write(f"{report.total.count} open deals, {start} – {end}{stood}")
        sys.stdout.flush()
