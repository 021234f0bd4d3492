"""Texts that are still true when they go: the send-time checks of the client texts.

Delivery asks ``app.messaging.send_rules`` just before a text leaves (after quiet hours,
retries or a busy worker held it back). The rules here re-read what the text is about
(``OutboxMessage.about``, or its dedupe key for rows written before ``about`` existed)
and give the reason to drop it, which the outbox records:

- ``reminder_*``: the booking is still confirmed, the class still on and still at the
  time the reminder names (``valid_until`` is the class start when it was written).
- ``session_moved``: the class is still on and still at the time the notice names.
- ``daily_digest``: dropped by its ``valid_until`` already; nothing to re-read.

The fee link's rule lives with the fee (``app.payments.fees``): this layer may not read
payments. ``register_rules`` is called once by ``app.bootstrap``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.messaging import send_rules
from app.messaging.send_rules import SendRule
from app.models import Booking, ClassSession, Client, OutboxMessage


def _id_from_key(row: OutboxMessage, head: str, position: int) -> int | None:
    """An id read from the dedupe key (``reminder:24h:booking:12`` -> 12), for rows
    written without ``about``."""
    parts = (row.dedupe_key or "").split(":")
    if parts and parts[0] == head and len(parts) > position and parts[position].isdigit():
        return int(parts[position])
    return None


def _class_changed(class_session: ClassSession | None, named: datetime | None) -> str | None:
    if class_session is None:
        return "the class no longer exists"
    if class_session.status != "scheduled":
        return "the class was cancelled"
    if named is not None and class_session.starts_at != named:
        return "the class moved to another time since this was written"
    return None


def reminder_still_true(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    booking_id = send_rules.about_id(row, "booking") or _id_from_key(row, "reminder", 3)
    booking = session.get(Booking, booking_id) if booking_id is not None else None
    if booking is None:
        return "the booking no longer exists"
    if booking.status != "confirmed":
        return f"the booking is {booking.status.replace('_', ' ')}"
    changed = _class_changed(session.get(ClassSession, booking.session_id), row.valid_until)
    if changed is not None:
        return changed
    client = session.get(Client, booking.client_id)
    if client is not None and client.opted_out(row.channel):
        return "the client has opted out"
    return None


def session_moved_still_true(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    session_id = send_rules.about_id(row, "session") or _id_from_key(row, "moved", 1)
    if session_id is None:
        return None  # nothing to re-read: the row's own valid_until still applies
    changed = _class_changed(session.get(ClassSession, session_id), row.valid_until)
    return changed.replace("moved to another time", "moved again") if changed else None


RULES: tuple[tuple[str, SendRule, bool], ...] = (
    ("reminder_", SendRule(reminder_still_true), True),
    ("session_moved", SendRule(session_moved_still_true), False),
)


def register_rules(*more: tuple[str, SendRule]) -> None:
    """Register the client texts' rules, and ``more`` (kind, rule) from the layers above."""
    for kind, rule, prefix in RULES:
        send_rules.register(kind, rule, prefix=prefix)
    for kind, rule in more:
        send_rules.register(kind, rule)
