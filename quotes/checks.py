"""System checks of what the database keeps for the quotes: the deal's owner on its quotes
(`kept_owner`) and the quote totals (`kept_totals`)."""

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from . import kept_owner, kept_totals

# In English, as Django's own checks: they speak to whoever runs manage.py.
REPAIR = "Run `manage.py repair_quote_owners`: it reinstalls the trigger and copies the owners."
REBUILD = "Run `manage.py rebuild_quote_totals`: it reinstalls them and recounts the totals."


def owner_trigger(app_configs=None, databases=None, **kwargs) -> list:
    """E001: the trigger copying a deal's owner to its quotes is missing or disabled on a
    migrated database (every `manage.py check`, one catalogue read)."""
    return [
        checks.Error(
            f"The deals' owners are not copied to their quotes on database '{alias}': "
            f"{kept_owner.TRIGGER} missing or disabled, so a salesperson's quotes drift from "
            "their deals.",
            hint=REPAIR,
            id="quotes.E001",
        )
        for alias in databases or [DEFAULT_DB_ALIAS]
        if kept_owner.missing(alias)
    ]


def owners_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E002: quotes whose owner is not their deal's (`check --database default`: a join of
    every quote with its deal)."""
    errors = []
    for alias in databases or []:
        if kept_owner.missing(alias) is None:
            continue  # nothing kept yet, or nothing to reach
        try:
            wrong = kept_owner.different(alias)
        except DatabaseError:
            continue
        if wrong:
            shown = ", ".join(str(pk) for pk in wrong[:5])
            more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
            errors.append(
                checks.Error(
                    f"Quotes on database '{alias}' whose owner is not their deal's: {shown}{more}.",
                    hint=REPAIR,
                    id="quotes.E002",
                )
            )
    return errors


def totals_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E003: the table, a trigger or a function keeping the quote totals is missing or
    disabled on a migrated PostgreSQL database (every `manage.py check`, catalogue reads)."""
    errors = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        missing = kept_totals.problems(alias)
        if missing:
            errors.append(
                checks.Error(
                    f"The quote totals are not kept on database '{alias}': "
                    f"{', '.join(missing)} missing or disabled, so the footer's sums of the "
                    "quote list drift from the quotes.",
                    hint=REBUILD,
                    id="quotes.E003",
                )
            )
    return errors


def totals_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E004: the kept quote totals differ from a recount of the quotes (`check --database
    default`: a scan of the quotes)."""
    errors = []
    for alias in databases or []:
        if kept_totals.problems(alias) != []:
            continue  # nothing kept, nothing to reach, or reported by E003
        try:
            wrong = kept_totals.differences(alias)
        except DatabaseError:
            continue
        if wrong:
            keys = "; ".join(f"{d.key[0]}/{d.key[1]}" for d in wrong[:5])
            errors.append(
                checks.Error(
                    f"The quote totals on database '{alias}' disagree with a recount of the "
                    f"quotes (status/owner: {keys}).",
                    hint=REBUILD,
                    id="quotes.E004",
                )
            )
    return errors
