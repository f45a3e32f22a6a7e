"""What a log line is about: the request it serves and the case (business key) it touches.

The host site's middleware sets the request id; the engine sets the business key of the instance
it runs, and a page may set it from its URL. ``ContextFilter`` puts both on every log record
(``request_id``, ``case_reference``), for the JSON formatter and the plain one alike.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
case_reference: ContextVar[str] = ContextVar("case_reference", default="")


@contextmanager
def about_case(reference: str):
    """Log lines inside the block carry ``reference`` as their case."""
    token = case_reference.set(reference)
    try:
        yield
    finally:
        case_reference.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.case_reference = case_reference.get()
        return True
