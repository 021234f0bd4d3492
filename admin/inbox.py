"""The staff inbox: threads per phone, flags, unread, replies from staff and human takeover.

Everything here runs in the caller's studio session and never commits (the view does).

- A thread is every message to and from one phone (a client's or a stranger's), on SMS
  and WhatsApp together. Its markers come from the phone's conversation rows: unread (a
  text arrived after staff last opened the thread) and "needs a person" (the engine flags
  hand-offs, disputes, texts it couldn't read and texts not in English; see
  ``app.conversation.engine``).
- A staff reply is a row in the outbox (``app.messaging.outbox.enqueue``) on the channel
  the client last used, so delivery applies opt-outs, WhatsApp's 24-hour window and
  pacing as for any text. What can be known now (opted out, no studio number, outside the
  window with no template and no SMS fallback) is refused here with the reason. Each reply
  is logged in the audit log with the staff member's name.
- Takeover: replying, or "Take over", pauses the bot on the phone's conversations for the
  studio's ``Policy.human_idle_minutes`` (each reply restarts it) or until "Hand back".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from app import audit, clock
from app.booking.policies import load_policy
from app.messaging.outbox import enqueue
from app.models import (
    AuditLog,
    Booking,
    BookingRequest,
    ClassSession,
    Client,
    Conversation,
    Lead,
    Message,
    OutboxMessage,
    Studio,
)
from app.notify.addressing import address, channel_for, sender

MAX_REPLY = 1000
WHATSAPP_WINDOW = timedelta(hours=24)
FILTERS = {"all": "All", "needs": "Needs a person", "unread": "Unread"}
STAFF_REPLY = "staff_reply:"  # the dedupe-key prefix of a staff member's reply
SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2026": "..."})


class InboxError(ValueError):
    """A reply or action that can't be done, in words for the staff member."""


@dataclass(frozen=True)
class ThreadRow:
    phone: str
    client: Client | None
    last: Message
    unread: bool
    needs_person: bool
    reason: str | None
    human_until: datetime | None


# --------------------------------------------------------------------------- who sees what


def own_client_ids(staff_id: int) -> CompoundSelect:
    """The clients an instructor works with: booked into their classes or appointments,
    asking them for a 1:1, or a lead matched to them."""
    return union(
        select(Booking.client_id)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(ClassSession.instructor_id == staff_id),
        select(BookingRequest.client_id).where(BookingRequest.staff_id == staff_id),
        select(Lead.client_id).where(Lead.staff_id == staff_id, Lead.client_id.is_not(None)),
    )


def may_see(session: Session, phone: str, instructor_id: int | None) -> bool:
    """Desk staff see every thread; an instructor (``instructor_id``) only their clients'."""
    if instructor_id is None:
        return True
    own = own_client_ids(instructor_id).subquery()
    found = session.scalar(
        select(func.count()).select_from(Client).where(Client.phone == phone, Client.id.in_(select(own.c[0])))
    )
    return bool(found)


# --------------------------------------------------------------------------- the list


def _convs() -> Any:
    flagged = func.max(case((Conversation.needs_person.is_(True), 1), else_=0))
    return (
        select(
            Conversation.phone.label("phone"),
            flagged.label("flagged"),
            func.max(Conversation.flag_reason).label("reason"),
            func.max(Conversation.read_at).label("read_at"),
            func.max(Conversation.human_until).label("human_until"),
        )
        .group_by(Conversation.phone)
        .subquery()
    )


