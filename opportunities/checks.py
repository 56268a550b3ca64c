"""System checks of what the database keeps: the deal totals (`kept_totals`) and the
history's `valid_until` (migration 0015, read by `forecasting.asof`)."""

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

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


VALID_UNTIL_MIGRATION = ("opportunities", "0019_history_valid_until")
VALID_UNTIL_TRIGGERS = tuple(
    f"opp_history_valid_until_{event}" for event in ("insert", "update", "delete")
)


def history_valid_until_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E003: on PostgreSQL, a trigger keeping the history's `valid_until` is missing or
    disabled: the reports as of a past day would read rows that no longer stood then."""
    errors = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        try:
            recorder = MigrationRecorder(connection)
            if not recorder.has_table() or VALID_UNTIL_MIGRATION not in (
                recorder.applied_migrations()
            ):
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D'",
                    [list(VALID_UNTIL_TRIGGERS)],
                )
                found = {name for (name,) in cursor.fetchall()}
        except DatabaseError:
            continue
        missing = [name for name in VALID_UNTIL_TRIGGERS if name not in found]
        if missing:
            errors.append(
                checks.Error(
                    f"The history's valid_until is not kept on database '{alias}': "
                    f"{', '.join(missing)} missing or disabled, so the reports as of a past "
                    "day drift from the history.",
                    hint="Run `manage.py migrate opportunities 0014` then `manage.py migrate`: "
                    "it reinstalls them and recomputes every row.",
                    id="opportunities.E003",
                )
            )
    return errors
