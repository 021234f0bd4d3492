"""Structured logs with a turn id: one grep from a webhook to the text it caused.

A *turn* is one unit of work started from outside: an inbound text, a Stripe event, an
admin request, a due-work tick. ``turn()`` gives it an id (a contextvar), every log record
written while it runs carries ``turn_id``, and the outbox rows it writes store it
(``OutboxMessage.turn_id``), so the worker that later delivers a row logs the same id:
``grep 7f3a9c01 app.log`` shows the inbound text, the use case, the row and its delivery.

``LOG_FORMAT=json`` (production: the Procfile sets it) writes one JSON object per line;
otherwise a readable line. At INFO and above nothing carries a message body or a phone
number; those appear, if at all, at DEBUG.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_turn: contextvars.ContextVar[str | None] = contextvars.ContextVar("frontdesk_turn", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [turn %(turn_id)s] %(message)s"


def current_turn() -> str | None:
    """The id of the turn this code runs in, or None outside one."""
    return _turn.get()


@contextmanager
def turn(turn_id: str | None = None) -> Iterator[str]:
    """Run the block as one turn; ``turn_id`` (e.g. a request id from the proxy) or a new one."""
    value = (turn_id or uuid.uuid4().hex[:12])[:32]
    token = _turn.set(value)
    try:
        yield value
    finally:
        _turn.reset(token)


def begin(turn_id: str | None = None) -> contextvars.Token[str | None]:
    """Start a turn that ends in another callback (a request's teardown): pass the token to ``end``."""
    return _turn.set((turn_id or uuid.uuid4().hex[:12])[:32])


def end(token: contextvars.Token[str | None]) -> None:
    _turn.reset(token)


class TurnFilter(logging.Filter):
    """Adds ``turn_id`` ("-" outside a turn) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.turn_id = _turn.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO), level, logger, turn_id, message, and the
    exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "turn_id": getattr(record, "turn_id", None) or _turn.get() or None,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(fmt: str | None = None, level: str | None = None) -> None:
    """Set the root logger's one handler: JSON lines or readable text (``LOG_FORMAT``), at
    ``LOG_LEVEL`` (default WARNING, as Python's own; the Procfile asks for INFO), so a CLI
    whose output is JSON lines (``simulate``, ``nlu``) is not mixed with log lines.
    Idempotent: calling it again replaces our handler."""
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "text").lower()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_frontdesk", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._frontdesk = True  # type: ignore[attr-defined]
    handler.addFilter(TurnFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("LOG_LEVEL") or "WARNING").upper())
