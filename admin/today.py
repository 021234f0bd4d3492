"""Today's classes with fill, in the studio's scope: the dashboard's first panel."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import spots
from app.booking.rows import row
from app.db import Database
from app.models import (
    ClassSession,
    ClassType,
    Location,
    Staff,
    Studio,
)


def clock_time(at: datetime, us: bool = False) -> str:
    """A time of day as the studio's texts say it: ``18:00`` (day-first studios) or ``6pm`` /
    ``6:30pm`` (month-first, US style); ``at`` already in the timezone to show."""
    if us:
        return at.strftime("%I:%M%p").lstrip("0").replace(":00", "").lower()
    return at.strftime("%H:%M")


def next_class_day(s: Session, zone: ZoneInfo, *, instructor_id: int | None = None) -> date | None:
    """The local date (in ``zone``) of the next scheduled class after now, or None: one query."""
    query = select(ClassSession.starts_at).where(
        ClassSession.status == "scheduled", ClassSession.starts_at > clock.now()
    )
    if instructor_id is not None:
        query = query.where(ClassSession.instructor_id == instructor_id)
    first = s.scalars(query.order_by(ClassSession.starts_at).limit(1)).first()
    return first.astimezone(zone).date() if first is not None else None


def today_classes(
    s: Session, zone: ZoneInfo, day: date, *, instructor_id: int | None = None, us: bool = False
) -> list[dict]:
    """The classes of ``day`` (a date in ``zone``), with booked and waiting counts: one query.
    Times are shown in each class's location timezone, in the studio's format (``us``)."""
    start = datetime.combine(day, time(0), zone)
    booked, waiting = spots.booked_column(), spots.waiting_column()
    query = (
        select(
            ClassSession.id,
            ClassSession.starts_at,
            ClassType.name,
            Location.name,
            Location.timezone,
            Staff.name,
            ClassSession.capacity,
            booked,
            waiting,
            ClassSession.status,
        )
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .join(Location, Location.id == ClassSession.location_id)
        .outerjoin(Staff, Staff.id == ClassSession.instructor_id)
        .where(ClassSession.starts_at >= start, ClassSession.starts_at < start + timedelta(days=1))
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    if instructor_id is not None:
        query = query.where(ClassSession.instructor_id == instructor_id)
    return [
        {
            "id": r[0],
            "time": clock_time(r[1].astimezone(ZoneInfo(r[4])), us),
            "name": r[2],
            "location": r[3],
            "instructor": r[5],
            "capacity": r[6],
            "booked": r[7] or 0,
            "waiting": r[8] or 0,
            "status": r[9],
            "fill": min(100, round(100 * (r[7] or 0) / r[6])) if r[6] else 0,
        }
        for r in s.execute(query)
    ]


def today_view(db: Database, studio_id: int) -> dict:
    with db.studio(studio_id) as s:
        studio = row(s, Studio, studio_id)
        zone = ZoneInfo(studio.timezone)
        day = clock.now().astimezone(zone).date()
        us = studio.date_order == "MDY"
        return {
            "studio": studio.name,
            "day": day.strftime("%A %d %B"),
            "classes": today_classes(s, zone, day, us=us),
        }
