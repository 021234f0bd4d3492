"""The dashboard's first panel: today's classes with fill, in the studio's scope."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app import clock
from app.db import Database
from app.models import ACTIVE_BOOKING, Booking, ClassSession, ClassType, Location, Studio, WaitlistEntry


def today_view(db: Database, studio_id: int) -> dict:
    with db.studio(studio_id) as s:
        studio = s.get(Studio, studio_id)
        zone = ZoneInfo(studio.timezone)
        day = datetime.combine(clock.now().astimezone(zone).date(), time(0), zone)
        booked = (select(func.count(Booking.id)).where(Booking.session_id == ClassSession.id,
                                                       Booking.status.in_(ACTIVE_BOOKING)).scalar_subquery())
        waiting = (select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.session_id == ClassSession.id, WaitlistEntry.status.in_(("waiting", "offered")))
            .scalar_subquery())
        rows = s.execute(
            select(ClassSession.starts_at, ClassType.name, Location.name, ClassSession.capacity, booked, waiting,
                   ClassSession.status)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .join(Location, Location.id == ClassSession.location_id)
            .where(ClassSession.starts_at >= day, ClassSession.starts_at < day + timedelta(days=1))
            .order_by(ClassSession.starts_at)).all()
        classes = [{"time": r[0].astimezone(zone).strftime("%H:%M"), "name": r[1], "location": r[2],
                    "capacity": r[3], "booked": r[4], "waiting": r[5], "status": r[6]} for r in rows]
        return {"studio": studio.name, "day": day.strftime("%A %d %B"), "classes": classes}
