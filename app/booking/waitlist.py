"""The waitlist, in the studio's chosen mode.

- ``offer``: a freed spot is held for the next in line, who has the studio's minutes to
  claim it; unanswered, it passes to the next.
- ``auto``: the next in line is booked into the freed spot at once.
- ``broadcast``: everyone waiting is told; the first to claim gets it.
In every mode a client who cannot pay (no credits, expired pack) is skipped with a note
rather than offered a spot they cannot take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, spots
from app.booking.atomic import use_case
from app.booking.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    NoOffer,
    NotFound,
    OfferExpired,
    SessionNotBookable,
    SpotTaken,
    WaitlistNotNeeded,
)
from app.booking.events import (
    Event,
    PenaltyWaived,
    SpotGone,
    WaitlistEnrolled,
    WaitlistOffered,
    WaitlistSkipped,
    record,
)
from app.booking.events import (
    OfferExpired as OfferExpiredEvent,
)
from app.booking.policies import load_policy
from app.models import (
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    Client,
    CreditEntry,
    Policy,
    WaitlistEntry,
)


@dataclass
class JoinResult:
    entry: WaitlistEntry
    position: int


@dataclass
class ClaimResult:
    booking: Booking
    events: list[Event] = field(default_factory=list)


def position(session: Session, entry: WaitlistEntry) -> int:
    """1 for the next in line. Order is join order."""
    ahead = session.scalars(
        select(WaitlistEntry.id).where(
            WaitlistEntry.session_id == entry.session_id,
            WaitlistEntry.status.in_(OPEN_WAITLIST),
            WaitlistEntry.id < entry.id,
        )
    ).all()
    return len(ahead) + 1


def open_entry(session: Session, client_id: int, session_id: int) -> WaitlistEntry | None:
    return session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.client_id == client_id,
            WaitlistEntry.session_id == session_id,
            WaitlistEntry.status.in_(OPEN_WAITLIST),
        )
    ).first()


@use_case
def join(session: Session, client_id: int, session_id: int) -> JoinResult:
    """Use case: put the client on a full session's waitlist; the caller commits."""
    now = clock.now()
    class_session = spots.lock_session(session, session_id)
    if class_session.status != "scheduled":
        raise SessionNotBookable(session_id, "the class has been cancelled")
    if class_session.starts_at <= now:
        raise SessionNotBookable(session_id, "the class has already started")
    if session.get(Client, client_id) is None:
        raise NotFound("client", client_id)
    booked = spots.active_booking(session, client_id, session_id)
    if booked is not None:
        raise AlreadyBooked(booked.id)
    existing = open_entry(session, client_id, session_id)
    if existing is not None:
        raise AlreadyWaitlisted(existing.id, position(session, existing))
    free = class_session.capacity - spots.taken(session, session_id, now)
    if free > 0:
        raise WaitlistNotNeeded(session_id, free)
    entry = WaitlistEntry(session_id=session_id, client_id=client_id, status="waiting", joined_at=now)
    session.add(entry)
    session.flush()
    result = JoinResult(entry, position(session, entry))
    return result


@use_case
def leave(session: Session, client_id: int, session_id: int) -> WaitlistEntry:
    """Use case: take the client off the waitlist; an offer they held passes on. The caller commits."""
    class_session = spots.lock_session(session, session_id)
    entry = open_entry(session, client_id, session_id)
    if entry is None:
        raise NotFound("waitlist entry", (client_id, session_id))
    was_offered = entry.status == "offered"
    entry.status = "left"
    entry.resolved_at = clock.now()
    if was_offered:
        record(session, spot_freed(session, class_session, load_policy(session)))
    return entry


def current_offer(session: Session, client_id: int, session_id: int | None = None) -> WaitlistEntry | None:
    """The client's newest offer, live or lapsed (the caller decides what lapsed means)."""
    query = select(WaitlistEntry).where(
        WaitlistEntry.client_id == client_id,
        WaitlistEntry.offered_at.is_not(None),
        WaitlistEntry.status.in_(("offered", "expired")),
    )
    if session_id is not None:
        query = query.where(WaitlistEntry.session_id == session_id)
    return session.scalars(query.order_by(WaitlistEntry.offered_at.desc(), WaitlistEntry.id.desc())).first()


