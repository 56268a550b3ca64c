"""The deal list's export: the table's columns, streamed from the database in chunks."""

from django.utils.translation import gettext as _

from pipeline_crm.lookups import localized

from .models import Opportunity


def _user_label(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def export_rows(queryset):
    """Header and one row per deal, with the list's columns, without loading all rows at once."""
    status_labels = dict(Opportunity.Status.choices)
    yield [
        _("Name"),
        _("Account"),
        _("Stage"),
        _("Status"),
        _("Prob. %"),
        _("Amount"),
        _("Weighted"),
        _("Expected close"),
        _("Next action"),
        _("Owner"),
        _("Business area"),
    ]
    rows = queryset.annotate(
        stage_name=localized(Opportunity, "stage__name"),
        area_name=localized(Opportunity, "business_area__name"),
    ).values_list(
        "name",
        "account__name",
        "stage_name",
        "status",
        "probability",
        "amount",
        "weighted_amount",
        "expected_close_date",
        "next_action_date",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
        "area_name",
    )
    for row in rows.iterator(chunk_size=5000):
        (
            name,
            account,
            stage,
            status,
            probability,
            amount,
            weighted,
            close,
            action,
            first,
            last,
            username,
            area,
        ) = row
        yield [
            name,
            account,
            stage,
            str(status_labels.get(status, status)),
            probability,
            amount,
            weighted,
            # Dates as dates: a real date in XLSX, the same ISO text in the CSV.
            close,
            action,
            _user_label(first, last, username),
            area or "",
        ]
