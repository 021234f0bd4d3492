"""Changes the studio's staff make to a dated session: move it, cancel it, take its
attendance, each with its audit line.

Each is one use case in the caller's transaction: the session row is locked, the change
is made, the audit line and the texts to everyone booked (outbox rows, via the event)
are written; the caller commits once and kicks delivery after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.booking import attendance, rows, spots
from app.booking.atomic import use_case
from app.booking.booking import cancel_session
from app.booking.errors import (
    InvalidRequest,
    NotFound,
    SessionNotBookable,
    SlotUnavailable,
)
from app.booking.events import SessionCancelled, SessionMoved, record
from app.models import (
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    Location,
    OutboxMessage,
    Staff,
    WaitlistEntry,
)

REASON_MAX = 300
CHECK_IN_OPENS = timedelta(hours=1)  # before the start; a no-show only once the class has begun


@dataclass(frozen=True)
class Change:
    """What a change did: the event, and how many clients the outbox will text."""

    event: SessionMoved | SessionCancelled
    texted: int


def _texted(session: Session, prefix: str) -> int:
    return session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.dedupe_key.like(prefix + "%"))) or 0


@use_case
def move_session(
    session: Session,
    session_id: int,
    *,
    starts_at: datetime,
    location_id: int | None = None,
    instructor_id: int | None = None,
    actor: str,
) -> Change:
    """Use case: the studio moves a class to ``starts_at`` (aware; any zone), and
    optionally to another location or instructor. The caller commits.

    Refused, changing nothing: a cancelled or already started class (``SessionNotBookable``),
    a new time in the past or no change at all (``InvalidRequest``), an unknown location or
    instructor (``NotFound``), an instructor already teaching then (``SlotUnavailable``).
    The length of the class is kept. Everyone booked is texted the new time and may cancel
    free of charge until it starts; everyone waiting is told and stays on the list.
    """
    if starts_at.tzinfo is None:
        raise InvalidRequest("the new time must carry its timezone")
    class_session = spots.lock_session(session, session_id)
    now = clock.now()
    if class_session.status == "cancelled":
        raise SessionNotBookable(session_id, "the class is cancelled")
    if class_session.starts_at <= now:
        raise SessionNotBookable(session_id, "the class has already started")
    if starts_at <= now:
        raise InvalidRequest("the new time has already passed")
    location_id = location_id or class_session.location_id
    if session.get(Location, location_id) is None:
        raise NotFound("location", location_id)
    if instructor_id is None:
        instructor_id = class_session.instructor_id
    length = class_session.ends_at - class_session.starts_at
    ends_at = starts_at + length
    if (starts_at, location_id, instructor_id) == (
        class_session.starts_at,
        class_session.location_id,
        class_session.instructor_id,
    ):
        raise InvalidRequest("that is already when and where the class is")
    if instructor_id is not None:
        _check_instructor_free(session, class_session.id, instructor_id, starts_at, ends_at)

    before = audit.snapshot(class_session)
    old_start, old_location = class_session.starts_at, class_session.location_id
    class_session.starts_at, class_session.ends_at = starts_at, ends_at
    class_session.location_id, class_session.instructor_id = location_id, instructor_id
    class_session.moved_at = now
    class_session.move_count = (class_session.move_count or 0) + 1
    booking_ids = tuple(
        session.scalars(
            select(Booking.id)
            .where(Booking.session_id == session_id, Booking.status == "confirmed")
            .order_by(Booking.id)
        )
    )
    entry_ids = tuple(
        session.scalars(
            select(WaitlistEntry.id)
            .where(WaitlistEntry.session_id == session_id, WaitlistEntry.status.in_(OPEN_WAITLIST))
            .order_by(WaitlistEntry.id)
        )
    )
    event = SessionMoved(session_id, class_session.move_count, old_start, old_location, booking_ids, entry_ids)
    _hold_stale_reminders(session, booking_ids)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="move",
        entity="session",
        entity_id=session_id,
        before=before,
        after=audit.snapshot(class_session),
    )
    record(session, [event])
    texted = _texted(session, f"moved:{session_id}:{event.version}:")
    return Change(event, texted)


def _hold_stale_reminders(session: Session, booking_ids: tuple[int, ...]) -> None:
    """A reminder still waiting to go (quiet hours, say) names the old time: it must not go."""
    if not booking_ids:
        return
    ids = {str(b) for b in booking_ids}
    waiting = session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.dedupe_key.like("reminder:%"))
    ).all()
    for row in waiting:
        if row.dedupe_key.split(":")[3] in ids:  # reminder:<h>h:booking:<id>[:move:<n>]
            row.status, row.error_message = "skipped", "the class was moved: the move text went instead"


def _check_instructor_free(
    session: Session, session_id: int, instructor_id: int, start: datetime, end: datetime
) -> None:
    """Lock the instructor (as booking a 1:1 does) and refuse an overlap with any other
    class or appointment they teach that is not cancelled."""
    staff = session.scalars(select(Staff).where(Staff.id == instructor_id).with_for_update()).first()
    if staff is None or not staff.active:
        raise NotFound("instructor", instructor_id)
    clash = session.scalars(
        select(ClassSession)
        .where(
            ClassSession.instructor_id == instructor_id,
            ClassSession.id != session_id,
            ClassSession.status == "scheduled",
            ClassSession.starts_at < end,
            ClassSession.ends_at > start,
        )
        .order_by(ClassSession.starts_at)
    ).first()
    if clash is not None:
        raise SlotUnavailable(f"{staff.name} is already teaching then")


@use_case
def cancel_by_studio(session: Session, session_id: int, *, reason: str, actor: str) -> Change:
    """Use case: the studio cancels a class (``booking.cancel_session``: everyone booked is
    refunded and texted, the waitlist closed and told), with its audit line. The caller commits."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidRequest("say why the class is cancelled: clients see the reason")
    if len(reason) > REASON_MAX:
        raise InvalidRequest(f"keep the reason under {REASON_MAX} characters")
    class_session = session.get(ClassSession, session_id)
    if class_session is None:
        raise NotFound("session", session_id)
    with _audited(session, class_session, actor=actor, action="cancel", entity="session"):
        event = cancel_session(session, session_id, reason=reason, actor=actor)
    return Change(event, _texted(session, f"session_cancelled:{session_id}:"))