@use_case
def claim(
    session: Session, client_id: int, session_id: int | None = None, *, source: str = "sms", actor: str | None = None
) -> ClaimResult:
    """Use case: the client says YES to an offer. Books them, or says why not. The caller commits.

    Raises ``NoOffer``, ``OfferExpired`` (the spot has gone) or, in broadcast mode,
    ``SpotTaken`` when someone else claimed first.
    """
    now = clock.now()
    offer = current_offer(session, client_id, session_id)
    if offer is None:
        raise NoOffer()
    class_session = spots.lock_session(session, offer.session_id)
    session.refresh(offer)
    if offer.status == "expired" or (offer.offer_expires_at and offer.offer_expires_at <= now):
        raise OfferExpired(offer.id)
    if offer.status != "offered":
        raise NoOffer()
    policy = load_policy(session)
    free = class_session.capacity - spots.taken(
        session, class_session.id, now, except_client=client_id, count_held=policy.waitlist_mode != "broadcast"
    )
    if free <= 0:
        raise SpotTaken(class_session.id)
    booking = spots.enrol(session, client_id, class_session, source=source, actor=actor)
    offer.status = "claimed"
    offer.booking_id = booking.id
    offer.resolved_at = now
    events: list[Event] = []
    if policy.waitlist_mode == "broadcast" and free - 1 <= 0:
        events += _close_broadcast(session, class_session.id)
    events += forgive_late_cancel(session, class_session, policy)
    record(session, events)
    return ClaimResult(booking, events)


@use_case
def decline(session: Session, client_id: int, session_id: int | None = None) -> list[Event]:
    """Use case: the client says NO to an offer; it passes on at once. The caller commits."""
    offer = current_offer(session, client_id, session_id)
    if offer is None or offer.status != "offered":
        raise NoOffer()
    class_session = spots.lock_session(session, offer.session_id)
    offer.status = "declined"
    offer.resolved_at = clock.now()
    events = spot_freed(session, class_session, load_policy(session))
    record(session, events)
    return events


def spot_freed(session: Session, class_session: ClassSession, policy: Policy) -> list[Event]:
    """A place opened in ``class_session`` (the caller holds its lock). Joins the caller's transaction."""
    now = clock.now()
    if class_session.status != "scheduled" or class_session.starts_at <= now:
        return []
    if policy.waitlist_mode == "broadcast":
        return _broadcast(session, class_session, policy, now)
    events: list[Event] = []
    while True:
        free = class_session.capacity - spots.taken(session, class_session.id, now)
        if free <= 0:
            return events
        entry = _next_payable(session, class_session, events)
        if entry is None:
            return events
        if policy.waitlist_mode == "auto":
            booking = spots.enrol(session, entry.client_id, class_session, source="waitlist", actor="waitlist")
            entry.status, entry.booking_id, entry.resolved_at = "claimed", booking.id, now
            events.append(WaitlistEnrolled(entry.id, entry.client_id, class_session.id, booking.id))
            events += forgive_late_cancel(session, class_session, policy)
        else:
            entry.status, entry.offered_at = "offered", now
            entry.offer_expires_at = _offer_deadline(policy, class_session, now)
            events.append(WaitlistOffered(entry.id, entry.client_id, class_session.id, entry.offer_expires_at))
        session.flush()


def _offer_deadline(policy: Policy, class_session: ClassSession, now):
    """The offer lasts the studio's minutes, but never past the class start."""
    return min(now + timedelta(minutes=policy.waitlist_offer_minutes), class_session.starts_at)


