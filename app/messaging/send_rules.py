"""Texts that are still true when they go: per kind of text, a check just before sending.

A time-bound text (a reminder, a waitlist offer, a move notice, a fee link, a digest line)
is written when something happens and sent later: quiet hours, a retry or a busy worker
may hold it back. Delivery asks the rules registered for the row's kind, after claiming it
and before the transport sends it:

- ``still_true(session, row, now)`` returns why the text must not go (the booking was
  cancelled, the offer was withdrawn, the class moved again) or ``None``; it may refresh
  ``row.body`` (an offer's reply-by time counts from now, when the client gets it).
- ``sent(session, row, now)`` runs once the transport has taken the text (an offer's claim
  window starts then), in the same transaction that records it as sent.

Rules are registered by the notify side in ``app.bootstrap``; a kind with none always goes.
A dropped text is marked ``skipped`` with the reason, for staff to see in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import OutboxMessage

Check = Callable[[Session, OutboxMessage, datetime], "str | None"]
AfterSend = Callable[[Session, OutboxMessage, datetime], None]


@dataclass(frozen=True)
class SendRule:
    still_true: Check
    sent: AfterSend | None = None


_EXACT: dict[str, SendRule] = {}
_PREFIX: dict[str, SendRule] = {}


def register(kind: str, rule: SendRule, *, prefix: bool = False) -> None:
    """Apply ``rule`` to rows of ``kind`` (or, with ``prefix``, of every kind starting with it,
    e.g. ``reminder_`` for ``reminder_24h`` and ``reminder_2h``). Registering again replaces."""
    (_PREFIX if prefix else _EXACT)[kind] = rule


def rule_for(kind: str) -> SendRule | None:
    if kind in _EXACT:
        return _EXACT[kind]
    for start, rule in _PREFIX.items():
        if kind.startswith(start):
            return rule
    return None


def about(kind: str, row_id: int) -> str:
    """The ``OutboxMessage.about`` of a text about one row: ``"booking:12"``."""
    return f"{kind}:{row_id}"


def about_id(row: OutboxMessage, kind: str) -> int | None:
    """The id in ``row.about`` when it names a row of ``kind``, else None."""
    if not row.about:
        return None
    what, _, ident = row.about.partition(":")
    return int(ident) if what == kind and ident.isdigit() else None
