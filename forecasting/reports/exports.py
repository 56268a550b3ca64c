"""A report's export: its rows under a title row that names the report, its period and its
filters, in a file named after them (`pipeline-2026-Q4.xlsx`, `budget-2026-10-01-2026-11-15-
anna.csv`). The machine CSV keeps the contracts' shape: the title is in its file name only
(see `pipeline_crm.exports.export_rows`)."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pipeline_crm.exports import export_rows

from ..periods import Period, pick_for

PERIOD_FIELDS = ("start", "end", "pick")


def _value_text(field: forms.Field, value: Any) -> str:
    if isinstance(field, forms.ModelChoiceField):
        return str(field.label_from_instance(value))
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)


def _filters(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value as shown) of each filter the form was given, in the form's order."""
    chosen = []
    for name, field in form.fields.items():
        if name in PERIOD_FIELDS or name not in form.data:
            continue
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        chosen.append((str(field.label), _value_text(field, value)))
    return chosen


def period_text(period: Period | None) -> str:
    """The period as the page says it: "2026 Q4: 1 October 2026 – 31 December 2026" in
    English (UK); "All open deals" without one (the funnel)."""
    if period is None:
        return _("All open deals")
    dates = _("%(start)s – %(end)s") % {
        "start": date_format(period.start, "DATE_FORMAT"),
        "end": date_format(period.end, "DATE_FORMAT"),
    }
    pick = pick_for(period.start, period.end)
    return f"{pick.replace('-', ' ')}: {dates}" if pick else dates


def title_row(title: str, period: Period | None, form: forms.Form) -> list[str]:
    """The title row: the report, its period and its filters (one cell each; no filter
    cell without filters)."""
    row = [title, period_text(period)]
    filters = _filters(form)
    if filters:
        row.append("; ".join(f"{label}: {value}" for label, value in filters))
    return row


def file_stem(basename: str, period: Period | None, form: forms.Form) -> str:
    """`pipeline-2026-Q4`, `budget-2026-10-01-2026-11-15`, `funnel-<today>` without a
    period, then each filter's value as ASCII
    (`-ost-anna`): a file name that says what is in the file and is safe in a header."""
    parts = [basename]
    if period is None:  # every open deal, as of today
        parts.append(timezone.localdate().isoformat())
    else:
        pick = pick_for(period.start, period.end)
        parts.append(pick or f"{period.start.isoformat()}-{period.end.isoformat()}")
    parts += [slugify(value) for _label, value in _filters(form)]
    return "-".join(part for part in parts if part)[:150]


def export_report(
    rows: Iterable[Iterable[Any]],
    fmt: str,
    basename: str,
    *,
    title: str,
    period: Period | None,
    form: forms.Form,
):
    """Respond with a report's `rows` (header first) as an export in `fmt`, titled and named
    after the report `title`, its `period` and the filters of its valid `form`."""
    return export_rows(
        rows,
        fmt,
        basename,
        title=title_row(title, period, form),
        filename=file_stem(basename, period, form),
    )
