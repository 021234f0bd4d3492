"""What happened, for someone to be told: returned by the use cases that cause it.

The booking core decides; messaging (the outbox) turns these into texts. Events name
rows by id so a job can load them in its own transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WaitlistOffered:
    entry_id: int
    client_id: int
    session_id: int
    expires_at: datetime
    broadcast: bool = False


@dataclass(frozen=True)
class WaitlistEnrolled:
    """Auto mode: the next in line was booked into the freed spot."""

    entry_id: int
    client_id: int
    session_id: int
    booking_id: int


@dataclass(frozen=True)
class WaitlistSkipped:
    """The next in line could not pay for the spot, so it went to the one after."""

    entry_id: int
    client_id: int
    session_id: int
    reason: str


@dataclass(frozen=True)
class OfferExpired:
    entry_id: int
    client_id: int
    session_id: int


@dataclass(frozen=True)
class SpotGone:
    """Broadcast mode: someone else claimed the spot; the others stay on the list."""

    entry_id: int
    client_id: int
    session_id: int


@dataclass(frozen=True)
class PenaltyWaived:
    """Fill-to-forgive: a late cancel's penalty was waived because the spot was refilled."""

    booking_id: int
    client_id: int
    session_id: int


@dataclass(frozen=True)
class SessionCancelled:
    session_id: int
    booking_ids: tuple[int, ...]
    waitlist_entry_ids: tuple[int, ...]


@dataclass(frozen=True)
class SessionMoved:
    """The studio moved a class: everyone booked or waiting is told the new time.

    ``version`` is the session's move count after this move (each move texts once).
    """

    session_id: int
    version: int
    old_starts_at: datetime
    old_location_id: int
    booking_ids: tuple[int, ...]
    waitlist_entry_ids: tuple[int, ...]


Event = (
    WaitlistOffered | WaitlistEnrolled | WaitlistSkipped | OfferExpired | SpotGone | PenaltyWaived | SessionCancelled
    | SessionMoved
)


def publish(session, events: list) -> None:
    """Hand events to messaging inside the caller's transaction (the transactional outbox):
    the texts are rows committed together with the change that caused them."""
    if not events:
        return
    from app.conversation.notify import outbox_for

    outbox_for(session, events)
