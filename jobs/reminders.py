"""Class reminders at each of the studio's ``reminder_hours`` before a booked class.

What is due is read from the database every time (never from a queue), so a run after
downtime catches up once: only the latest reminder still ahead of the class is sent, a
booking made after a reminder's moment doesn't get that one, and the dedupe key
``reminder:<h>h:booking:<id>`` makes repeats harmless (``…:move:<n>`` once the studio
has moved the class n times, so the new time gets its own reminders). A reminder invites "reply C to
cancel" (a bare CANCEL would opt the client out at the carrier) and opens a short
conversation state in which "C" cancels that booking. When the studio charges late-cancel or
no-show fees the reminder says so in a few words ("No-shows: £15."). Built for a sweep over many
studios: a handful of queries per studio, whatever the number of bookings.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app import clock
from app.booking import attendance
from app.booking.policies import load_policy
from app.booking.rows import row as row_of  # ``row`` is a result row in queue_reminders
from app.models import (
    Booking,
    ClassSession,
    ClassType,
    Client,
    Conversation,
    Location,
    OutboxMessage,
    Staff,
    Studio,
)
from app.notify.addressing import address, sender
from app.notify.views import studio_view
from bot.desk import SessionView
from bot.dialogue.base import State
from bot.replies import Words


def reminder_key(hours: int, booking_id: int, move_count: int | None) -> str:
    key = f"reminder:{hours}h:booking:{booking_id}"
    return f"{key}:move:{move_count}" if move_count else key


def queue_reminders(session: Session) -> int:
    """Write the outbox rows for reminders due now in this studio; commit. Returns how many."""
    now = clock.now()
    policy = load_policy(session)
    hours = sorted(policy.reminder_hours or [], reverse=True)
    if not hours:
        return 0
    studio = row_of(session, Studio, session.info["frontdesk.studio_id"])
    instructor = aliased(Staff)
    rows = session.execute(
        select(
            Booking.id,
            Booking.booked_at,
            Client.id,
            Client.phone,
            ClassSession.id,
            ClassSession.starts_at,
            ClassSession.capacity,
            ClassSession.class_type_id,
            ClassType.name,
            Location.name,
            instructor.name,
            ClassSession.move_count,
        )
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .join(Client, Client.id == Booking.client_id)
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .join(Location, Location.id == ClassSession.location_id)
        .outerjoin(instructor, instructor.id == ClassSession.instructor_id)
        .where(
            Booking.status == "confirmed",
            ClassSession.status == "scheduled",
            ClassSession.starts_at > now,
            ClassSession.starts_at <= now + timedelta(hours=max(hours)),
        )
    ).all()
    due = []
    for row in rows:
        passed = [h for h in hours if row.starts_at - timedelta(hours=h) <= now]
        if passed and row.booked_at < row.starts_at - timedelta(hours=min(passed)):
            due.append((min(passed), row))
    if not due:
        return 0
    keys = {reminder_key(h, row[0], row.move_count): (h, row) for h, row in due}
    done = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(keys)))))
    todo = {k: v for k, v in keys.items() if k not in done}
    if not todo:
        return 0
    phones = {row[3] for _, row in todo.values()}
    conversations = {
        (c.phone, c.channel): c for c in session.scalars(select(Conversation).where(Conversation.phone.in_(phones)))
    }
    latest: dict[str, Conversation] = {}
    for (phone, _channel), known in conversations.items():
        if phone not in latest or known.updated_at > latest[phone].updated_at:
            latest[phone] = known
    tz = ZoneInfo(studio.timezone)
    words = {ch: Words(studio_view(studio), ch) for ch in ("sms", "whatsapp")}
    fees = attendance.fees_charged(policy)
    for key, (h, row) in todo.items():
        booking_id, _, client_id, phone, session_id, starts_at, capacity, type_id, name, location, teacher, _ = row
        channel = latest[phone].channel if phone in latest else "sms"
        view = SessionView(session_id, name, type_id, starts_at.astimezone(tz), location, teacher, capacity, 0, 0)
        session.add(
            OutboxMessage(
                studio_id=studio.id,
                dedupe_key=key,
                kind=f"reminder_{h}h",
                channel=channel,
                to_addr=address(channel, phone),
                from_addr=sender(studio, channel),
                body=words[channel].reminder(view, now, words[channel].fee_note(*fees)),
                client_id=client_id,
                send_after=now,
                valid_until=starts_at,
                status="pending",
                about=f"booking:{booking_id}",
            )
        )
        conv = conversations.get((phone, channel))
        if conv is None:
            conv = Conversation(studio_id=studio.id, phone=phone, channel=channel, client_id=client_id)
            session.add(conv)
            conversations[(phone, channel)] = conv
        conv.state, conv.context = State.REMINDED.value, {"booking_id": booking_id}
        conv.expires_at, conv.updated_at = starts_at, now
    return len(todo)
