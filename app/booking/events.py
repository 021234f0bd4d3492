"""Domain events: what happened, for someone to be told, and the registry of handlers.

The booking core decides and ``record``s events; handlers subscribed in the composition
root (``app.bootstrap``) turn them into outbox rows, conversation expectations and fee
links inside the same transaction. Events are frozen dataclasses naming rows by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session


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
    """An offer the client was sent lapsed unanswered. ``passed_on``: the spot went to the
    next person (otherwise it is open for anyone to book)."""

    entry_id: int
    client_id: int
    session_id: int
    passed_on: bool = False


@dataclass(frozen=True)
class SpotGone:
    """Broadcast mode: someone else claimed the spot; the others stay on the list."""

    entry_id: int
    client_id: int
    session_id: int


@dataclass(frozen=True)
class WaitlistDropped:
    """Auto mode: booked into ``session_id`` from its waitlist, the client came off their other
    waitlists for classes at the same time (``entry_ids``, in ``dropped_session_ids``); one text."""

    client_id: int
    session_id: int
    entry_ids: tuple[int, ...]
    dropped_session_ids: tuple[int, ...]


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


@dataclass(frozen=True)
class FeeCharged:
    """A fee was recorded on the ledger (late cancel or no-show): the client is asked to pay.

    ``kind`` is ``late_cancel`` or ``no_show``; ``amount`` in the studio's currency.
    """

    booking_id: int
    client_id: int
    amount: Decimal
    kind: str


@dataclass(frozen=True)
class BookingMoved:
    """A client's booking moved to another class (``moves.move_booking``): the old booking
    ``from_booking_id`` is cancelled, ``to_booking_id`` is the new one. ``source`` is who
    asked (``sms``/``whatsapp``: the client, told in the reply; ``admin``: staff)."""

    client_id: int
    from_booking_id: int
    to_booking_id: int
    from_session_id: int
    to_session_id: int
    source: str


@dataclass(frozen=True)
class RunningLate:
    """A client said they are running late (``minutes`` when they said how much): the class's
    instructor is told by text when they can be reached (``app.notify.staff``). The booking stays."""

    booking_id: int
    client_id: int
    session_id: int
    minutes: int | None


BookingEvent = (
    WaitlistOffered
    | WaitlistEnrolled
    | WaitlistSkipped
    | OfferExpired
    | SpotGone
    | WaitlistDropped
    | PenaltyWaived
    | SessionCancelled
    | SessionMoved
    | FeeCharged
    | BookingMoved
    | RunningLate
)

Handler = Callable[[Session, Any], None]
_HANDLERS: dict[type, list[Handler]] = {}


def subscribe(event_type: type, handler: Handler) -> None:
    """Run ``handler(session, event)`` for every recorded event of ``event_type``.

    Called from the composition root (``app.bootstrap``) only; subscribing the same
    handler twice is a no-op, so bootstrapping is idempotent.
    """
    handlers = _HANDLERS.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribed(event_type: type) -> tuple[Handler, ...]:
    return tuple(_HANDLERS.get(event_type, ()))


def record(session: Session, events: Iterable[Any]) -> None:
    """Hand events to their handlers inside the caller's transaction (the transactional
    outbox): whatever they write commits together with the change that caused it, or
    not at all. An event type nobody subscribed to is simply not acted on."""
    for event in events:
        for handler in _HANDLERS.get(type(event), ()):
            handler(session, event)


# --------------------------------------------------------------------------- intro leads


@dataclass(frozen=True)
class LeadPaid:
    """A lead paid for its intro offer: the client is welcomed and asked what suits them."""

    lead_id: int
    client_id: int


@dataclass(frozen=True)
class OwnersAsked:
    """A new numbered question about a lead is open: owners and managers are sent its options.

    ``because`` says why the lead is back with them: ``None`` (its preferences just came in),
    ``"declined"`` or ``"expired"`` (the instructor of ``request_id`` said no, or never
    answered), ``"taken"`` (the accepted slot could not be booked).
    """

    lead_id: int
    match_id: int
    because: str | None = None
    request_id: int | None = None


@dataclass(frozen=True)
class InstructorAsked:
    """An owner chose an instructor and a time: the instructor is asked to take the lead."""

    request_id: int


@dataclass(frozen=True)
class IntroBooked:
    """The instructor accepted and the first 1:1 is booked: the client and the owners are told.

    ``sessions_left``: the client's intro sessions still to book after this one.
    """

    request_id: int
    booking_id: int
    sessions_left: int


@dataclass(frozen=True)
class NextSessionOffered:
    """The lead attended their first session: they are offered the next with the same instructor."""

    lead_id: int


LeadEvent = LeadPaid | OwnersAsked | InstructorAsked | IntroBooked | NextSessionOffered
Event = BookingEvent | LeadEvent  # the union above, with the lead events (defined after it)


# --------------------------------------------------------------------------- no-show review (issue 11)


@dataclass(frozen=True)
class NoShowSettled:
    """The no-show review window closed on a booking nobody checked in or waived: the
    studio's rule applied. ``rule`` is ``forfeit_credit``, ``fee`` (``fee`` is the amount,
    asked for by the ``FeeCharged`` recorded with it) or ``none``; ``credits_spent`` what
    the booking cost. The client is told once, with how to dispute it."""

    booking_id: int
    client_id: int
    session_id: int
    rule: str
    fee: Decimal | None
    credits_spent: int


@dataclass(frozen=True)
class NoShowWaived:
    """Staff waived a no-show: nothing charged, the credit back. ``settled`` when the client
    had already been told of the penalty (the review window had closed)."""

    booking_id: int
    client_id: int
    session_id: int
    settled: bool = False