def threads(
    session: Session,
    *,
    show: str = "all",
    q: str = "",
    instructor_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[ThreadRow], int]:
    """One row per phone, the newest activity first, with its markers; and how many in all."""
    latest = select(
        Message.phone.label("phone"),
        func.max(Message.id).label("id"),
        func.max(case((Message.direction == "in", Message.created_at))).label("last_in"),
    ).group_by(Message.phone)
    if q:
        digits = re.sub(r"\D", "", q)
        named = select(Client.phone).where(func.lower(Client.name).contains(q.lower(), autoescape=True))
        latest = latest.where(
            or_(
                Message.phone.in_(named),
                func.lower(Message.body).contains(q.lower(), autoescape=True),
                *([Message.phone.contains(digits, autoescape=True)] if len(digits) >= 3 else []),
            )
        )
    if instructor_id is not None:
        own = own_client_ids(instructor_id).subquery()
        latest = latest.where(Message.phone.in_(select(Client.phone).where(Client.id.in_(select(own.c[0])))))
    last = latest.subquery()
    convs = _convs()
    unread = and_(last.c.last_in.is_not(None), or_(convs.c.read_at.is_(None), last.c.last_in > convs.c.read_at))
    query = (
        select(Message, Client, convs.c.flagged, convs.c.reason, convs.c.human_until, unread.label("unread"))
        .join(last, last.c.id == Message.id)
        .outerjoin(convs, convs.c.phone == Message.phone)
        .outerjoin(Client, Client.phone == Message.phone)
    )
    if show == "needs":
        query = query.where(convs.c.flagged == 1)
    elif show == "unread":
        query = query.where(unread)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Message.created_at.desc(), Message.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    now = clock.now()
    return [
        ThreadRow(
            phone=m.phone,
            client=client,
            last=m,
            unread=bool(is_unread),
            needs_person=bool(flagged),
            reason=reason if flagged else None,
            human_until=until if until is not None and until > now else None,
        )
        for m, client, flagged, reason, until, is_unread in rows
    ], total


def counts(session: Session, instructor_id: int | None = None) -> dict[str, int]:
    """How many threads each filter shows (for the filter tabs)."""
    return {key: threads(session, show=key, instructor_id=instructor_id, per_page=1)[1] for key in FILTERS}


# --------------------------------------------------------------------------- one thread


@dataclass(frozen=True)
class Bubble:
    direction: str  # in | out
    body: str
    at: datetime
    channel: str
    author: str  # "them" | "Bot" | a staff member's name | "Automatic text"
    status: str | None = None  # a staff reply not sent yet: pending, skipped, failed...
    note: str | None = None


def conversations(session: Session, phone: str) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(Conversation.phone == phone).order_by(Conversation.id)))


def bubbles(session: Session, phone: str, messages: list[Message]) -> list[Bubble]:
    """The thread's messages, oldest first, each marked with who wrote it; staff replies not
    sent yet (or refused at send time) are shown at their time with their status."""
    addresses = (phone, address("whatsapp", phone))
    outbox = session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr.in_(addresses))).all()
    by_sid = {row.provider_sid: row for row in outbox if row.provider_sid}
    authors = _authors(session, [row.id for row in outbox if row.dedupe_key.startswith(STAFF_REPLY)])
    out: list[Bubble] = []
    for m in messages:
        if m.direction == "in":
            out.append(Bubble("in", m.body, m.created_at, m.channel, "them"))
            continue
        row = by_sid.get(m.provider_sid) if m.provider_sid else None
        out.append(Bubble("out", m.body, m.created_at, m.channel, _author(row, authors)))
    oldest = messages[0].created_at if messages else None
    for row in outbox:
        if row.provider_sid or not row.dedupe_key.startswith(STAFF_REPLY):
            continue
        if oldest is not None and row.created_at < oldest:
            continue
        note = row.error_message if row.status not in ("pending", "sending") else None
        out.append(Bubble("out", row.body, row.created_at, row.channel, authors.get(row.id, "Staff"), row.status, note))
    out.sort(key=lambda b: b.at)
    return out


def _authors(session: Session, outbox_ids: list[int]) -> dict[int, str]:
    if not outbox_ids:
        return {}
    lines = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "staff_reply",
            AuditLog.entity == "outbox",
            AuditLog.entity_id.in_([str(i) for i in outbox_ids]),
        )
    )
    return {int(line.entity_id): str((line.after or {}).get("by") or "Staff") for line in lines if line.entity_id}


def _author(row: OutboxMessage | None, authors: dict[int, str]) -> str:
    if row is None or row.kind == "reply" and not row.dedupe_key.startswith(STAFF_REPLY):
        return "Bot"
    if row.dedupe_key.startswith(STAFF_REPLY):
        return authors.get(row.id, "Staff")
    return "Automatic text"


def mark_read(session: Session, phone: str, now: datetime) -> None:
    for conv in conversations(session, phone):
        conv.read_at = now


# --------------------------------------------------------------------------- acting


