"""Booking and cancelling: the use cases that change who is in a class."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, spots, waitlist
from app.booking.atomic import use_case
from app.booking.errors import (
    AlreadyBooked,
    ClassFull,
    NotCancellable,
    NotFound,
    OutsideBookingWindow,
    OverlapsBooking,
    SessionNotBookable,
)
from app.booking.events import Event, FeeCharged, SessionCancelled, record
from app.booking.policies import (
    CancelTerms,
    cancel_terms,
    free_cancel_deadline,
    load_policy,
)
from app.models import (
    ACTIVE_BOOKING,
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    Client,
    Policy,
    WaitlistEntry,
)


@dataclass
class BookingResult:
    booking: Booking
    balance: credits.Balance
    free_cancel_until: datetime
    events: list[Event] = field(default_factory=list)


@dataclass
class CancelResult:
    booking: Booking
    terms: CancelTerms
    balance: credits.Balance
    events: list[Event] = field(default_factory=list)


class LateCancelNeedsConsent(NotCancellable):
    """A late cancel has a cost; the client must agree to it first (``accept_late=True``)."""

    def __init__(self, booking_id: int, terms: CancelTerms) -> None:
        super().__init__(booking_id, "late cancel: the client must agree to the penalty")
        self.terms = terms


@use_case
def book(
    session: Session,
    client_id: int,
    session_id: int,
    *,
    source: str = "sms",
    actor: str | None = None,
    allow_overlap: bool = False,
) -> BookingResult:
    """Use case: book a client into a class. The caller commits.

    Checks, in order: the session exists and is on, the booking window, the client,
    an existing booking, a booking of theirs at the same time (the studio's
    ``overlap_rule``: allow; ask, so the client agrees and the caller passes
    ``allow_overlap=True``; or refuse), capacity (spots held for waitlist offers count
    as taken, unless the offer is this client's: then booking claims it), and payment.
    Raises ``ClassFull`` (with the waitlist size, so the caller can offer it),
    ``OutsideBookingWindow``, ``SessionNotBookable``, ``AlreadyBooked``,
    ``OverlapsBooking``, ``NoCredits``.
    """
    now = clock.now()
    class_session = spots.lock_session(session, session_id)
    policy = load_policy(session)
    if class_session.status != "scheduled":
        raise SessionNotBookable(session_id, "the class has been cancelled")
    if class_session.starts_at <= now:
        raise SessionNotBookable(session_id, "the class has already started")
    opens_at = class_session.starts_at - timedelta(days=policy.booking_window_days)
    if now < opens_at:
        raise OutsideBookingWindow(opens_at, f"booking opens {policy.booking_window_days} days before the class")
    if session.get(Client, client_id) is None:
        raise NotFound("client", client_id)
    existing = spots.active_booking(session, client_id, session_id)
    if existing is not None:
        raise AlreadyBooked(existing.id)
    rule = policy.overlap_rule or "ask"
    if rule == "refuse" or (rule == "ask" and not allow_overlap):
        clash = spots.overlapping_booking(session, client_id, class_session)
        if clash is not None:
            raise OverlapsBooking(clash.id, clash.session_id, rule)
    entry = waitlist.open_entry(session, client_id, session_id)
    if (
        entry is not None
        and entry.status == "offered"
        # no expiry yet: its text has not gone (quiet hours), and the spot is held for them
        and (entry.offer_expires_at is None or entry.offer_expires_at > now)
    ):
        claimed = waitlist.claim(session, client_id, session_id, source=source, actor=actor)
        return BookingResult(
            claimed.booking,
            credits.balance(session, client_id),
            free_cancel_deadline(policy, class_session),
            claimed.events,
        )
    taken = spots.taken(session, session_id, now, count_held=policy.waitlist_mode != "broadcast")
    if taken >= class_session.capacity:
        raise ClassFull(session_id, spots.waiting_count(session, session_id))
    booking = spots.enrol(session, client_id, class_session, source=source, actor=actor)
    events: list[Event] = []
    if entry is None:  # an offer of theirs that lapsed: they still came off this waitlist
        entry = waitlist.current_offer(session, client_id, session_id)
        entry = entry if entry is not None and entry.status == "expired" else None
    if entry is not None:  # a waitlisted client takes the spot: the wait ends, and a refill forgives
        if entry.status != "expired":
            entry.status, entry.resolved_at = "claimed", now
        entry.booking_id = booking.id
        events = waitlist.forgive_late_cancel(session, class_session, policy)
        record(session, events)
    return BookingResult(
        booking, credits.balance(session, client_id), free_cancel_deadline(policy, class_session), events
    )


def cancellable(session: Session, booking_id: int) -> tuple[Booking, ClassSession]:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking", booking_id)
    class_session = spots.lock_session(session, booking.session_id)
    session.refresh(booking)
    if booking.status != "confirmed":
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    if class_session.starts_at <= clock.now():
        raise NotCancellable(booking_id, "the class has already started")
    return booking, class_session


def preview_cancel(session: Session, booking_id: int) -> CancelTerms:
    """What cancelling now would cost, without cancelling (for the bot to ask YES).
    Changes nothing; the class stays locked until the caller's transaction ends."""
    booking, class_session = cancellable(session, booking_id)
    return terms_now(session, load_policy(session), booking, class_session, clock.now())


def terms_now(
    session: Session, policy: Policy, booking: Booking, class_session: ClassSession, now: datetime
) -> CancelTerms:
    """``policies.cancel_terms``, and free inside an auto-enrolment's grace (``enrolment_grace``)."""
    terms = cancel_terms(policy, class_session, booking.credits_spent, now, booked_at=booking.booked_at)
    if terms.late and enrolment_grace(session, booking, policy, now):
        return CancelTerms(
            False, enrolment_grace_until(session, booking, policy) or now, "refund", booking.credits_spent, Decimal("0")
        )
    return terms


def _enrolment(session: Session, booking: Booking) -> WaitlistEntry | None:
    """The waitlist entry a booking made by auto-enrolment came from (None for any other booking)."""
    if booking.source != "waitlist":
        return None
    return session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.booking_id == booking.id).order_by(WaitlistEntry.id.desc())
    ).first()


