"""The owner's morning text at 07:00 studio time: today's classes and fill, waitlists,
the no-shows still under review (waivable from the roster until their window closes),
yesterday's settled no-shows. Sent once a day (dedupe key per date and person); a digest that
would arrive after noon is skipped as stale."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import attendance, spots
from app.booking.rows import row
from app.messaging.outbox import enqueue
from app.models import (
    Booking,
    ClassSession,
    ClassType,
    Client,
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
                Booking.no_show_settled_at.is_not(None),
                Booking.penalty_waived.is_(False),
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
            f"Good morning! Today: {len(today)} class{'es' if len(today) != 1 else ''}, {filled}/{seats} booked "
            f"({round(100 * filled / seats) if seats else 0}%)" + (f", {lists} with a waitlist." if lists else ".")
        )
    lines = [
        f"{r.starts_at.astimezone(zone):%H:%M} {r.name} {r[3]}/{r.capacity}" + (f" +{r[4]} waiting" if r[4] else "")
        for r in today
    ]
    tail = f"Yesterday: {no_shows} no-show{'s' if no_shows != 1 else ''}."
    return fit_sms("\n".join([head, *lines, *pending_lines(session, local_now), tail]))


def pending_lines(session: Session, local_now: datetime) -> list[str]:
    """Unconfirmed no-shows still in their review window (issue 11): who, which class, and
    when the penalty applies unless someone checks them in or waives it from the roster."""
    zone = local_now.tzinfo
    pending = attendance.pending_no_shows(session, local_now)
    if not pending:
        return []
    names = dict(
        session.execute(
            select(Client.id, func.coalesce(Client.name, Client.phone)).where(
                Client.id.in_({b.client_id for b, _ in pending})
            )
        ).all()
    )
    classes = {
        sid: (name, starts_at)
        for sid, name, starts_at in session.execute(
            select(ClassSession.id, ClassType.name, ClassSession.starts_at)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .where(ClassSession.id.in_({b.session_id for b, _ in pending}))
        )
    }
    count = len(pending)
    plural = "s" if count != 1 else ""
    head = f"To review: {count} no-show{plural}. Check in or waive from the roster by the time shown:"
    return [head] + [
        f"{names.get(b.client_id, 'A client')}, {classes[b.session_id][0]} "
        f"{classes[b.session_id][1].astimezone(zone):%a %H:%M} - {closes.astimezone(zone):%H:%M}"
        for b, closes in pending
    ]