@use_case
def mark_attendance(session: Session, session_id: int, booking_id: int, *, present: bool, actor: str) -> Booking:
    """Use case: check a client in (``present``, from an hour before the start) or mark a
    no-show (once it has started; its penalty waits for the review window to close), on
    that session's roster, with its audit line. The caller commits."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.session_id != session_id:
        raise NotFound("booking", booking_id)
    starts_at = rows.row(session, ClassSession, session_id).starts_at
    now = clock.now()
    if present and now < starts_at - CHECK_IN_OPENS:
        raise InvalidRequest("check-in opens an hour before the class")
    if not present and now < starts_at:
        raise InvalidRequest("the class hasn't started yet")
    with _audited(session, booking, actor=actor, action="check_in" if present else "no_show", entity="booking"):
        if present:
            return attendance.check_in(session, booking_id, actor=actor)
        return attendance.mark_no_show(session, booking_id, actor=actor)


@use_case
def waive_no_show(session: Session, session_id: int, booking_id: int, *, actor: str) -> Booking:
    """Use case: waive a no-show on that session's roster (``attendance.waive_no_show``:
    nothing charged, the credit back), with its audit line. The caller commits."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.session_id != session_id:
        raise NotFound("booking", booking_id)
    with _audited(session, booking, actor=actor, action="waive_no_show", entity="booking"):
        return attendance.waive_no_show(session, booking_id, actor=actor)


@use_case
def undo_attendance(session: Session, session_id: int, booking_id: int, *, actor: str) -> Booking:
    """Use case: take back a check-in or a no-show mark on that session's roster
    (``attendance.undo_attendance``: back to confirmed; a settled or waived no-show is
    refused), with its audit line. The caller commits."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.session_id != session_id:
        raise NotFound("booking", booking_id)
    with _audited(session, booking, actor=actor, action="undo_attendance", entity="booking"):
        return attendance.undo_attendance(session, booking_id, actor=actor)


@contextmanager
def _audited(session: Session, row: Any, *, actor: str, action: str, entity: str) -> Iterator[None]:
    """Audit the change made inside the block: ``row`` as it was before and after. The
    line joins the use case's savepoint, so a refused change takes its line with it."""
    line = audit.record(
        session, actor=actor, action=action, entity=entity, entity_id=row.id, before=audit.snapshot(row)
    )
    yield
    session.flush()
    line.after = audit.snapshot(row)


__all__ = ["Change", "cancel_by_studio", "mark_attendance", "move_session", "undo_attendance", "waive_no_show"]
