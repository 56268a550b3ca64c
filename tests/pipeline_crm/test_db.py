"""A connection whose prepared statements a migration broke is closed, not kept."""

from unittest import mock

import pytest
from django.core.signals import got_request_exception
from django.db import NotSupportedError, connections
from django.db.utils import OperationalError
from psycopg.errors import FeatureNotSupported


def fail_a_request(error: Exception) -> mock.Mock:
    """Send `got_request_exception` as Django does, while `error` is being handled; the
    connections it would close are mocks."""
    connection = mock.Mock()
    with mock.patch.object(connections, "all", return_value=[connection]):
        try:
            raise error
        except Exception:
            got_request_exception.send(sender=None, request=None)
    return connection


def wrapped(error: Exception) -> Exception:
    """`error` as Django's database wrapper raises it: its own class, psycopg's as the cause."""
    try:
        try:
            raise error
        except Exception as cause:
            raise NotSupportedError(str(cause)) from cause
    except NotSupportedError as django_error:
        return django_error


def test_a_stale_prepared_statement_closes_the_connection():
    stale = wrapped(FeatureNotSupported("cached plan must not change result type"))
    assert fail_a_request(stale).close.called


@pytest.mark.parametrize(
    "error", [ValueError("a bug"), OperationalError("server closed the connection")]
)
def test_other_errors_leave_the_connection_alone(error):
    assert not fail_a_request(error).close.called
