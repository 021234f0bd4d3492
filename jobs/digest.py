"""The owner's morning text at 07:00 studio time: today's classes and fill, waitlists,
yesterday's no-shows. Sent once a day (dedupe key per date and person); a digest that
would arrive after noon is skipped as stale."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import spots
from app.booking.rows import row
from app.messaging.outbox import enqueue
from app.models import (
    Booking,
    ClassSession,
    ClassType,
    OutboxMessage,
    Studio,
)
from app.notify.staff import OWNERS, reachable_staff
from bot.replies import fit_sms

SEND_AT, STALE_AFTER = time(7), time(12)


def queue_digest(session: Session) -> int:
    studio = row(session, Studio, session.info["frontdesk.studio_id"])
    zone = ZoneInfo(studio.timezone)
    local_now = clock.now().astimezone(zone)
    if not (SEND_AT <= local_now.time() < STALE_AFTER):
        return 0
    owners = reachable_staff(session, OWNERS)
    if not owners:
        return 0
    body = digest_text(session, studio, local_now)
    made = 0
    for person in owners:
        assert person.phone is not None, "reachable_staff gives staff with a phone"
        key = f"digest:{local_now.date().isoformat()}:staff:{person.id}"
        if session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
            continue
        enqueue(
            session,
            dedupe_key=key,
            kind="daily_digest",
            to_addr=person.phone,
            body=body,
            staff_id=person.id,
            from_addr=studio.sms_number,
            valid_until=datetime.combine(local_now.date(), STALE_AFTER, zone),
        )
        made += 1
    return made


def digest_text(session: Session, studio: Studio, local_now: datetime) -> str:
    zone = local_now.tzinfo
    day = datetime.combine(local_now.date(), time(0), zone)
    booked, waiting = spots.booked_column(), spots.waiting_column()
    today = session.execute(
        select(ClassType.name, ClassSession.starts_at, ClassSession.capacity, booked, waiting)
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .where(
            ClassSession.status == "scheduled",
            ClassSession.kind == "class",
            ClassSession.starts_at >= day,
            ClassSession.starts_at < day + timedelta(days=1),
        )
        .order_by(ClassSession.starts_at)
    ).all()
    no_shows = (
        session.scalar(
            select(func.count(Booking.id))
            .join(ClassSession, ClassSession.id == Booking.session_id)
            .where(
                Booking.status == "no_show",
                ClassSession.starts_at >= day - timedelta(days=1),
                ClassSession.starts_at < day,
            )
        )
        or 0
    )
    if not today:
        head = "Good morning! No classes today."
    else:
        seats = sum(r.capacity for r in today)
        filled = sum(r[3] for r in today)
        lists = sum(1 for r in today if r[4])
        head = (
            f"Good morning! Today: {len(today)} classes, {filled}/{seats} booked "
            f"({round(100 * filled / seats) if seats else 0}%)" + (f", {lists} with a waitlist." if lists else ".")
        )
    lines = [
        f"{r.starts_at.astimezone(zone):%H:%M} {r.name} {r[3]}/{r.capacity}" + (f" +{r[4]} waiting" if r[4] else "")
        for r in today
    ]
    tail = f"Yesterday: {no_shows} no-show{'s' if no_shows != 1 else ''}."
    return fit_sms("\n".join([head, *lines, tail]))
