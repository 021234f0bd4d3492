"""Who holds the places in a session: the lock, the counts, and enrolment.

Capacity is enforced here, under a row lock on the session (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite transactions begin IMMEDIATE and so are already serial), and by
a unique partial index on active bookings per client and session.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.booking import credits
from app.booking.errors import NotFound
from app.models import ACTIVE_BOOKING, Booking, ClassSession, ClassType, WaitlistEntry


def lock_session(session: Session, session_id: int) -> ClassSession:
    class_session = session.scalars(
        select(ClassSession)
        .where(ClassSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if class_session is None:
        raise NotFound("session", session_id)
    return class_session


def booked_count(session: Session, session_id: int) -> int:
    return session.scalar(
        select(func.count(Booking.id)).where(Booking.session_id == session_id, Booking.status.in_(ACTIVE_BOOKING))
    ) or 0


def held_offers(session: Session, session_id: int, now: datetime, *, except_client: int | None = None) -> int:
    """Spots held for waitlisted clients who were offered them and may still claim (offer mode)."""
    query = select(func.count(WaitlistEntry.id)).where(
        WaitlistEntry.session_id == session_id,
        WaitlistEntry.status == "offered",
        WaitlistEntry.offer_expires_at > now,
    )
    if except_client is not None:
        query = query.where(WaitlistEntry.client_id != except_client)
    return session.scalar(query) or 0


def waiting_count(session: Session, session_id: int) -> int:
    return session.scalar(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.session_id == session_id, WaitlistEntry.status.in_(("waiting", "offered"))
        )
    ) or 0


def active_booking(session: Session, client_id: int, session_id: int) -> Booking | None:
    return session.scalars(
        select(Booking).where(
            Booking.client_id == client_id, Booking.session_id == session_id, Booking.status.in_(ACTIVE_BOOKING)
        )
    ).first()


def enrol(session: Session, client_id: int, class_session: ClassSession, *, source: str,
          actor: str | None) -> Booking:
    """Book and pay, with no rule checks: the caller holds the session lock and has checked.

    Raises ``NoCredits`` before writing anything when the client cannot pay.
    """
    class_type = session.get(ClassType, class_session.class_type_id)
    cost = class_type.credits if class_type else 1
    pack = credits.choose_pack(session, client_id, cost, class_session.class_type_id, class_session.starts_at)
    booking = Booking(client_id=client_id, session_id=class_session.id, status="confirmed", source=source)
    session.add(booking)
    session.flush()
    credits.record_spend(session, booking, pack, cost, actor)
    return booking


def can_pay(session: Session, client_id: int, class_session: ClassSession) -> str | None:
    """None when the client can pay for this session, else the reason they cannot."""
    class_type = session.get(ClassType, class_session.class_type_id)
    cost = class_type.credits if class_type else 1
    try:
        credits.choose_pack(session, client_id, cost, class_session.class_type_id, class_session.starts_at)
    except credits.NoCredits as exc:
        return "package expired" if exc.expired else "no credits"
    return None
