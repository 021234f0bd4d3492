"""Booking events into outbox rows: who is told what, through which channel.

Called inside the transaction that caused the events, so the texts commit with the
change or not at all. Dedupe keys name the event, so replays add nothing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import events as ev
from app.messaging.outbox import enqueue
from app.models import ClassSession, Client, Conversation, Staff, Studio
from bot.desk import Person
from bot.replies import Words


def _studio(session: Session) -> Studio:
    studio_id = session.info.get("frontdesk.studio_id")
    if studio_id is None:  # a system sweep: events carry rows of one studio each
        raise RuntimeError("notify needs the studio: call it in a studio session")
    return session.get(Studio, studio_id)


def channel_for(session: Session, phone: str) -> str:
    """The channel the client last talked to us on; SMS when they never have."""
    last = session.scalars(
        select(Conversation).where(Conversation.phone == phone).order_by(Conversation.updated_at.desc())
    ).first()
    return last.channel if last is not None else "sms"


def sender(studio: Studio, channel: str) -> str | None:
    if channel == "whatsapp":
        return f"whatsapp:{studio.whatsapp_number}" if studio.whatsapp_number else None
    return studio.sms_number


def _to(channel: str, phone: str) -> str:
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def outbox_for(session: Session, events: list) -> None:
    from app.conversation.desk import SqlDesk, studio_view

    studio = _studio(session)
    for event in events:
        client = session.get(Client, event.client_id) if hasattr(event, "client_id") else None
        if isinstance(event, ev.SessionCancelled):
            _session_cancelled(session, studio, event)
            continue
        if isinstance(event, ev.SessionMoved):
            _session_moved(session, studio, event)
            continue
        if client is None:
            continue
        channel = channel_for(session, client.phone)
        words = Words(studio_view(studio), channel)
        view = SqlDesk(session, studio, client.phone, channel).session(event.session_id)
        valid_until = None
        if isinstance(event, ev.WaitlistOffered):
            body = words.broadcast_offer(view, event.expires_at) if event.broadcast else words.offer(
                view, event.expires_at)
            key, kind, valid_until = f"offer:entry:{event.entry_id}:{event.expires_at:%Y%m%d%H%M}", "waitlist_offer", event.expires_at
        elif isinstance(event, ev.WaitlistEnrolled):
            body, key, kind = words.waitlist_enrolled(view), f"enrolled:entry:{event.entry_id}", "waitlist_enrolled"
        elif isinstance(event, ev.WaitlistSkipped):
            body, key, kind = words.skipped(view, event.reason), f"skipped:entry:{event.entry_id}", "waitlist_skipped"
        elif isinstance(event, ev.OfferExpired):
            body, key, kind = words.offer_lapsed_notice(view), f"lapsed:entry:{event.entry_id}", "offer_expired"
        elif isinstance(event, ev.SpotGone):
            body = words.spot_gone(view)
            key, kind = f"spot_gone:entry:{event.entry_id}:{clock.now():%Y%m%d%H%M%S}", "spot_gone"
        elif isinstance(event, ev.PenaltyWaived):
            body, key, kind = words.forgiven(view), f"forgiven:booking:{event.booking_id}", "late_cancel_forgiven"
        else:
            continue
        enqueue(session, dedupe_key=key, kind=kind, to_addr=_to(channel, client.phone), body=body, channel=channel,
                client_id=client.id, from_addr=sender(studio, channel), valid_until=valid_until)


def _session_cancelled(session: Session, studio: Studio, event: ev.SessionCancelled) -> None:
    from app.conversation.desk import studio_view
    from app.models import Booking, WaitlistEntry

    class_session = session.get(ClassSession, event.session_id)
    client_ids = [session.get(Booking, b).client_id for b in event.booking_ids]
    client_ids += [session.get(WaitlistEntry, w).client_id for w in event.waitlist_entry_ids]
    for client_id in dict.fromkeys(client_ids):
        client = session.get(Client, client_id)
        channel = channel_for(session, client.phone)
        words = Words(studio_view(studio), channel)
        from app.conversation.desk import SqlDesk

        view = SqlDesk(session, studio, client.phone, channel).session(class_session.id)
        enqueue(session, dedupe_key=f"session_cancelled:{class_session.id}:client:{client.id}",
                kind="session_cancelled", to_addr=_to(channel, client.phone), body=words.session_cancelled(view),
                channel=channel, client_id=client.id, from_addr=sender(studio, channel))


def _session_moved(session: Session, studio: Studio, event: ev.SessionMoved) -> None:
    """Tell each booked client (and each one waiting) the new time, in the location's
    timezone. A booked client's conversation then expects "C": it cancels that booking,
    free of charge because the studio moved it (see ``policies.cancel_terms``)."""
    from dataclasses import replace

    from app.conversation.desk import SqlDesk, studio_view
    from app.models import Booking, Location, WaitlistEntry
    from bot.dialogue.base import State

    class_session = session.get(ClassSession, event.session_id)
    location = session.get(Location, class_session.location_id)
    local = replace(studio_view(studio), timezone=location.timezone)
    view = SqlDesk(session, studio, "", "sms").session(class_session.id)
    now = clock.now()
    told = [(session.get(Booking, b), "booking") for b in event.booking_ids]
    told += [(session.get(WaitlistEntry, w), "waitlist") for w in event.waitlist_entry_ids]
    for row, what in told:
        client = session.get(Client, row.client_id)
        channel = channel_for(session, client.phone)
        body = Words(local, channel).session_moved(view, event.old_starts_at, waiting=what == "waitlist")
        enqueue(session, dedupe_key=f"moved:{class_session.id}:{event.version}:{what}:{row.id}",
                kind="session_moved", to_addr=_to(channel, client.phone), body=body, channel=channel,
                client_id=client.id, from_addr=sender(studio, channel), valid_until=class_session.starts_at)
        if what != "booking":
            continue
        conv = session.scalars(select(Conversation).where(Conversation.phone == client.phone,
                                                          Conversation.channel == channel)).first()
        if conv is None:
            conv = Conversation(phone=client.phone, channel=channel, client_id=client.id)
            session.add(conv)
        conv.state, conv.context = State.REMINDED.value, {"booking_id": row.id}
        conv.expires_at, conv.updated_at = class_session.starts_at, now


def forward_to_staff(session: Session, studio: Studio, person: Person, phone: str, text: str) -> bool:
    """A client asked for a person: text the owner and managers. False when nobody has a phone."""
    from app.conversation.desk import studio_view

    staff = session.scalars(
        select(Staff).where(Staff.role.in_(("owner", "manager", "front_desk")), Staff.active.is_(True),
                            Staff.phone.is_not(None)).order_by(Staff.id)
    ).all()
    if not staff:
        return False
    words = Words(studio_view(studio), "sms")
    who = person.client_name or "A client"
    stamp = clock.now().strftime("%Y%m%d%H%M%S")
    for member in staff:
        enqueue(session, dedupe_key=f"handoff:{phone}:{stamp}:staff:{member.id}", kind="handoff",
                to_addr=member.phone, body=words.staff_forward(who, phone, text), channel="sms",
                staff_id=member.id, from_addr=studio.sms_number)
    return True