def enrolment_grace_until(session: Session, booking: Booking, policy: Policy) -> datetime | None:
    """When the free-cancel grace of an auto-enrolled booking ends: ``waitlist_offer_minutes``
    after its enrolment text went. None when it is no auto-enrolment or the text has not gone."""
    entry = _enrolment(session, booking)
    if entry is None or entry.offer_sent_at is None:
        return None
    return entry.offer_sent_at + timedelta(minutes=policy.waitlist_offer_minutes or 0)


def enrolment_grace(session: Session, booking: Booking, policy: Policy, now: datetime) -> bool:
    """An auto-enrolled booking (the client did not choose it at that moment) may be cancelled
    free until ``waitlist_offer_minutes`` after its enrolment text went, and while it has not
    gone yet (quiet hours): a client never pays for a booking they could not yet undo."""
    entry = _enrolment(session, booking)
    if entry is None:
        return False
    if entry.offer_sent_at is None:
        return True
    until = enrolment_grace_until(session, booking, policy)
    return until is not None and now <= until


@use_case
def enrolment_texted(session: Session, entry_id: int, at: datetime) -> None:
    """Use case: the "you're booked" text of an auto-enrolment went at ``at``, so its free-cancel
    grace starts now (kept in ``WaitlistEntry.offer_sent_at``). Once only. The caller commits."""
    entry = session.get(WaitlistEntry, entry_id)
    if entry is None or entry.booking_id is None or entry.offer_sent_at is not None:
        return
    entry.offer_sent_at = at
    session.flush()