def _next_payable(session: Session, class_session: ClassSession, events: list[Event]) -> WaitlistEntry | None:
    waiting = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.session_id == class_session.id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
    )
    for entry in waiting:
        reason = spots.can_pay(session, entry.client_id, class_session)
        if reason is None:
            return entry
        entry.status, entry.note, entry.resolved_at = "skipped", f"skipped: {reason}", clock.now()
        events.append(WaitlistSkipped(entry.id, entry.client_id, class_session.id, reason))
    return None


def _broadcast(session: Session, class_session: ClassSession, policy: Policy, now) -> list[Event]:
    free = class_session.capacity - spots.booked_count(session, class_session.id)
    if free <= 0:
        return []
    events: list[Event] = []
    deadline = _offer_deadline(policy, class_session, now)
    entries = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.session_id == class_session.id, WaitlistEntry.status.in_(OPEN_WAITLIST))
        .order_by(WaitlistEntry.id)
    ).all()
    for entry in entries:
        reason = spots.can_pay(session, entry.client_id, class_session)
        if reason is not None:
            entry.status, entry.note, entry.resolved_at = "skipped", f"skipped: {reason}", now
            events.append(WaitlistSkipped(entry.id, entry.client_id, class_session.id, reason))
            continue
        entry.status, entry.offered_at, entry.offer_expires_at = "offered", now, deadline
        events.append(WaitlistOffered(entry.id, entry.client_id, class_session.id, deadline, broadcast=True))
    session.flush()
    return events


def _close_broadcast(session: Session, session_id: int) -> list[Event]:
    """The last spot went: everyone else offered goes back to waiting and is told."""
    events: list[Event] = []
    for entry in session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.session_id == session_id, WaitlistEntry.status == "offered")
    ):
        entry.status, entry.offered_at, entry.offer_expires_at = "waiting", None, None
        events.append(SpotGone(entry.id, entry.client_id, session_id))
    return events


def forgive_late_cancel(session: Session, class_session: ClassSession, policy: Policy) -> list[Event]:
    """Fill-to-forgive: the spot was refilled from the waitlist, so the oldest unforgiven
    late cancel of this session gets its credit back or its fee waived."""
    if not policy.fill_to_forgive:
        return []
    late = session.scalars(
        select(Booking)
        .where(
            Booking.session_id == class_session.id,
            Booking.status == "late_cancelled",
            Booking.penalty_waived.is_(False),
        )
        .order_by(Booking.cancelled_at, Booking.id)
    ).first()
    if late is None:
        return []

    penalties = session.scalars(
        select(CreditEntry).where(CreditEntry.booking_id == late.id, CreditEntry.kind.in_(("forfeit", "fee")))
    ).all()
    late.penalty_waived = True
    for row in penalties:
        if row.kind == "forfeit":
            credits.record_refund(session, late, "late cancel forgiven: spot refilled", "fill-to-forgive")
        elif row.amount:
            credits.record_fee_waived(
                session, late, row.amount, "late cancel forgiven: spot refilled", "fill-to-forgive"
            )
    return [PenaltyWaived(late.id, late.client_id, class_session.id)]


@use_case
def expire_offers(session: Session) -> list[Event]:
    """Use case for the sweep: lapse offers past their time and pass each spot on. The caller commits.

    Runs in one studio's session (the policy is the studio's).
    """
    now = clock.now()
    policy = load_policy(session)
    lapsed = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.status == "offered", WaitlistEntry.offer_expires_at <= now)
        .order_by(WaitlistEntry.session_id, WaitlistEntry.id)
    ).all()
    events: list[Event] = []
    for session_id in sorted({e.session_id for e in lapsed}):
        class_session = spots.lock_session(session, session_id)
        for entry in lapsed:
            if entry.session_id != session_id:
                continue
            session.refresh(entry)
            if entry.status != "offered":
                continue
            entry.status, entry.resolved_at = "expired", now
            events.append(OfferExpiredEvent(entry.id, entry.client_id, session_id))
        if policy.waitlist_mode != "broadcast":
            session.flush()
            events += spot_freed(session, class_session, policy)
    record(session, events)
    return events
