"""Database connections: let go of one whose prepared statements a schema change broke, and
give web requests a statement timeout."""

import logging
import sys

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.shortcuts import render

logger = logging.getLogger(__name__)

# feature_not_supported: "cached plan must not change result type"
STALE_PLAN = "0A000"
# query_canceled: the statement ran past statement_timeout (or was cancelled by an operator)
QUERY_CANCELED = "57014"


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


# --- the statement timeout of web requests ------------------------------------------------------


def limit_web_statements() -> None:
    """Give every database connection this process opens a statement timeout
    (settings.DATABASE_STATEMENT_TIMEOUT seconds; 0 turns it off).

    Called by wsgi.py, so it holds for gunicorn and runserver and never for the commands run
    from a shell (seed_demo, bench, imports), whose long statements are expected. It is the
    last guard: one slow request (a report over a huge period ran 100 s) then costs one
    worker thread a bounded time instead of holding it, and its database, until done. The
    timeout must stay below gunicorn's (see gunicorn.conf.py).
    """
    connection_created.connect(limit_statements, dispatch_uid="pipeline_crm.limit_statements")


def limit_statements(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: one query when a connection opens (they are kept for
    DJANGO_CONN_MAX_AGE seconds), none per request."""
    seconds = settings.DATABASE_STATEMENT_TIMEOUT
    if seconds and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])


def is_statement_timeout(error: BaseException | None) -> bool:
    """Whether `error` (a Django database error, psycopg's as its cause) is a cancelled
    statement."""
    while error is not None:
        if getattr(error, "sqlstate", None) == QUERY_CANCELED:
            return True
        error = error.__cause__
    return False


class StatementTimeoutMiddleware:
    """A request whose statement the database cancelled gets a 503 page saying so (and when
    to try again), not a 500: the request's transaction is already rolled back, and the
    worker is free for the next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_statement_timeout(exception):
            return None
        logger.warning("Statement timeout: %s %s", request.method, request.path)
        response = render(
            request,
            "503.html",
            {"seconds": settings.DATABASE_STATEMENT_TIMEOUT},
            status=503,
        )
        response["Retry-After"] = "60"
        return response