@use_case
def cancel(session: Session, booking_id: int, *, accept_late: bool = False, actor: str | None = None) -> CancelResult:
    """Use case: the client cancels. The caller commits.

    In the window: refunded. Late: the studio's rule (forfeit the credit, a fee with the
    credit back, or nothing) applies, and only with ``accept_late=True``; otherwise
    ``LateCancelNeedsConsent`` carries the terms to put to the client.
    The freed spot goes to the waitlist in the same transaction.
    """
    booking, class_session = cancellable(session, booking_id)
    policy = load_policy(session)
    now = clock.now()
    terms = terms_now(session, policy, booking, class_session, now)
    if terms.late and not accept_late:
        raise LateCancelNeedsConsent(booking_id, terms)
    record(session, release(session, booking, terms, actor, now))
    events = waitlist.spot_freed(session, class_session, policy)
    record(session, events)
    return CancelResult(booking, terms, credits.balance(session, booking.client_id), events)


def release(
    session: Session, booking: Booking, terms: CancelTerms, actor: str | None, now: datetime, *, why: str = "cancel"
) -> list[Event]:
    """The ledger side of a client's cancel (or move, ``why="move"``), by ``terms``: in time,
    refunded (``cancelled``); late (``late_cancelled``), the studio's rule: the credit kept,
    or back with a fee, or back. Returns the ``FeeCharged`` to record (not recorded here:
    ``move_booking`` records it only once the new booking stands). Flushes."""
    booking.cancelled_at = now
    events: list[Event] = []
    if not terms.late:
        booking.status = "cancelled"
        credits.record_refund(session, booking, "cancelled in time" if why == "cancel" else "moved in time", actor)
    else:
        booking.status = "late_cancelled"
        if terms.consequence == "forfeit_credit":
            credits.record_forfeit(session, booking, f"late {why}: credit kept", actor)
        else:
            credits.record_refund(session, booking, f"late {why} ({terms.consequence})", actor)
        if terms.consequence == "fee" and terms.fee > 0:
            credits.record_fee(session, booking, terms.fee, f"late {why} fee", actor)
            events.append(FeeCharged(booking.id, booking.client_id, terms.fee, "late_cancel"))
    session.flush()
    return events


@use_case
def cancel_session(session: Session, session_id: int, *, reason: str, actor: str | None = None) -> SessionCancelled:
    """Use case: the studio cancels a class. Everyone booked is refunded in full, the
    waitlist is closed; the event names who must be told. The caller commits."""
    class_session = spots.lock_session(session, session_id)
    if class_session.status == "cancelled":
        raise SessionNotBookable(session_id, "the class is already cancelled")
    now = clock.now()
    class_session.status, class_session.cancel_reason = "cancelled", reason
    bookings = session.scalars(
        select(Booking).where(Booking.session_id == session_id, Booking.status == "confirmed")
    ).all()
    for booking in bookings:
        booking.status, booking.cancelled_at = "cancelled", now
        credits.record_refund(session, booking, f"class cancelled by the studio: {reason}", actor)
    entries = session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.session_id == session_id, WaitlistEntry.status.in_(OPEN_WAITLIST))
    ).all()
    for entry in entries:
        entry.status, entry.resolved_at, entry.note = "closed", now, "class cancelled"
    event = SessionCancelled(session_id, tuple(b.id for b in bookings), tuple(e.id for e in entries))
    record(session, [event])
    return event


def upcoming_bookings(session: Session, client_id: int) -> list[Booking]:
    """The client's confirmed bookings that have not started, soonest first."""
    return list(
        session.scalars(
            select(Booking)
            .join(ClassSession, ClassSession.id == Booking.session_id)
            .where(Booking.client_id == client_id, Booking.status == "confirmed", ClassSession.starts_at > clock.now())
            .order_by(ClassSession.starts_at)
        )
    )


__all__ = [
    "ACTIVE_BOOKING",
    "BookingResult",
    "CancelResult",
    "LateCancelNeedsConsent",
    "book",
    "cancel",
    "cancel_session",
    "enrolment_grace",
    "enrolment_grace_until",
    "enrolment_texted",
    "preview_cancel",
    "release",
    "upcoming_bookings",
]
