"""Class reminders at each of the studio's ``reminder_hours`` before a booked class.

What is due is read from the database every time (never from a queue), so a run after
downtime catches up once: only the latest reminder still ahead of the class is sent, a
booking made after a reminder's moment doesn't get that one, and the dedupe key
``reminder:<h>h:booking:<id>`` makes repeats harmless. A reminder invites "reply C to
cancel" (a bare CANCEL would opt the client out at the carrier) and opens a short
conversation state in which "C" cancels that booking.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking.policies import load_policy
from app.conversation.notify import channel_for, sender
from app.messaging.outbox import enqueue
from app.models import Booking, ClassSession, Client, Conversation, OutboxMessage, Studio
from bot.dialogue.base import State
from bot.replies import Words


def queue_reminders(session: Session) -> int:
    """Write the outbox rows for reminders due now in this studio; commit. Returns how many."""
    from app.conversation.desk import SqlDesk, studio_view

    now = clock.now()
    policy = load_policy(session)
    hours = sorted(policy.reminder_hours or [], reverse=True)
    if not hours:
        return 0
    studio = session.get(Studio, session.info["frontdesk.studio_id"])
    rows = session.execute(
        select(Booking, ClassSession, Client)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.status == "confirmed", ClassSession.status == "scheduled", ClassSession.starts_at > now,
               ClassSession.starts_at <= now + timedelta(hours=max(hours)))
    ).all()
    made = 0
    for booking, class_session, client in rows:
        passed = [h for h in hours if class_session.starts_at - timedelta(hours=h) <= now]
        if not passed:
            continue
        h = min(passed)
        moment = class_session.starts_at - timedelta(hours=h)
        if booking.booked_at >= moment:
            continue
        key = f"reminder:{h}h:booking:{booking.id}"
        if session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
            continue
        channel = channel_for(session, client.phone)
        words = Words(studio_view(studio), channel)
        view = SqlDesk(session, studio, client.phone, channel).session(class_session.id)
        enqueue(session, dedupe_key=key, kind=f"reminder_{h}h", channel=channel,
                to_addr=f"whatsapp:{client.phone}" if channel == "whatsapp" else client.phone,
                from_addr=sender(studio, channel), body=words.reminder(view, now), client_id=client.id,
                valid_until=class_session.starts_at)
        _open_reply_window(session, client, channel, booking, class_session)
        made += 1
    session.commit()
    return made


def _open_reply_window(session: Session, client: Client, channel: str, booking: Booking, class_session) -> None:
    conv = session.scalars(select(Conversation).where(Conversation.phone == client.phone,
                                                      Conversation.channel == channel)).first()
    if conv is None:
        conv = Conversation(phone=client.phone, channel=channel, client_id=client.id)
        session.add(conv)
    conv.state = State.REMINDED.value
    conv.context = {"booking_id": booking.id}
    conv.expires_at = class_session.starts_at
    conv.updated_at = clock.now()
