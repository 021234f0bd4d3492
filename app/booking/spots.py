"""Who holds the places in a session: the lock, the counts, and enrolment.

Capacity is enforced here, under a row lock on the session (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite transactions begin IMMEDIATE and so are already serial), and by
a unique partial index on active bookings per client and session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, or_, select
from sqlalchemy.orm import Session

from app.booking import credits
from app.booking.errors import NotFound
from app.models import (
    ACTIVE_BOOKING,
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    ClassType,
    WaitlistEntry,
)


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
    """Places taken in one session: its active bookings (``ACTIVE_BOOKING``)."""
    return session.scalar(select(func.count(Booking.id)).where(_booked(session_id))) or 0


def _booked(session_id: Any) -> ColumnElement[bool]:
    return (Booking.session_id == session_id) & Booking.status.in_(ACTIVE_BOOKING)


def _waiting(session_id: Any) -> ColumnElement[bool]:
    return (WaitlistEntry.session_id == session_id) & WaitlistEntry.status.in_(OPEN_WAITLIST)


def booked_column() -> ScalarSelect[int]:
    """``booked_count`` as a correlated subquery on ``ClassSession``, for listing many sessions in one query."""
    return select(func.count(Booking.id)).where(_booked(ClassSession.id)).scalar_subquery()


def waiting_column() -> ScalarSelect[int]:
    """``waiting_count`` as a correlated subquery on ``ClassSession``."""
    return select(func.count(WaitlistEntry.id)).where(_waiting(ClassSession.id)).scalar_subquery()


def counts_of(session: Session, session_id: int) -> tuple[int, int]:
    """(booked, waiting) for one session, in one query."""
    row = session.execute(select(booked_column(), waiting_column()).where(ClassSession.id == session_id)).one_or_none()
    return (row[0], row[1]) if row is not None else (0, 0)


def counts(session: Session, session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(booked, waiting) for each of ``session_ids``, in two grouped queries."""
    if not session_ids:
        return {}
    booked = dict(
        session.execute(
            select(Booking.session_id, func.count(Booking.id))
            .where(_booked(Booking.session_id), Booking.session_id.in_(session_ids))
            .group_by(Booking.session_id)
        ).all()
    )
    waiting = dict(
        session.execute(
            select(WaitlistEntry.session_id, func.count(WaitlistEntry.id))
            .where(_waiting(WaitlistEntry.session_id), WaitlistEntry.session_id.in_(session_ids))
            .group_by(WaitlistEntry.session_id)
        ).all()
    )
    return {sid: (booked.get(sid, 0), waiting.get(sid, 0)) for sid in session_ids}


def _held(session_id: Any, now: datetime, except_client: int | None) -> Select[int]:
    """Offers still open: not yet texted (the claim window starts when the text goes, so the
    spot waits for it), or texted and not yet past their deadline."""
    query = select(func.count(WaitlistEntry.id)).where(
        WaitlistEntry.session_id == session_id,
        WaitlistEntry.status == "offered",
        or_(WaitlistEntry.offer_sent_at.is_(None), WaitlistEntry.offer_expires_at > now),
    )
    if except_client is not None:
        query = query.where(WaitlistEntry.client_id != except_client)
    return query


def held_offers(session: Session, session_id: int, now: datetime, *, except_client: int | None = None) -> int:
    """Spots held for waitlisted clients who were offered them and may still claim (offer mode):
    offers whose text has not gone yet, and offers sent and not yet expired."""
    return session.scalar(_held(session_id, now, except_client)) or 0


def taken(
    session: Session, session_id: int, now: datetime, *, count_held: bool = True, except_client: int | None = None
) -> int:
    """``booked_count`` plus (with ``count_held``) ``held_offers``, in one query."""
    booked = select(func.count(Booking.id)).where(_booked(session_id)).scalar_subquery()
    if not count_held:
        return session.scalar(select(booked)) or 0
    held = _held(session_id, now, except_client).scalar_subquery()
    return session.scalar(select(booked + held)) or 0


def waiting_count(session: Session, session_id: int) -> int:
    """Clients on one session's waitlist who may still get a place (``OPEN_WAITLIST``)."""
    return session.scalar(select(func.count(WaitlistEntry.id)).where(_waiting(session_id))) or 0


def active_booking(session: Session, client_id: int, session_id: int) -> Booking | None:
    return session.scalars(
        select(Booking).where(
            Booking.client_id == client_id, Booking.session_id == session_id, Booking.status.in_(ACTIVE_BOOKING)
        )
    ).first()


def enrol(session: Session, client_id: int, class_session: ClassSession, *, source: str, actor: str | None) -> Booking:
    """Book and pay, with no rule checks: the caller holds the session lock and has checked.

    Raises ``NoCredits`` before writing anything when the client cannot pay.
    """
    class_type = session.get(ClassType, class_session.class_type_id)
    cost = class_type.credits if class_type else 1
    pack = credits.choose_pack(session, client_id, cost, class_session.class_type_id, class_session.starts_at)
    booking = Booking(
        client_id=client_id,
        session_id=class_session.id,
        status="confirmed",
        source=source,
        client_package_id=pack.pack.id,
        credits_spent=credits.cost_to(pack, cost),
    )
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
        if exc.expired:
            return "package expired"
        return f"needs {cost} credits" if cost > 1 else "no credits"
    return None


def overlapping_booking(session: Session, client_id: int, class_session: ClassSession) -> Booking | None:
    """The client's confirmed booking for another scheduled class at the same time (they
    overlap when one starts before the other ends), the earliest first; None when none."""
    return session.scalars(
        select(Booking)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(
            Booking.client_id == client_id,
            Booking.status == "confirmed",
            ClassSession.id != class_session.id,
            ClassSession.status == "scheduled",
            ClassSession.starts_at < class_session.ends_at,
            ClassSession.ends_at > class_session.starts_at,
        )
        .order_by(ClassSession.starts_at, Booking.id)
    ).first()
