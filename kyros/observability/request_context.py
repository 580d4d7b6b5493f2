"""The request being handled, for log records made anywhere while it is handled."""

from __future__ import annotations

import logging
from contextvars import ContextVar

# Set by the request-id middleware; anyio copies it into the worker threads handlers use.
REQUEST_ID: ContextVar[str | None] = ContextVar("kyros_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Stamps every record made while a request is handled with that request's id.

    Installed on handlers, not loggers, so records of every logger that reach the handler
    are stamped, whichever library made them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True
