"""Arriving for a class: a client running late, and a client checking in by text.

Running late changes no booking: it records ``RunningLate`` so the instructor is texted
(``app.notify.staff.running_late``). Self check-in is the studio's choice
(``Policy.self_check_in``); it opens ``Policy.check_in_opens_minutes`` before the start and
closes when the doors do: ``Policy.late_arrival_minutes`` after the start when the studio
has that rule, otherwise at the end of the class (someone arriving late is still there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import attendance
from app.booking.atomic import use_case
from app.booking.errors import CheckInNotOpen, NotCancellable, NotFound, SelfCheckInOff
from app.booking.events import RunningLate, record
from app.booking.policies import load_policy
from app.booking.rows import row
from app.models import Booking, ClassSession, Policy

DEFAULT_OPENS_MINUTES = 30


@dataclass(frozen=True)
class CheckInResult:
    booking: Booking
    already: bool  # the client was already checked in: nothing changed


def doors_close(policy: Policy, class_session: ClassSession) -> datetime:
    """When late arrivals are no longer let in: ``late_arrival_minutes`` after the start,
    or the end of the class when the studio has no such rule."""
    if policy.late_arrival_minutes is not None:
        return min(class_session.starts_at + timedelta(minutes=policy.late_arrival_minutes), class_session.ends_at)
    return class_session.ends_at


def check_in_opens(policy: Policy, class_session: ClassSession) -> datetime:
    minutes = policy.check_in_opens_minutes
    return class_session.starts_at - timedelta(minutes=DEFAULT_OPENS_MINUTES if minutes is None else minutes)


@use_case
def running_late(session: Session, booking_id: int, minutes: int | None, *, actor: str) -> RunningLate:
    """Use case: the client of ``booking_id`` is running late (``minutes``: how late, when
    they said). Records ``RunningLate`` (the instructor's text); the booking is kept.
    The caller commits. Errors: ``NotFound``; ``NotCancellable`` when the booking is not
    confirmed or checked in, or its class has ended. ``actor`` names who said so (unused
    by the rule; kept for the call's symmetry with the other use cases)."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking", booking_id)
    if booking.status not in ("confirmed", "attended"):
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    class_session = row(session, ClassSession, booking.session_id)
    if class_session.status != "scheduled":
        raise NotCancellable(booking_id, "the class has been cancelled")
    if class_session.ends_at <= clock.now():
        raise NotCancellable(booking_id, "the class has already ended")
    event = RunningLate(booking.id, booking.client_id, booking.session_id, _minutes(minutes))
    record(session, [event])
    return event


def _minutes(minutes: int | None) -> int | None:
    return None if minutes is None or minutes <= 0 else min(minutes, 180)


def _candidates(session: Session, client_id: int, now: datetime) -> list[tuple[Booking, ClassSession]]:
    rows = session.execute(
        select(Booking, ClassSession)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(
            Booking.client_id == client_id,
            Booking.status.in_(("confirmed", "attended")),
            ClassSession.status == "scheduled",
            ClassSession.ends_at > now,
        )
        .order_by(ClassSession.starts_at, Booking.id)
    ).all()
    return [(b, s) for b, s in rows]


@use_case
def check_in_self(session: Session, client_id: int) -> CheckInResult:
    """Use case: the client checks in by text. The caller commits.

    Checks in the client's booking whose check-in window is open now (``check_in_opens``
    to ``doors_close``), the soonest first; ``already`` when it is checked in already.
    Errors: ``SelfCheckInOff`` (the studio checks in at the desk), ``CheckInNotOpen`` (the
    client's next class opens for check-in later: when), ``NotFound`` (no booking ahead)."""
    policy = load_policy(session)
    if not policy.self_check_in:
        raise SelfCheckInOff()
    now = clock.now()
    candidates = _candidates(session, client_id, now)
    open_now = [(b, s) for b, s in candidates if check_in_opens(policy, s) <= now < doors_close(policy, s)]
    for booking, _ in open_now:
        if booking.status == "confirmed":
            return CheckInResult(attendance.check_in(session, booking.id, actor="client (self check-in)"), False)
    if open_now:
        return CheckInResult(open_now[0][0], True)
    ahead = [(b, s) for b, s in candidates if b.status == "confirmed" and check_in_opens(policy, s) > now]
    if ahead:
        booking, class_session = ahead[0]
        raise CheckInNotOpen(booking.id, class_session.id, check_in_opens(policy, class_session))
    raise NotFound("booking to check in", client_id)


__all__ = ["CheckInResult", "check_in_opens", "check_in_self", "doors_close", "running_late"]
