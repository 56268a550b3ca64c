"""System checks of what the database keeps: the deal totals (`kept_totals`), the
history's `valid_until` (migration 0015, read by `forecasting.asof`), the deals' name tails
(`name_tails`, read by the search), each product's deals (`product_deals`), the copy of the
shared deals (`kept_shared`) and the sums per account, stage-entry day and close date
(`kept_sums`)."""

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from pipeline_crm.kept_checks import first, machinery_errors, recount_errors

from . import kept_shared, kept_sums, kept_totals, name_tails, product_deals

# In English, as Django's own checks: they speak to whoever runs manage.py.
REBUILD = "Run `manage.py rebuild_deal_totals`: it reinstalls them and recounts the totals."


def deal_totals_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E001: a trigger or function keeping `DealTotals` is missing, disabled or changed on a
    migrated database (checked by every `manage.py check`, a few catalogue reads)."""
    return machinery_errors(
        databases,
        missing=kept_totals.problems,
        describe=lambda alias, wrong: (
            f"The deal totals are not kept on database '{alias}': "
            f"{', '.join(o.name for o in wrong)} missing or changed, so the sums of the "
            "list's footer and of the board's columns drift from the deals."
        ),
        hint=REBUILD,
        id="opportunities.E001",
    )


def deal_totals_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E002: the kept totals differ from a recount of the deals (`check --database default`:
    a scan of the deal table)."""
    return recount_errors(
        databases,
        kept=lambda alias: kept_totals.problems(alias) is not None,
        differences=kept_totals.differences,
        describe=lambda alias, wrong: (
            f"The deal totals on database '{alias}' disagree with a recount of the "
            f"deals (stage, owner, area, status: "
            f"{first(wrong, name=lambda d: '/'.join(str(part) for part in d.key))})."
        ),
        hint=REBUILD,
        id="opportunities.E002",
    )


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


REBUILD_TAILS = "Run `manage.py rebuild_name_tails`: it reinstalls them and refills the tails."


def name_tails_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E004: on PostgreSQL, a trigger keeping the deals' name tails (`name_tails`) is missing
    or disabled: the search would miss deals matching by name alone."""
    return machinery_errors(
        databases,
        missing=_missing_tail_triggers,
        describe=lambda alias, missing: (
            f"The deals' name tails are not kept on database '{alias}': "
            f"{', '.join(missing)} missing or disabled, so the list's search can miss deals "
            "that match by their name alone."
        ),
        hint=REBUILD_TAILS,
        id="opportunities.E004",
    )


def _missing_tail_triggers(alias: str) -> list[str] | None:
    try:
        return name_tails.missing_triggers(alias)
    except DatabaseError:
        return None


def name_tails_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E005: deals whose kept name tail is missing or not what their and their account's
    names make it (`check --database default`: a join of every deal)."""
    return recount_errors(
        databases,
        kept=lambda alias: _missing_tail_triggers(alias) is not None,
        differences=name_tails.wrong_deals,
        describe=lambda alias, wrong: (
            f"The name tails on database '{alias}' disagree with the deals' names "
            f"(deals {first(wrong)})."
        ),
        hint=REBUILD_TAILS,
        id="opportunities.E005",
    )


REBUILD_PRODUCT_DEALS = (
    "Run `manage.py rebuild_product_deals`: it reinstalls them and refills the table."
)


def _missing_product_triggers(alias: str) -> list[str] | None:
    try:
        return product_deals.missing_triggers(alias)
    except DatabaseError:
        return None


def product_deals_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E006: on PostgreSQL, a trigger keeping each product's deals (`product_deals`) is
    missing or disabled: the product filter's footer would drift from its deals."""
    return machinery_errors(
        databases,
        missing=_missing_product_triggers,
        describe=lambda alias, missing: (
            f"The products' deals are not kept on database '{alias}': "
            f"{', '.join(missing)} missing or disabled, so the footer of the list filtered "
            "by a product drifts from its deals."
        ),
        hint=REBUILD_PRODUCT_DEALS,
        id="opportunities.E006",
    )


def product_deals_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E007: kept (product, deal) rows missing, extra or wrong against the lines and deals
    (`check --database default`: every line read)."""
    return recount_errors(
        databases,
        kept=lambda alias: _missing_product_triggers(alias) is not None,
        differences=product_deals.wrong_pairs,
        describe=lambda alias, wrong: (
            f"The products' deals on database '{alias}' disagree with the lines "
            f"(product/deal {first(wrong, name=lambda pair: '/'.join(map(str, pair)))})."
        ),
        hint=REBUILD_PRODUCT_DEALS,
        id="opportunities.E007",
    )


REBUILD_SHARED = (
    "Run `manage.py rebuild_deal_totals`: it reinstalls them and copies the shared deals again."
)


def shared_deals_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E008: on PostgreSQL, the table, a function or a trigger keeping the copy of the shared
    deals (`kept_shared`) is missing or disabled on a migrated database."""
    return machinery_errors(
        databases,
        missing=kept_shared.problems,
        describe=lambda alias, missing: (
            f"The shared deals are not kept on database '{alias}': {', '.join(missing)} "
            "missing or disabled, so the figures of each salesperson's deals drift from them."
        ),
        hint=REBUILD_SHARED,
        id="opportunities.E008",
    )


def shared_deals_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E009: the copy of the shared deals differs from the links and their deals
    (`check --database default`: a scan of both)."""
    return recount_errors(
        databases,
        kept=lambda alias: kept_shared.problems(alias) is not None,
        differences=kept_shared.differences,
        describe=lambda alias, wrong: (
            f"The copy of the shared deals on database '{alias}' disagrees with the deals "
            f"(deal/user: {first(wrong, name=lambda d: f'{d.opportunity_id}/{d.user_id}')})."
        ),
        hint=REBUILD_SHARED,
        id="opportunities.E009",
    )


REBUILD_SUMS = "Run `manage.py rebuild_deal_totals`: it reinstalls them and refills the sums."


def kept_sums_triggers(app_configs=None, databases=None, **kwargs) -> list:
    """E010: on PostgreSQL, a table, index, function or trigger keeping the sums per account,
    stage-entry day and close date (`kept_sums`) is missing or disabled on a migrated
    database."""
    return machinery_errors(
        databases,
        missing=kept_sums.problems,
        describe=lambda alias, missing: (
            f"The deals' sums per account, stage-entry day and close date are not kept on "
            f"database '{alias}': {', '.join(missing)} missing or disabled, so the footers of "
            "the search and of stale deals, and the manager's dashboard, drift from the deals."
        ),
        hint=REBUILD_SUMS,
        id="opportunities.E010",
    )


def kept_sums_agree(app_configs=None, databases=None, **kwargs) -> list:
    """E011: the kept sums (`kept_sums`) differ from a recount of the deals (`check --database
    default`: a scan of the deals per table)."""
    return recount_errors(
        databases,
        kept=lambda alias: kept_sums.problems(alias) is not None,
        differences=kept_sums.differences,
        describe=lambda alias, wrong: (
            f"The kept sums on database '{alias}' disagree with a recount of the deals "
            f"(table: key, count and amount off by: "
            f"{first(wrong, name=lambda d: f'{d[0]}: {d[1]}')})."
        ),
        hint=REBUILD_SUMS,
        id="opportunities.E011",
    )
