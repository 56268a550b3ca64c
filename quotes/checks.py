"""System checks of what the database keeps for the quotes: the deal's owner on its quotes
(`kept_owner`) and the quote totals (`kept_totals`)."""

from pipeline_crm.kept_checks import first, machinery_errors, recount_errors

from . import kept_owner, kept_totals

# In English, as Django's own checks: they speak to whoever runs manage.py.
REPAIR = "Run `manage.py repair_quote_owners`: it reinstalls the trigger and copies the owners."
REBUILD = "Run `manage.py rebuild_quote_totals`: it reinstalls them and recounts the totals."


def owner_trigger(app_configs=None, databases=None, **kwargs) -> list:
    """E001: the trigger copying a deal's owner to its quotes is missing or disabled on a
    migrated database (every `manage.py check`, one catalogue read)."""
    return machinery_errors(
        databases,
        missing=kept_owner.missing,
        describe=lambda alias, _missing: (
            f"The deals' owners are not copied to their quotes on database '{alias}': "
            f"{kept_owner.TRIGGER} missing or disabled, so a salesperson's quotes drift from "
            "their deals."
        ),
        hint=REPAIR,
        id="quotes.E001",
    )


def owners_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E002: quotes whose owner is not their deal's (`check --database default`: a join of
    every quote with its deal)."""
    return recount_errors(
        databases,
        kept=lambda alias: kept_owner.missing(alias) is not None,
        differences=kept_owner.different,
        describe=lambda alias, wrong: (
            f"Quotes on database '{alias}' whose owner is not their deal's: "
            f"{first(wrong, sep=', ')}."
        ),
        hint=REPAIR,
        id="quotes.E002",
    )


def totals_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E003: the table, a trigger or a function keeping the quote totals is missing or
    disabled on a migrated PostgreSQL database (every `manage.py check`, catalogue reads)."""
    return machinery_errors(
        databases,
        missing=kept_totals.problems,
        describe=lambda alias, missing: (
            f"The quote totals are not kept on database '{alias}': "
            f"{', '.join(missing)} missing or disabled, so the footer's sums of the "
            "quote list drift from the quotes."
        ),
        hint=REBUILD,
        id="quotes.E003",
    )


def totals_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E004: the kept quote totals differ from a recount of the quotes (`check --database
    default`: a scan of the quotes)."""
    return recount_errors(
        databases,
        # None: nothing kept or nothing to reach; a list that names something: E003's.
        kept=lambda alias: kept_totals.problems(alias) == [],
        differences=kept_totals.differences,
        describe=lambda alias, wrong: (
            f"The quote totals on database '{alias}' disagree with a recount of the "
            f"quotes (status/owner: {first(wrong, name=lambda d: f'{d.key[0]}/{d.key[1]}')})."
        ),
        hint=REBUILD,
        id="quotes.E004",
    )
