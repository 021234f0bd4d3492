"""Read-only views of studio rows, in the shapes the bot's words are written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.booking import spots
from app.models import ClassSession, ClassType, Location, Staff, Studio
from bot.desk import SessionView, StudioView
from bot.nlu.catalog import Catalog


def studio_view(studio: Studio) -> StudioView:
    return StudioView(
        studio.name, studio.timezone, studio.currency, studio.date_order, studio.contact_phone, studio.contact_email
    )


@dataclass(frozen=True)
class Names:
    """Names by id from a cached catalog, so a view needs no query for them (a miss falls back to one)."""

    class_types: dict[int, str] = field(default_factory=dict)
    locations: dict[int, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: Catalog) -> Names:
        return cls(
            {c.id: c.name for c in catalog.classes},
            {loc.id: loc.name for loc in catalog.locations},
            {i.id: i.name for i in catalog.instructors},
        )


def _name(session: Session, model: Any, row_id: int, known: dict[int, str]) -> str:
    if row_id in known:
        return known[row_id]
    row = session.get(model, row_id)
    assert row is not None, f"{model.__name__} {row_id} is gone"
    return row.name


def session_view(
    session: Session,
    s: ClassSession,
    tz: ZoneInfo,
    *,
    booked: int | None = None,
    waiting: int | None = None,
    names: Names | None = None,
) -> SessionView:
    """``s`` as the bot shows it, its start in ``tz``; counts from ``spots`` unless given."""
    names = names or Names()
    if booked is None or waiting is None:
        booked, waiting = spots.counts_of(session, s.id)
    return SessionView(
        s.id,
        _name(session, ClassType, s.class_type_id, names.class_types),
        s.class_type_id,
        s.starts_at.astimezone(tz),
        _name(session, Location, s.location_id, names.locations),
        _name(session, Staff, s.instructor_id, names.staff) if s.instructor_id else None,
        s.capacity,
        booked,
        waiting,
        s.status,
        s.ends_at.astimezone(tz),
    )


def session_view_by_id(session: Session, session_id: int, tz: ZoneInfo) -> SessionView | None:
    s = session.get(ClassSession, session_id)
    return session_view(session, s, tz) if s is not None else None
