"""System checks of the kept deal totals (`kept_totals`)."""

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from . import kept_totals

# In English, as Django's own checks: they speak to whoever runs manage.py.
REBUILD = "Run `manage.py rebuild_deal_totals`: it reinstalls them and recounts the totals."


def deal_totals_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E001: a trigger or function keeping `DealTotals` is missing, disabled or changed on a
    migrated database (checked by every `manage.py check`, a few catalogue reads)."""
    errors = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        wrong = kept_totals.problems(alias)
        if wrong:
            errors.append(
                checks.Error(
                    f"The deal totals are not kept on database '{alias}': "
                    f"{', '.join(o.name for o in wrong)} missing or changed, so the sums of the "
                    "list's footer and of the board's columns drift from the deals.",
                    hint=REBUILD,
                    id="opportunities.E001",
                )
            )
    return errors


def deal_totals_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E002: the kept totals differ from a recount of the deals (`check --database default`:
    a scan of the deal table)."""
    errors = []
    for alias in databases or []:
        if kept_totals.problems(alias) is None:
            continue  # nothing kept yet, or nothing to reach
        try:
            wrong = kept_totals.differences(alias)
        except DatabaseError:
            continue
        if wrong:
            errors.append(
                checks.Error(
                    f"The deal totals on database '{alias}' disagree with a recount of the "
                    f"deals (stage, owner, area, status: {_keys(wrong)}).",
                    hint=REBUILD,
                    id="opportunities.E002",
                )
            )
    return errors


def _keys(wrong: list, shown: int = 5) -> str:
    keys = "; ".join("/".join(str(part) for part in d.key) for d in wrong[:shown])
    return f"{keys} and {len(wrong) - shown} more" if len(wrong) > shown else keys
