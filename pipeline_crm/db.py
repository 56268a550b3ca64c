"""Database connections: let go of one whose prepared statements a schema change broke."""

import sys

from django.db import connections

# feature_not_supported: "cached plan must not change result type"
STALE_PLAN = "0A000"


def close_on_stale_plan(sender, request=None, **kwargs) -> None:
    """`got_request_exception` receiver.

    After `migrate` changes a column's type, a statement a connection prepared before fails on
    that connection every time it runs, and the connection itself still answers: kept for the
    next requests (CONN_MAX_AGE), it would fail them all. Closed, the next request connects and
    prepares afresh.
    """
    error = sys.exc_info()[1]
    while error is not None:
        if getattr(error, "sqlstate", None) == STALE_PLAN:
            for connection in connections.all(initialized_only=True):
                connection.close()
            return
        error = error.__cause__
