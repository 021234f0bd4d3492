"""One inbound text, end to end: studio, idempotency, lock, understanding, dialogue, log.

``handle_inbound`` is what the Twilio webhook, the simulator, the terminal chat and the
admin playground all call, so they all run the same engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.conversation.desk import SqlDesk
from app.conversation.locks import lock_conversation
from app.db import Database
from app.messaging.outbox import WRITTEN, enqueue
from app.models import Client, Conversation, InboundAddress, Message, Studio
from app.phones import InvalidPhone, to_e164
from bot.dialogue import State, Turn, respond
from bot.nlu.llm import LlmParser
from bot.nlu.parse import LOW_CONFIDENCE, ParseContext, parse
from bot.replies import Words

SEPARATOR = "\x1e"  # between several replies stored in one Message.reply


class UnknownStudio(LookupError):
    """No studio receives messages at this address."""


@dataclass(frozen=True)
class Inbound:
    channel: str  # sms | whatsapp
    from_addr: str  # as Twilio sends it: "+447700900301" or "whatsapp:+447700900301"
    to_addr: str
    body: str
    sid: str
    profile_name: str | None = None
    button_payload: str | None = None


@dataclass
class Handled:
    studio_id: int
    replies: list[str]
    duplicate: bool = False
    state: str = "idle"
    outbox_ids: list[int] = field(default_factory=list)
    deferred: bool = False  # the answer needs the LLM: it will come through the outbox


def studio_for(db: Database, channel: str, to_addr: str) -> Studio:
    address = to_addr.removeprefix("whatsapp:")
    by_address = (
        select(Studio)
        .join(InboundAddress, InboundAddress.studio_id == Studio.id)
        .where(InboundAddress.address == address)
    )
    with db.unscoped() as s:
        studio = s.scalars(by_address.where(InboundAddress.channel == channel)).first()
        if studio is None and channel == "whatsapp":  # a studio may use its SMS number on WhatsApp
            studio = s.scalars(by_address).first()
        if studio is None:
            raise UnknownStudio(to_addr)
        s.expunge(studio)
        return studio


def studio_by_id(db: Database, studio_id: int) -> Studio:
    with db.unscoped() as s:
        studio = s.get(Studio, studio_id)
        if studio is None:
            raise UnknownStudio(f"studio {studio_id}")
        s.expunge(studio)
        return studio


def handle_inbound(
    db: Database, msg: Inbound, *, llm: LlmParser | None = None, defer: bool = False, studio_id: int | None = None
) -> Handled:
    """Raises ``UnknownStudio`` or ``InvalidPhone`` before writing anything.

    With ``llm``, a message the rules can't read is sent to the model. With ``defer``
    (the webhook's case: Twilio waits 15 s at most) that is not done here: the message
    is logged, ``Handled.deferred`` is set, and the caller runs ``complete_deferred``
    in a job that answers through the outbox.
    ``studio_id`` names the studio directly instead of finding it from ``to_addr``
    (the admin playground: a studio may not have a number yet).
    """
    studio = studio_for(db, msg.channel, msg.to_addr) if studio_id is None else studio_by_id(db, studio_id)
    phone = to_e164(msg.from_addr)
    with db.studio(studio.id) as session:
        lock_conversation(session, studio.id, phone, msg.channel)
        return _handle(session, studio, phone, msg, llm, defer)


def complete_deferred(db: Database, studio_id: int, sid: str, llm: LlmParser | None) -> list[str]:
    """The slow path: answer a logged message with the LLM's help, through the outbox.

    One transaction: the turn, the log and the reply rows commit together. A retried job
    finds the reply logged and does nothing. Returns the replies written (``[]`` then).
    """
    studio = studio_by_id(db, studio_id)
    with db.studio(studio_id) as session:
        phone, channel = session.execute(
            select(Message.phone, Message.channel).where(Message.provider_sid == sid, Message.direction == "in")
        ).one()
        lock_conversation(session, studio_id, phone, channel)
        logged = session.scalars(select(Message).where(Message.provider_sid == sid, Message.direction == "in")).one()
        if logged.reply:  # done already (a retried job)
            return []
        msg = Inbound(logged.channel, logged.from_addr, logged.to_addr, logged.body, sid)
        conv = session.get(Conversation, logged.conversation_id)
        assert conv is not None
        now = clock.now()
        turn, client_id = _turn(session, studio, logged.phone, msg, conv, now, llm, defer=False)
        _finish(session, conv, logged, msg, turn, now, logged.phone, client_id)
        for n, reply in enumerate(turn.replies):
            enqueue(
                session,
                dedupe_key=f"reply:{sid}:{n}",
                kind="reply",
                to_addr=msg.from_addr,
                body=reply,
                channel=msg.channel,
                client_id=conv.client_id,
                from_addr=msg.to_addr,
            )
        return turn.replies


class _Deferred(Exception):
    """The rules could not read the message and the LLM may not be called in-request."""


def _handle(session: Session, studio: Studio, phone: str, msg: Inbound, llm: LlmParser | None, defer: bool) -> Handled:
    """The turn, in the caller's one transaction (committed when ``handle_inbound``'s block ends).

    The inbound row, the replies and the conversation's new state are written at the end,
    in one flush: a turn that fails leaves nothing, and Twilio's retry runs it afresh.
    """
    logged = session.scalars(select(Message).where(Message.provider_sid == msg.sid, Message.direction == "in")).first()
    if logged is not None:
        conv = session.get(Conversation, logged.conversation_id) if logged.conversation_id else None
        return Handled(
            studio.id,
            [r for r in (logged.reply or "").split(SEPARATOR) if r],
            duplicate=True,
            state=conv.state if conv else "idle",
        )
    now = clock.now()
    conv = _conversation(session, phone, msg.channel)
    logged = Message(
        direction="in",
        channel=msg.channel,
        phone=phone,
        from_addr=msg.from_addr,
        to_addr=msg.to_addr,
        body=msg.body,
        provider_sid=msg.sid,
        created_at=now,
    )
    _touch_client(session, phone, msg, now)
    session.info[WRITTEN] = []
    try:
        turn, client_id = _turn(session, studio, phone, msg, conv, now, llm, defer)
    except _Deferred:
        logged.reply = ""  # a retried webhook gets an empty answer; the job replies
        _save(session, conv, [logged])
        return Handled(studio.id, [], state=conv.state, deferred=True)
    _finish(session, conv, logged, msg, turn, now, phone, client_id)
    return Handled(studio.id, turn.replies, state=conv.state, outbox_ids=sorted(set(session.info.pop(WRITTEN))))


def _save(session: Session, conv: Conversation, messages: list[Message]) -> None:
    """Write the conversation (new or changed) and its messages: one flush, the messages in one INSERT."""
    if conv.id is None:
        session.add(conv)
        session.flush()
    for message in messages:
        message.conversation_id = conv.id
    session.add_all(messages)
    session.flush()


def _finish(
    session: Session,
    conv: Conversation,
    logged: Message,
    msg: Inbound,
    turn: Turn,
    now: datetime,
    phone: str,
    client_id: int | None,
) -> None:
    """Persist the conversation's new state and log the message with its replies (the caller commits)."""
    conv.state = turn.state.value
    conv.context = turn.context
    conv.expires_at = now + turn.expires_in if turn.expires_in else None
    conv.version = (conv.version or 0) + 1
    conv.updated_at = now
    conv.client_id = client_id
    logged.client_id = client_id
    logged.reply = SEPARATOR.join(turn.replies) or SEPARATOR  # answered, even with nothing: "" means waiting
    replies = [
        Message(
            client_id=client_id,
            direction="out",
            channel=msg.channel,
            phone=phone,
            from_addr=msg.to_addr,
            to_addr=msg.from_addr,
            body=reply,
            created_at=now,
        )
        for reply in turn.replies
    ]
    _save(session, conv, [logged, *replies])


