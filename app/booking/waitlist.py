"""The waitlist, in the studio's chosen mode.

- ``offer``: a freed spot is held for the next in line, who has the studio's minutes to
  claim it; unanswered, it passes to the next.
- ``auto``: the next in line is booked into the freed spot at once.
- ``broadcast``: everyone waiting is told; the first to claim gets it.
In every mode a client who cannot pay (no credits, expired pack), who cannot be texted
(opted out on every channel they use) or who is booked into a class at the same time is
skipped with a note rather than offered a spot they cannot take.

An offer's claim window starts when its text actually goes (quiet hours may hold it
back): until then the spot is held for the client (``offer_sent_at`` is None), and the
text is re-checked just before it goes (``recheck_offer``, then ``offer_delivered``).
Within ``Policy.waitlist_cutoff_minutes`` of the class no offers go out: a freed spot is
left open for anyone to book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, rows, spots
from app.booking.atomic import use_case
from app.booking.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    BookingError,
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
    WaitlistDropped,
    WaitlistEnrolled,
    WaitlistOffered,
    WaitlistSkipped,
    record,
)
from app.booking.events import (
    OfferExpired as OfferExpiredEvent,
)
from app.booking.policies import in_quiet_hours, load_policy, quiet_end
from app.models import (
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    Client,
    CreditEntry,
    Policy,
    WaitlistEntry,
)

UNREACHABLE = "no way to text you (opted out)"
OVERLAP = "a booking at the same time"


class WaitlistClosed(BookingError):
    """Inside the studio's waitlist cutoff: no more offers go out, so nobody joins the list
    (a spot that frees up is open for anyone to book)."""

    def __init__(self, session_id: int, minutes: int) -> None:
        super().__init__(f"the waitlist for session {session_id} has closed ({minutes} minutes before class)")
        self.session_id = session_id
        self.minutes = minutes


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
    policy = load_policy(session)
    if inside_cutoff(policy, class_session, now):
        raise WaitlistClosed(session_id, policy.waitlist_cutoff_minutes)
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
    ``SpotTaken`` when someone else claimed first. An offer whose text has not gone yet
    (quiet hours) is the client's all the same: the spot is held for them.
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
    if inside_cutoff(policy, class_session, now):  # too close to the class: open for anyone to book
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
            session.flush()
            events += _drop_overlapping(session, entry.client_id, class_session, policy, now)
        else:
            _make_offer(entry, now)
            events.append(
                WaitlistOffered(
                    entry.id, entry.client_id, class_session.id, _offer_deadline(policy, class_session, now)
                )
            )
        session.flush()


def _make_offer(entry: WaitlistEntry, now: datetime) -> None:
    """Offered, the text not yet sent: no deadline until it goes (``offer_delivered``)."""
    entry.status, entry.offered_at = "offered", now
    entry.offer_sent_at = entry.offer_expires_at = None


def _offer_deadline(policy: Policy, class_session: ClassSession, at: datetime) -> datetime:
    """An offer sent at ``at`` lasts the studio's minutes, but never into the waitlist cutoff
    (from then the spot is open to anyone) and never past the class start."""
    cutoff = class_session.starts_at - timedelta(minutes=policy.waitlist_cutoff_minutes or 0)
    return max(at, min(at + timedelta(minutes=policy.waitlist_offer_minutes), cutoff))


def inside_cutoff(policy: Policy, class_session: ClassSession, now: datetime) -> bool:
    """Within ``waitlist_cutoff_minutes`` of the class start: no more offers go out."""
    return now >= class_session.starts_at - timedelta(minutes=policy.waitlist_cutoff_minutes or 0)


def reachable(client: Client | None) -> bool:
    """Can the studio text this client at all? Not when they opted out on every channel they
    use: SMS, and WhatsApp once they have written to us there."""
    if client is None:
        return False
    if client.sms_opted_out_at is None:
        return True
    return client.last_whatsapp_inbound_at is not None and client.whatsapp_opted_out_at is None


def skip_reason(session: Session, client_id: int, class_session: ClassSession) -> str | None:
    """Why this client must not be offered a spot in ``class_session`` (None: they may).
    ``UNREACHABLE``, ``OVERLAP`` or why they cannot pay."""
    if not reachable(session.get(Client, client_id)):
        return UNREACHABLE
    if spots.overlapping_booking(session, client_id, class_session) is not None:
        return OVERLAP
    return spots.can_pay(session, client_id, class_session)


def _skip(entry: WaitlistEntry, reason: str, now: datetime) -> WaitlistSkipped:
    entry.status, entry.note, entry.resolved_at = "skipped", f"skipped: {reason}", now
    entry.offered_at = entry.offer_sent_at = entry.offer_expires_at = None
    return WaitlistSkipped(entry.id, entry.client_id, entry.session_id, reason)


def _next_payable(session: Session, class_session: ClassSession, events: list[Event]) -> WaitlistEntry | None:
    waiting = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.session_id == class_session.id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
    ).all()
    for entry in waiting:
        reason = skip_reason(session, entry.client_id, class_session)
        if reason is None:
            return entry
        events.append(_skip(entry, reason, clock.now()))
    return None


def _drop_overlapping(
    session: Session, client_id: int, class_session: ClassSession, policy: Policy, now: datetime
) -> list[Event]:
    """Auto mode: booked into ``class_session``, the client comes off their other waitlists for
    classes at the same time (one text says so); an offer one of them held passes on."""
    others = session.scalars(
        select(WaitlistEntry)
        .join(ClassSession, ClassSession.id == WaitlistEntry.session_id)
        .where(
            WaitlistEntry.client_id == client_id,
            WaitlistEntry.status.in_(OPEN_WAITLIST),
            WaitlistEntry.session_id != class_session.id,
            ClassSession.starts_at < class_session.ends_at,
            ClassSession.ends_at > class_session.starts_at,
        )
        .order_by(ClassSession.starts_at, WaitlistEntry.id)
    ).all()
    if not others:
        return []
    events: list[Event] = [
        WaitlistDropped(client_id, class_session.id, tuple(e.id for e in others), tuple(e.session_id for e in others))
    ]
    held = []
    for other in others:
        if other.status == "offered":
            held.append(other.session_id)
        other.status, other.resolved_at = "closed", now
        other.note = f"dropped: booked into session {class_session.id} at the same time"
    session.flush()
    for session_id in held:
        events += spot_freed(session, spots.lock_session(session, session_id), policy)
    return events


def _broadcast(session: Session, class_session: ClassSession, policy: Policy, now) -> list[Event]:
    free = class_session.capacity - spots.booked_count(session, class_session.id)
    if free <= 0:
        return []
    events: list[Event] = []
    deadline = _offer_deadline(policy, class_session, now)
    entries = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.session_id == class_session.id, WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.id)
    ).all()
    for entry in entries:  # those already offered keep their offer (its text is on its way or was sent)
        reason = skip_reason(session, entry.client_id, class_session)
        if reason is not None:
            events.append(_skip(entry, reason, now))
            continue
        _make_offer(entry, now)
        events.append(WaitlistOffered(entry.id, entry.client_id, class_session.id, deadline, broadcast=True))
    session.flush()
    return events


def _close_broadcast(session: Session, session_id: int) -> list[Event]:
    """The last spot went: everyone else offered goes back to waiting and is told."""
    events: list[Event] = []
    for entry in session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.session_id == session_id, WaitlistEntry.status == "offered")
    ):
        was_sent = entry.offer_sent_at is not None
        entry.status, entry.offered_at, entry.offer_sent_at, entry.offer_expires_at = "waiting", None, None, None
        if was_sent:  # an offer never texted is simply taken back
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

    Only an offer whose text went out lapses (its client is told; "passed on" only when
    someone else got the spot). An offer still waiting for its text is withdrawn when it can
    no longer go (``recheck_offer``: the class started, the cutoff, the client opted out).
    Runs in one studio's session (the policy is the studio's).
    """
    now = clock.now()
    policy = load_policy(session)
    events: list[Event] = []
    unsent = session.scalars(
        select(WaitlistEntry.id)
        .where(WaitlistEntry.status == "offered", WaitlistEntry.offer_sent_at.is_(None))
        .order_by(WaitlistEntry.session_id, WaitlistEntry.id)
    ).all()
    for entry_id in unsent:
        if _withdrawable(session, entry_id, now, policy):
            events += _recheck(session, entry_id, now, policy)[1]
    lapsed = session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.status == "offered",
            WaitlistEntry.offer_sent_at.is_not(None),
            WaitlistEntry.offer_expires_at <= now,
        )
        .order_by(WaitlistEntry.session_id, WaitlistEntry.id)
    ).all()
    for session_id in sorted({e.session_id for e in lapsed}):
        class_session = spots.lock_session(session, session_id)
        expired: list[WaitlistEntry] = []
        for entry in lapsed:
            if entry.session_id != session_id:
                continue
            session.refresh(entry)
            if entry.status != "offered":
                continue
            entry.status, entry.resolved_at = "expired", now
            expired.append(entry)
        passed: list[Event] = []
        if policy.waitlist_mode != "broadcast":
            session.flush()
            passed = spot_freed(session, class_session, policy)
        passed_on = any(isinstance(e, (WaitlistOffered, WaitlistEnrolled)) for e in passed)
        events += [OfferExpiredEvent(e.id, e.client_id, session_id, passed_on=passed_on) for e in expired]
        events += passed
    record(session, events)
    return events


