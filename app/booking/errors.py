"""Domain errors: what went wrong, in words a studio owner would use.

The core raises these; the bot and the admin turn them into sentences or status codes.
Each carries the facts a reply needs (``ClassFull.waitlist_size`` and so on).
"""

from __future__ import annotations

from datetime import datetime


class BookingError(Exception):
    """Base of every refusal the booking core can give."""


class NotFound(BookingError):
    def __init__(self, what: str, ident: object = None) -> None:
        super().__init__(f"{what} not found" + (f": {ident}" if ident is not None else ""))
        self.what = what
        self.ident = ident


class ClassFull(BookingError):
    def __init__(self, session_id: int, waitlist_size: int) -> None:
        super().__init__(f"session {session_id} is full ({waitlist_size} waiting)")
        self.session_id = session_id
        self.waitlist_size = waitlist_size


class OutsideBookingWindow(BookingError):
    def __init__(self, opens_at: datetime | None, reason: str) -> None:
        super().__init__(reason)
        self.opens_at = opens_at  # None when the class has already started
        self.reason = reason


class SessionNotBookable(BookingError):
    """Cancelled by the studio, or already started."""

    def __init__(self, session_id: int, reason: str) -> None:
        super().__init__(reason)
        self.session_id = session_id
        self.reason = reason


class AlreadyBooked(BookingError):
    def __init__(self, booking_id: int) -> None:
        super().__init__(f"already booked (booking {booking_id})")
        self.booking_id = booking_id


class NoCredits(BookingError):
    def __init__(self, needed: int, available: int, expired: bool = False) -> None:
        detail = "package expired" if expired else f"needs {needed}, has {available}"
        super().__init__(f"not enough credits: {detail}")
        self.needed = needed
        self.available = available
        self.expired = expired


class NotCancellable(BookingError):
    def __init__(self, booking_id: int, reason: str) -> None:
        super().__init__(reason)
        self.booking_id = booking_id
        self.reason = reason


class AlreadyWaitlisted(BookingError):
    def __init__(self, entry_id: int, position: int) -> None:
        super().__init__(f"already on the waitlist at position {position}")
        self.entry_id = entry_id
        self.position = position


class WaitlistNotNeeded(BookingError):
    """The class has room: book it instead of waiting."""

    def __init__(self, session_id: int, spots: int) -> None:
        super().__init__(f"session {session_id} has {spots} spots free")
        self.session_id = session_id
        self.spots = spots


class OfferExpired(BookingError):
    def __init__(self, entry_id: int) -> None:
        super().__init__("the waitlist offer has expired and the spot has gone")
        self.entry_id = entry_id


class NoOffer(BookingError):
    def __init__(self) -> None:
        super().__init__("there is no open waitlist offer to claim")


class SpotTaken(BookingError):
    """Broadcast mode: somebody else claimed the spot first."""

    def __init__(self, session_id: int) -> None:
        super().__init__("the spot was claimed by someone else first")
        self.session_id = session_id


class SlotUnavailable(BookingError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidRequest(BookingError):
    """Input that does not make sense (a negative grant, an unknown package)."""


class OverlapsBooking(BookingError):
    """The client already holds a confirmed booking for a class at the same time.

    ``rule`` is the studio's ``overlap_rule``: ``ask`` (book anyway with ``allow_overlap``
    once the client agrees) or ``refuse``. ``booking_id``/``session_id`` name the clash."""

    def __init__(self, booking_id: int, session_id: int, rule: str) -> None:
        super().__init__("already booked into another class at that time")
        self.booking_id = booking_id
        self.session_id = session_id
        self.rule = rule


class SelfCheckInOff(BookingError):
    """The studio does not let clients check themselves in by text (``Policy.self_check_in``)."""

    def __init__(self) -> None:
        super().__init__("this studio checks clients in at the desk")


class CheckInNotOpen(BookingError):
    """The client's next class is not open for check-in yet: it opens at ``opens_at``."""

    def __init__(self, booking_id: int, session_id: int, opens_at: datetime) -> None:
        super().__init__(f"check-in opens at {opens_at.isoformat()}")
        self.booking_id = booking_id
        self.session_id = session_id
        self.opens_at = opens_at