def _conversation(session: Session, phone: str, channel: str) -> Conversation:
    """This phone's conversation on ``channel``; a new one is not added until the turn's end."""
    conv = session.scalars(
        select(Conversation).where(Conversation.phone == phone, Conversation.channel == channel)
    ).first()
    return conv or Conversation(phone=phone, channel=channel, state="idle", context={}, version=0)


def _touch_client(session: Session, phone: str, msg: Inbound, now: datetime) -> None:
    if msg.channel != "whatsapp":
        return
    client = session.scalars(select(Client).where(Client.phone == phone)).first()
    if client is not None:
        client.last_whatsapp_inbound_at = now


def _turn(
    session: Session,
    studio: Studio,
    phone: str,
    msg: Inbound,
    conv: Conversation,
    now: datetime,
    llm: LlmParser | None = None,
    defer: bool = False,
) -> tuple[Turn, int | None]:
    """The dialogue's answer, and the client this phone is by the end of it (it may have registered)."""
    desk = SqlDesk(session, studio, phone, msg.channel)
    words = Words(desk.studio, msg.channel)
    state, context = conv.state, dict(conv.context or {})
    if conv.expires_at is not None and conv.expires_at <= now:
        state, context = State.IDLE.value, {}  # the question lapsed: read the message fresh
    ctx = ParseContext(now, studio.timezone, studio.date_order, desk.catalog())
    understood = parse(msg.body, ctx)
    if llm is not None and understood.confidence < LOW_CONFIDENCE and state == State.IDLE.value:
        if defer:
            raise _Deferred()
        understood = llm.parse(msg.body, ctx, understood) or understood
    turn = respond(
        desk, words, state, context, understood, msg.body, button=msg.button_payload, profile_name=msg.profile_name
    )
    return turn, desk.person.client_id


__all__ = ["Handled", "Inbound", "InvalidPhone", "UnknownStudio", "handle_inbound", "studio_for"]
