"""Moving a client's booking to another class (or a 1:1 to another slot): cancel + book,
both or neither.

``move_booking`` is one use case (one savepoint inside the caller's transaction): the old
booking is released by the studio's cancel rules (``booking.release``), then the new class
is booked by the booking rules (``booking.book``); any refusal undoes both. Only when the
new booking stands are the old booking's late fee (if any) recorded and its freed place
given to the waitlist (``waitlist.spot_freed``), exactly as a cancel does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.booking import credits, waitlist
from app.booking.appointments import book_appointment
from app.booking.atomic import use_case
from app.booking.booking import LateCancelNeedsConsent, book, cancellable, release, terms_now
from app.booking.errors import AlreadyBooked, SlotUnavailable
from app.booking.events import BookingMoved, Event, record
from app.booking.policies import CancelTerms, free_cancel_deadline, load_policy
from app.models import Booking, ClassSession, OutboxMessage


class LateMoveNeedsConsent(LateCancelNeedsConsent):
    """Moving out of the class now is a late cancel of it: the client must agree to the
    studio's late-cancel consequence (``terms``) first (``accept_late=True``). Raised only
    once the move could otherwise go ahead (the new class has room, the client can pay)."""

    def __init__(self, booking_id: int, terms: CancelTerms, to_session_id: int) -> None:
        super().__init__(booking_id, terms)
        self.to_session_id = to_session_id


@dataclass
class MoveResult:
    old: Booking  # now cancelled (or late_cancelled)
    new: Booking  # confirmed in the new class
    terms: CancelTerms  # what leaving the old class cost
    balance: credits.Balance
    free_cancel_until: datetime  # of the new booking
    events: list[Event] = field(default_factory=list)


@use_case
def move_booking(
    session: Session,
    booking_id: int,
    to_session_id: int,
    *,
    accept_late: bool = False,
    actor: str,
    source: str = "sms",
    allow_overlap: bool = False,
) -> MoveResult:
    """Use case: move booking ``booking_id`` into class ``to_session_id``. The caller commits.

    Shapes: returns ``MoveResult``; writes the old booking's refund (or late consequence),
    the new booking and its spend, two audit lines (``move_out`` on the old booking,
    ``move_in`` on the new), ``BookingMoved``, and the waitlist's events for the freed place.
    Credits carry over: the old booking's credits come back (unless a late move forfeits
    them), then the new class is paid, so a dearer class needs the difference.
    Rules: a move out of a class inside its late-cancel window is a late cancel of it
    (``policies.cancel_terms``, issue 11's fair rules): refused with ``LateMoveNeedsConsent``
    unless ``accept_late``. The overlap check of the new booking ignores the booking moved.
    Errors, with nothing written: ``NotFound`` (booking or class), ``NotCancellable`` (the
    old booking is not confirmed or its class has started), ``AlreadyBooked`` (already in
    the target class, or the target is the same class), ``ClassFull``, ``NoCredits``,
    ``OutsideBookingWindow``, ``SessionNotBookable``, ``OverlapsBooking``, ``LateMoveNeedsConsent``.
    """
    old, old_class = cancellable(session, booking_id)
    if old.session_id == to_session_id:
        raise AlreadyBooked(old.id)
    policy = load_policy(session)
    now = clock.now()
    terms = terms_now(session, policy, old, old_class, now)
    before = audit.snapshot(old)
    fee_events = release(session, old, terms, actor, now, why="move")
    booked = book(
        session, old.client_id, to_session_id, source=source, actor=actor, allow_overlap=allow_overlap or False
    )
    if terms.late and not accept_late:  # the move could go ahead: now ask the client to agree
        raise LateMoveNeedsConsent(old.id, terms, to_session_id)
    new = booked.booking
    moved = _moved(session, old, new, before, terms, fee_events, actor=actor, source=source)
    freed = waitlist.spot_freed(session, old_class, policy)
    record(session, freed)
    return MoveResult(
        old,
        new,
        terms,
        credits.balance(session, old.client_id),
        booked.free_cancel_until,
        [*booked.events, *fee_events, moved, *freed],
    )


@use_case
def move_appointment(
    session: Session,
    booking_id: int,
    *,
    class_type_id: int,
    staff_id: int,
    location_id: int,
    starts_at: datetime,
    accept_late: bool = False,
    actor: str,
    source: str = "sms",
    allow_overlap: bool = False,
) -> MoveResult:
    """Use case: move the 1:1 appointment booking ``booking_id`` to another free slot (with
    ``staff_id`` at ``location_id`` from ``starts_at``, UTC). The caller commits.

    As ``move_booking``, both or neither: the old booking is released by the cancel rules
    (refunded in time; inside the late-cancel window a late cancel, refused with
    ``LateMoveNeedsConsent`` unless ``accept_late``), its appointment is cancelled so the
    instructor is free again, then the new slot is booked by ``book_appointment``'s rules
    (credits carried: the old credits come back first unless forfeited). Audited
    (``move_out``/``move_in``) with ``BookingMoved``.
    Errors, with nothing written: ``NotFound``, ``NotCancellable`` (not confirmed, started),
    ``SlotUnavailable`` (not a 1:1, or the new slot isn't free), ``AlreadyBooked`` (the same
    slot), ``OutsideBookingWindow``, ``OverlapsBooking``, ``NoCredits``, ``LateMoveNeedsConsent``.
    """
    old, old_session = cancellable(session, booking_id)
    if old_session.kind != "appointment":
        raise SlotUnavailable("that booking is a class, not a 1:1 appointment: move it with move_booking")
    if (old_session.instructor_id, old_session.starts_at, old_session.class_type_id) == (
        staff_id,
        starts_at,
        class_type_id,
    ):
        raise AlreadyBooked(old.id)
    policy = load_policy(session)
    now = clock.now()
    terms = terms_now(session, policy, old, old_session, now)
    before = audit.snapshot(old)
    fee_events = release(session, old, terms, actor, now, why="move")
    old_session.status, old_session.cancel_reason = "cancelled", "1:1 moved by the client"
    session.flush()
    new = book_appointment(
        session,
        old.client_id,
        class_type_id,
        staff_id,
        location_id,
        starts_at,
        source=source,
        actor=actor,
        allow_overlap=allow_overlap,
    )
    if terms.late and not accept_late:  # the move could go ahead: now ask the client to agree
        raise LateMoveNeedsConsent(old.id, terms, new.session_id)
    moved = _moved(session, old, new, before, terms, fee_events, actor=actor, source=source)
    new_session = session.get(ClassSession, new.session_id)
    assert new_session is not None, "the appointment just booked exists"
    return MoveResult(
        old,
        new,
        terms,
        credits.balance(session, old.client_id),
        free_cancel_deadline(policy, new_session),
        [*fee_events, moved],
    )


def _moved(
    session: Session,
    old: Booking,
    new: Booking,
    before: dict,
    terms: CancelTerms,
    fee_events: list[Event],
    *,
    actor: str,
    source: str,
) -> BookingMoved:
    """What every move does once both halves stand: the old booking's reminders held, one
    audit row per half (``move_out`` / ``move_in``, each naming the other), and
    ``BookingMoved`` recorded after any fee events."""
    _skip_stale_reminders(session, old.id)
    audit.record(
        session,
        actor=actor,
        action="move_out",
        entity="booking",
        entity_id=old.id,
        before=before,
        after={**audit.snapshot(old), "moved_to_booking": new.id, "late": terms.late},
    )
    audit.record(
        session,
        actor=actor,
        action="move_in",
        entity="booking",
        entity_id=new.id,
        after={**audit.snapshot(new), "moved_from_booking": old.id},
    )
    moved = BookingMoved(old.client_id, old.id, new.id, old.session_id, new.session_id, source)
    record(session, [*fee_events, moved])
    return moved


def _skip_stale_reminders(session: Session, booking_id: int) -> None:
    """A reminder of the old booking still waiting to go (quiet hours, say) names a class the
    client left: it is skipped now (the send-time rule would drop it too: the booking is no
    longer confirmed). The new booking gets its own reminders (``reminder:<h>h:booking:<new>``)."""
    waiting = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == "pending",
            OutboxMessage.dedupe_key.like(f"reminder:%:booking:{booking_id}%"),
        )
    ).all()
    for row in waiting:
        if row.dedupe_key.split(":")[3] == str(booking_id):  # reminder:<h>h:booking:<id>[:move:<n>]
            row.status, row.error_message = "skipped", "the booking was moved to another class"


__all__ = ["LateMoveNeedsConsent", "MoveResult", "move_appointment", "move_booking"]
