"""The two system checks every kept table has (the deal totals, the quotes' owners and totals):
its machinery is installed, and what it keeps agrees with a recount.

Each app declares its checks with these two functions and registers them in its `AppConfig`;
the loop over databases, the skip of a database that keeps nothing or cannot be reached, and
the error's shape live here once.
"""

from collections.abc import Callable

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError


def machinery_errors(
    databases, *, missing: Callable, describe: Callable, hint: str, id: str
) -> list:
    """An error for each database where `missing(alias)` names something (a trigger, a
    function, a table) that is not installed; `describe(alias, missing)` says what drifts.
    Every `manage.py check` runs it, so `missing` reads the catalogue only."""
    errors = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        absent = missing(alias)
        if absent:
            errors.append(checks.Error(describe(alias, absent), hint=hint, id=id))
    return errors


def recount_errors(
    databases, *, kept: Callable, differences: Callable, describe: Callable, hint: str, id: str
) -> list:
    """An error for each database asked for (`check --database`) whose kept rows differ from
    a recount: `differences(alias)` lists them, `describe(alias, wrong)` says which. A database
    where `kept(alias)` is false keeps nothing to compare (not migrated, not reachable, or its
    machinery missing, which the other check reports)."""
    errors = []
    for alias in databases or []:
        if not kept(alias):
            continue
        try:
            wrong = differences(alias)
        except DatabaseError:
            continue
        if wrong:
            errors.append(checks.Error(describe(alias, wrong), hint=hint, id=id))
    return errors


def first(items: list, shown: int = 5, *, name: Callable = str, sep: str = "; ") -> str:
    """The first `shown` of `items` by `name`, and how many more."""
    listed = sep.join(name(item) for item in items[:shown])
    return f"{listed} and {len(items) - shown} more" if len(items) > shown else listed