def _take(session: Session, phone: str, by: str, now: datetime) -> list[Conversation]:
    """Pause the bot on every conversation of ``phone`` (one is made if it has none)."""
    until = now + timedelta(minutes=max(1, load_policy(session).human_idle_minutes or 60))
    convs = conversations(session, phone)
    if not convs:
        client = session.scalars(select(Client).where(Client.phone == phone)).first()
        conv = Conversation(
            phone=phone,
            channel=channel_for(session, phone),
            client_id=client.id if client else None,
            state="idle",
            context={},
            version=0,
            updated_at=now,
        )
        session.add(conv)
        convs = [conv]
    for conv in convs:
        conv.human_by, conv.human_until = by, until
    session.flush()
    return convs


def take_over(session: Session, phone: str, *, by: str, actor: str) -> datetime:
    """Staff have this conversation: the bot stays quiet until the returned time (or hand-back)."""
    now = clock.now()
    convs = _take(session, phone, by, now)
    audit.record(session, actor=actor, action="take_over", entity="conversation", entity_id=convs[0].id)
    assert convs[0].human_until is not None
    return convs[0].human_until


def hand_back(session: Session, phone: str, *, actor: str) -> None:
    """The bot answers this phone again; its flag is cleared (staff have dealt with it)."""
    convs = conversations(session, phone)
    for conv in convs:
        conv.human_by = conv.human_until = None
        conv.needs_person, conv.flag_reason = False, None
    if convs:
        audit.record(session, actor=actor, action="hand_back", entity="conversation", entity_id=convs[0].id)


def resolve(session: Session, phone: str) -> None:
    """Clear the "needs a person" marker without replying."""
    for conv in conversations(session, phone):
        conv.needs_person, conv.flag_reason = False, None


@dataclass(frozen=True)
class Sent:
    row: OutboxMessage
    note: str | None  # how it will go, when not as typed (by SMS instead of WhatsApp...)


def reply(session: Session, studio: Studio, phone: str, body: str, *, by: str, actor: str, token: str) -> Sent:
    """A staff member's reply to ``phone``: an outbox row on the client's channel, logged with
    their name; the conversation is taken over and its flag cleared. ``token`` (one per form)
    makes a resubmitted form a no-op. Raises ``InboxError`` (nothing written) when it can't go."""
    text = (body or "").translate(SMART).strip()
    if not text:
        raise InboxError("Type a reply first.")
    if len(text) > MAX_REPLY:
        raise InboxError(f"That reply is too long for a text ({MAX_REPLY:,} characters at most).")
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", token or ""):
        raise InboxError("The form expired; please send it again.")
    client = session.scalars(select(Client).where(Client.phone == phone)).first()
    channel = channel_for(session, phone)
    note = None
    if client is not None and client.opted_out(channel):
        if channel == "whatsapp" and not client.opted_out("sms") and studio.sms_number:
            channel, note = "sms", "They opted out of WhatsApp, so this goes by SMS."
        else:
            who = client.name or "This client"
            raise InboxError(f"{who} has opted out of texts (they replied STOP). They can text START to opt back in.")
    if channel == "whatsapp":
        last = client.last_whatsapp_inbound_at if client else None
        if last is None or clock.now() - last >= WHATSAPP_WINDOW:
            if studio.whatsapp_template_sid:
                note = "Over 24 hours since they last wrote on WhatsApp: it goes inside your approved template."
            elif studio.whatsapp_fallback == "sms" and studio.sms_number and not (client and client.opted_out("sms")):
                channel, note = "sms", "Over 24 hours since they last wrote on WhatsApp: this goes by SMS."
            else:
                raise InboxError(
                    "It's over 24 hours since they last wrote on WhatsApp, and there's no approved template "
                    "or SMS fallback, so WhatsApp won't deliver it. Add a template under Setup."
                )
    from_addr = sender(studio, channel)
    if from_addr is None:
        raise InboxError(
            f"The studio has no {'WhatsApp' if channel == 'whatsapp' else 'SMS'} number yet: "
            "add it under Setup, Studio & policies."
        )
    now = clock.now()
    row = enqueue(
        session,
        dedupe_key=f"{STAFF_REPLY}{phone}:{token}",
        kind="reply",
        to_addr=address(channel, phone),
        body=text,
        channel=channel,
        client_id=client.id if client else None,
        from_addr=from_addr,
    )
    if not session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "staff_reply", AuditLog.entity_id == str(row.id))
    ):
        audit.record(
            session,
            actor=actor,
            action="staff_reply",
            entity="outbox",
            entity_id=row.id,
            after={"by": by, "to": phone, "channel": channel, "body": text},
        )
    _take(session, phone, by, now)
    resolve(session, phone)
    return Sent(row, note)
