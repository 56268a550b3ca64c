"""Logging filters."""

import logging


class ForbiddenInOneLine(logging.Filter):
    """Drop the traceback Django attaches to a "Forbidden (Permission denied)" record.

    Every refused request (a salesperson opening a colleague's edit page) is logged with the
    stack of the PermissionDenied that refused it: pages of log for what is no error. The
    record keeps its line (path, status, user agent); 5xx records keep their tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
