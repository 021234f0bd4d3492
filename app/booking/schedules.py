"""Weekly schedules into dated sessions, in the location's timezone.

A Monday 18:00 class stays 18:00 local across a clock change: the local date and wall
time are combined in the location's zone and only then converted to UTC. A wall time
that does not exist (inside a spring-forward gap) moves on by the gap, as zoneinfo's
``fold=0`` does; an ambiguous one (autumn) takes the first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking.atomic import use_case
from app.booking.policies import load_policy
from app.booking.rows import row
from app.db import Database
from app.models import WEEKDAYS, ClassSession, ClassType, Location, Schedule, Studio


def local_instant(day: date, wall, tz: str) -> datetime:
    """``wall`` o'clock on ``day`` in ``tz``, as an aware UTC instant."""
    local = datetime.combine(day, wall).replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


@use_case
def generate_sessions(session: Session, *, days: int | None = None) -> int:
    """Use case: create the sessions the studio's schedules call for, from today up to
    ``days`` ahead (default: the booking window). Idempotent; the caller commits."""
    horizon = days if days is not None else load_policy(session).booking_window_days
    now = clock.now()
    created = 0
    schedules = session.scalars(select(Schedule).where(Schedule.active.is_(True)).order_by(Schedule.id)).all()
    for schedule in schedules:
        class_type = session.get(ClassType, schedule.class_type_id)
        if class_type is None or not class_type.active:
            continue
        location = row(session, Location, schedule.location_id)
        tz = location.timezone
        today = now.astimezone(ZoneInfo(tz)).date()
        existing = set(
            session.scalars(
                select(ClassSession.occurs_on).where(
                    ClassSession.schedule_id == schedule.id, ClassSession.occurs_on >= today
                )
            ).all()
        )
        weekdays = {WEEKDAYS.index(d) for d in schedule.days}
        duration = timedelta(minutes=schedule.duration_min or class_type.duration_min)
        for offset in range(horizon + 1):
            day = today + timedelta(days=offset)
            if day.weekday() not in weekdays or day in existing or day < schedule.starts_on:
                continue
            if schedule.ends_on is not None and day > schedule.ends_on:
                continue
            starts_at = local_instant(day, schedule.start_time, tz)
            if starts_at <= now:
                continue
            session.add(
                ClassSession(
                    class_type_id=class_type.id,
                    location_id=location.id,
                    instructor_id=schedule.instructor_id,
                    schedule_id=schedule.id,
                    occurs_on=day,
                    kind=class_type.kind,
                    starts_at=starts_at,
                    ends_at=starts_at + duration,
                    capacity=schedule.capacity or class_type.capacity,
                )
            )
            created += 1
    return created


def generate_for_studios(
    db: Database, *, days: int | None = None, studio_key: str | None = None
) -> list[tuple[str, int]]:
    """Top up every studio's sessions (or one studio's), each in its own scope."""
    with db.unscoped() as s:
        query = select(Studio.id, Studio.key).where(Studio.active.is_(True)).order_by(Studio.id)
        if studio_key is not None:
            query = query.where(Studio.key == studio_key)
        studios = s.execute(query).all()
    results = []
    for studio_id, key in studios:
        with db.studio(studio_id) as session:
            results.append((key, generate_sessions(session, days=days)))
    return results
