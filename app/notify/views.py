"""Read-only views of studio rows, in the shapes the bot's words are written from."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.booking import spots
from app.models import ClassSession, ClassType, Location, Staff, Studio
from bot.desk import SessionView, StudioView


def studio_view(studio: Studio) -> StudioView:
    return StudioView(studio.name, studio.timezone, studio.currency, studio.date_order, studio.contact_phone,
                      studio.contact_email)


def session_view(session: Session, s: ClassSession, tz: ZoneInfo, *, booked: int | None = None,
                 waiting: int | None = None) -> SessionView:
    """``s`` as the bot shows it, its start in ``tz``; counts from ``spots`` unless given."""
    class_type = session.get(ClassType, s.class_type_id)
    location = session.get(Location, s.location_id)
    instructor = session.get(Staff, s.instructor_id) if s.instructor_id else None
    assert class_type is not None and location is not None
    if booked is None:
        booked = spots.booked_count(session, s.id)
    if waiting is None:
        waiting = spots.waiting_count(session, s.id)
    return SessionView(s.id, class_type.name, s.class_type_id, s.starts_at.astimezone(tz), location.name,
                       instructor.name if instructor else None, s.capacity, booked, waiting, s.status)


def session_view_by_id(session: Session, session_id: int, tz: ZoneInfo) -> SessionView | None:
    s = session.get(ClassSession, session_id)
    return session_view(session, s, tz) if s is not None else None