def offer_deadline(session: Session, entry: WaitlistEntry, at: datetime) -> datetime:
    """When an offer whose text goes at ``at`` runs out: the studio's minutes from then, never past the class."""
    return _offer_deadline(load_policy(session), rows.row(session, ClassSession, entry.session_id), at)


@use_case
def recheck_offer(session: Session, entry_id: int, now: datetime | None = None) -> str | None:
    """Use case, just before an offer's text goes: None when it may go; otherwise why not,
    with the offer already withdrawn and the spot freed by the rules (the next in line is
    offered it, or inside the cutoff it is left open). The caller commits.

    An offer is withdrawn when the class has started or been cancelled (closed), inside the
    waitlist cutoff (back to waiting, the spot open to anyone), or when the client can no
    longer be texted or has booked a class at the same time (skipped, the next is offered)."""
    reason, events = _recheck(session, entry_id, now or clock.now(), load_policy(session))
    record(session, events)
    return reason


def _withdrawable(session: Session, entry_id: int, now: datetime, policy: Policy) -> bool:
    """A cheap look, without locks, at whether an unsent offer can no longer go."""
    entry = session.get(WaitlistEntry, entry_id)
    class_session = session.get(ClassSession, entry.session_id) if entry is not None else None
    if entry is None or class_session is None:
        return False
    return (
        class_session.status != "scheduled"
        or inside_cutoff(policy, class_session, now)
        or not reachable(session.get(Client, entry.client_id))
    )


