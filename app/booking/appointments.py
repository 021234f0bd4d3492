"""1:1 appointments: free slots from instructor availability, and booking one.

An instructor is never double-booked: booking locks the instructor's row, then checks
every non-cancelled session they teach or take (classes and appointments) for overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, spots
from app.booking.atomic import use_case
from app.booking.errors import NotFound, OutsideBookingWindow, OverlapsBooking, SlotUnavailable
from app.booking.policies import load_policy
from app.booking.schedules import local_instant
from app.models import (
    Availability,
    Booking,
    ClassSession,
    ClassType,
    Client,
    Location,
    Staff,
)


@dataclass(frozen=True)
class Slot:
    staff_id: int
    location_id: int
    starts_at: datetime  # UTC
    ends_at: datetime


def _busy(session: Session, staff_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    rows = session.execute(
        select(ClassSession.starts_at, ClassSession.ends_at).where(
            ClassSession.instructor_id == staff_id,
            ClassSession.status == "scheduled",
            ClassSession.starts_at < end,
            ClassSession.ends_at > start,
        )
    ).all()
    return [(s, e) for s, e in rows]


def _overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(s < end and start < e for s, e in busy)


def _windows(session: Session, staff_id: int | None, location_id: int | None, start: datetime, end: datetime):
    """Availability windows as UTC intervals (staff, location, from, to) between start and end."""
    query = select(Availability, Location.timezone).join(Location, Location.id == Availability.location_id)
    if staff_id is not None:
        query = query.where(Availability.staff_id == staff_id)
    if location_id is not None:
        query = query.where(Availability.location_id == location_id)
    rows = session.execute(query).all()
    for availability, tz in rows:
        zone = ZoneInfo(tz)
        day: date = start.astimezone(zone).date()
        last: date = end.astimezone(zone).date()
        while day <= last:
            valid = (availability.valid_from is None or availability.valid_from <= day) and (
                availability.valid_to is None or day <= availability.valid_to
            )
            if day.weekday() == availability.weekday and valid:
                yield (
                    availability.staff_id,
                    availability.location_id,
                    local_instant(day, availability.start_time, tz),
                    local_instant(day, availability.end_time, tz),
                )
            day += timedelta(days=1)


def free_slots(
    session: Session,
    class_type_id: int,
    *,
    start: datetime,
    end: datetime,
    staff_id: int | None = None,
    location_id: int | None = None,
    step_minutes: int | None = None,
) -> list[Slot]:
    class_type = session.get(ClassType, class_type_id)
    if class_type is None:
        raise NotFound("class type", class_type_id)
    length = timedelta(minutes=class_type.duration_min)
    step = timedelta(minutes=step_minutes or class_type.duration_min)
    now = clock.now()
    slots: list[Slot] = []
    busy_cache: dict[int, list[tuple[datetime, datetime]]] = {}
    for staff, location, w_start, w_end in _windows(session, staff_id, location_id, start, end):
        busy = busy_cache.setdefault(staff, _busy(session, staff, start - length, end + length))
        at = w_start
        while at + length <= w_end:
            if at >= start and at + length <= end and at > now and not _overlaps(at, at + length, busy):
                slots.append(Slot(staff, location, at, at + length))
            at += step
    return sorted(set(slots), key=lambda s: (s.starts_at, s.staff_id, s.location_id))


@use_case
def book_appointment(
    session: Session,
    client_id: int,
    class_type_id: int,
    staff_id: int,
    location_id: int,
    starts_at: datetime,
    *,
    source: str = "sms",
    actor: str | None = None,
    allow_overlap: bool = False,
) -> Booking:
    """Use case: book a 1:1 with ``staff_id`` at ``starts_at``. The caller commits.

    A booking of the client's at the same time is dealt with as ``booking.book`` does, by
    the studio's ``overlap_rule``: allow; ask (the client agrees, the caller passes
    ``allow_overlap=True``); or refuse.
    Raises ``SlotUnavailable`` (outside their hours, or they are busy),
    ``OutsideBookingWindow``, ``OverlapsBooking``, ``NoCredits`` or ``NotFound``; nothing
    is written then.
    """
    staff = session.scalars(select(Staff).where(Staff.id == staff_id).with_for_update()).first()
    class_type = session.get(ClassType, class_type_id)
    if staff is None or class_type is None or session.get(Client, client_id) is None:
        raise NotFound("staff, class type or client", (staff_id, class_type_id, client_id))
    if class_type.kind != "appointment":
        raise SlotUnavailable(f"{class_type.name} is a class, not a 1:1 appointment")
    now = clock.now()
    ends_at = starts_at + timedelta(minutes=class_type.duration_min)
    policy = load_policy(session)
    if starts_at <= now:
        raise OutsideBookingWindow(None, "that time has passed")
    opens_at = starts_at - timedelta(days=policy.booking_window_days)
    if now < opens_at:
        raise OutsideBookingWindow(opens_at, f"booking opens {policy.booking_window_days} days ahead")
    inside = any(
        w_start <= starts_at and ends_at <= w_end and loc == location_id
        for _, loc, w_start, w_end in _windows(session, staff_id, location_id, starts_at, ends_at)
    )
    if not inside:
        raise SlotUnavailable(f"{staff.name} doesn't take appointments then")
    if _overlaps(starts_at, ends_at, _busy(session, staff_id, starts_at, ends_at)):
        raise SlotUnavailable(f"{staff.name} is already booked then")
    rule = policy.overlap_rule or "ask"
    if rule == "refuse" or (rule == "ask" and not allow_overlap):
        probe = ClassSession(starts_at=starts_at, ends_at=ends_at)  # not added: the times to compare
        clash = spots.overlapping_booking(session, client_id, probe)
        if clash is not None:
            raise OverlapsBooking(clash.id, clash.session_id, rule)
    pack = credits.choose_pack(session, client_id, class_type.credits, class_type_id, starts_at)
    appointment = ClassSession(
        class_type_id=class_type_id,
        location_id=location_id,
        instructor_id=staff_id,
        kind="appointment",
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=1,
    )
    session.add(appointment)
    session.flush()
    booking = Booking(client_id=client_id, session_id=appointment.id, status="confirmed", source=source)
    session.add(booking)
    session.flush()
    credits.record_spend(session, booking, pack, class_type.credits, actor)
    return booking
