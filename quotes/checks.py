"""System checks of the deal's owner kept on its quotes (`kept_owner`)."""

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from . import kept_owner

# In English, as Django's own checks: they speak to whoever runs manage.py.
REPAIR = "Run `manage.py repair_quote_owners`: it reinstalls the trigger and copies the owners."


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