def _recheck(session: Session, entry_id: int, now: datetime, policy: Policy) -> tuple[str | None, list[Event]]:
    entry = session.get(WaitlistEntry, entry_id)
    if entry is None:
        return "the waitlist entry is gone", []
    class_session = spots.lock_session(session, entry.session_id)
    session.refresh(entry)
    if entry.status != "offered":
        return f"the offer is no longer open ({entry.status})", []
    if entry.offer_sent_at is not None:
        return "the offer was already texted", []
    if class_session.status != "scheduled" or class_session.starts_at <= now:
        entry.status, entry.resolved_at = "closed", now
        entry.note = "offer withdrawn before it was texted: the class started or was cancelled"
        return "the class has started or was cancelled", []
    if inside_cutoff(policy, class_session, now):
        entry.status, entry.offered_at = "waiting", None
        entry.note = "offer withdrawn before it was texted: inside the waitlist cutoff"
        session.flush()
        return "inside the waitlist cutoff: the spot is open to anyone", spot_freed(session, class_session, policy)
    client = session.get(Client, entry.client_id)
    reason = None
    if not reachable(client):
        reason = UNREACHABLE
    elif spots.overlapping_booking(session, entry.client_id, class_session) is not None:
        reason = OVERLAP
    if reason is None:
        return None, []
    events: list[Event] = [_skip(entry, reason, now)]
    session.flush()
    return f"skipped: {reason}", events + spot_freed(session, class_session, policy)


@use_case
def offer_delivered(session: Session, entry_id: int, at: datetime) -> datetime | None:
    """Use case: the offer's text went at ``at``, so its claim window starts now. Returns the
    deadline (None when the offer is no longer open). The caller commits."""
    entry = session.get(WaitlistEntry, entry_id)
    if entry is None or entry.status != "offered" or entry.offer_sent_at is not None:
        return None
    entry.offer_sent_at = at
    entry.offer_expires_at = offer_deadline(session, entry, at)
    session.flush()
    return entry.offer_expires_at


def refill_possible(session: Session, class_session: ClassSession, policy: Policy, tz: str, now: datetime) -> bool:
    """Could a late cancel's spot still be refilled from the waitlist, so fill-to-forgive could
    forgive it? Only when the studio forgives refills, someone is waiting, and an offer could
    still go out before the waitlist cutoff (quiet hours hold offers back until they end).
    What the cancel reply may promise (``Words.late_cancelled``)."""
    if not policy.fill_to_forgive or spots.waiting_count(session, class_session.id) == 0:
        return False
    first_offer = now
    if policy.quiet_start is not None and policy.quiet_end is not None:
        if in_quiet_hours(now.astimezone(ZoneInfo(tz)).time(), policy.quiet_start, policy.quiet_end):
            first_offer = quiet_end(now, tz, policy.quiet_start, policy.quiet_end)
    return not inside_cutoff(policy, class_session, first_offer)
