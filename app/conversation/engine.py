"""One inbound text, end to end: studio, idempotency, lock, understanding, dialogue, log.

``handle_inbound`` is what the Twilio webhook, the simulator, the terminal chat and the
admin playground all call, so they all run the same engine.

The staff inbox (issue 16) reads two things the engine writes on the conversation row:
a flag when a person should read a text (a hand-off, a dispute, a text the bot could not
read, one not in English), and the takeover: while ``Conversation.human_until`` is in the
future a member of staff has the conversation and the bot answers nothing; the text is
only logged and flagged (carrier keywords STOP/START/HELP are still honoured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random

from app import clock
from app.conversation.desk import SqlDesk
from app.conversation.locks import lock_conversation
from app.db import Database, on_commit
from app.messaging.outbox import WRITTEN, enqueue
from app.models import Client, Conversation, InboundAddress, Message, Studio
from app.observability import metrics
from app.phones import InvalidPhone, to_e164
from bot.desk import Outcome
from bot.dialogue import State, Turn, respond
from bot.nlu.compliance import keyword, plain_opt_out
from bot.nlu.llm import LlmParser
from bot.nlu.parse import LOW_CONFIDENCE, Parse, ParseContext, parse
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
    for attempt in Retrying(
        retry=retry_if_exception(lost_to_another_transaction),
        stop=stop_after_attempt(3),
        wait=wait_random(0.01, 0.1),
        reraise=True,
    ):
        with attempt, db.studio(studio.id) as session:
            lock_conversation(session, studio.id, phone, msg.channel)
            return _handle(session, studio, phone, msg, llm, defer)
    raise AssertionError("unreachable: tenacity returns or re-raises")


def lost_to_another_transaction(exc: BaseException) -> bool:
    """PostgreSQL chose this turn's transaction to break a deadlock (or a serialization
    conflict, SQLSTATE 40P01 / 40001): it was rolled back whole, so running the turn again
    is safe (the message is logged only by a turn that commits)."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, OperationalError) and code in ("40P01", "40001")


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
        if human_has_it(conv, now):  # staff took over while the model was asked: they answer
            logged.reply = SEPARATOR
            flag(conv, TEXTED_DURING_TAKEOVER, now)
            return []
        turn, client_id, reason = _turn(session, studio, logged.phone, msg, conv, now, llm, defer=False)
        if reason:
            flag(conv, reason, now)
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


TEXTED_DURING_TAKEOVER = "texted while staff have the conversation"
ASKED_FOR_PERSON = "asked for a person"
DISPUTE = "questions a charge"
UNREADABLE = "the bot couldn't read it"
QUESTION = "a question for the team"


def human_has_it(conv: Conversation, now: datetime) -> bool:
    """True while a member of staff has taken this conversation over (the bot stays quiet)."""
    return conv.human_until is not None and conv.human_until > now


def flag(conv: Conversation, reason: str, now: datetime) -> None:
    """Mark the conversation for a person in the staff inbox, saying why."""
    conv.needs_person = True
    conv.flag_reason = reason[:120]
    conv.flagged_at = now


def _compliance(body: str) -> bool:
    """Carrier keywords and plain opt-outs: answered by the bot even while staff have the
    conversation (an opt-out must be recorded, and HELP answered, whoever is talking)."""
    return keyword(body) is not None or plain_opt_out(body)


class _FlaggingDesk(SqlDesk):
    """The engine's Desk: notes when the dialogue handed the text to a person."""

    asked_staff = False

    def book(self, session_id: int, allow_overlap: bool = False) -> Outcome:
        return self._counted("book", super().book(session_id, allow_overlap))

    def cancel(self, booking_id: int, accept_late: bool) -> Outcome:
        return self._counted("cancel", super().cancel(booking_id, accept_late))

    def move(self, booking_id: int, session_id: int, accept_late: bool = False) -> Outcome:
        return self._counted("move", super().move(booking_id, session_id, accept_late))

    def claim_offer(self, session_id: int | None = None) -> Outcome:
        outcome = super().claim_offer(session_id)
        if outcome.ok:
            on_commit(self.db, lambda: metrics.waitlist_offer("claimed", self.studio_row.id))
        return outcome

    def _counted(self, action: str, outcome: Outcome) -> Outcome:
        """Count what the client's action came to, once the turn has committed."""
        result = "ok" if outcome.ok else outcome.kind
        on_commit(self.db, lambda: metrics.client_action(action, result, self.studio_row.id))
        return outcome

    def ask_staff(self, text: str) -> bool:
        """True: the thread is flagged in the staff inbox whatever happens (issue 16), and the
        desk staff with a phone are texted too; so the client is told it reached the team."""
        self.asked_staff = True
        super().ask_staff(text)
        return True


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
    if conv.id is None:  # a first text on this channel: staff may have the phone's other one
        _inherit_takeover(session, conv, phone)
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
    if human_has_it(conv, now) and not _compliance(msg.body):
        logged.reply = SEPARATOR  # answered by nobody: a person has it; logged and flagged
        logged.client_id = conv.client_id
        flag(conv, TEXTED_DURING_TAKEOVER, now)
        conv.updated_at = now
        _save(session, conv, [logged])
        return Handled(studio.id, [], state=conv.state)
    session.info[WRITTEN] = []
    try:
        turn, client_id, reason = _turn(session, studio, phone, msg, conv, now, llm, defer)
    except _Deferred:
        logged.reply = ""  # a retried webhook gets an empty answer; the job replies
        _save(session, conv, [logged])
        return Handled(studio.id, [], state=conv.state, deferred=True)
    if reason:
        flag(conv, reason, now)
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


def _inherit_takeover(session: Session, conv: Conversation, phone: str) -> None:
    """A new conversation of a phone staff have taken over on another channel is theirs too."""
    other = session.scalars(
        select(Conversation).where(Conversation.phone == phone, Conversation.human_until.is_not(None))
    ).first()
    if other is not None:
        conv.human_by, conv.human_until = other.human_by, other.human_until


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
) -> tuple[Turn, int | None, str | None]:
    """The dialogue's answer, the client this phone is by the end of it (it may have
    registered), and why a person should read the text (None when the bot dealt with it)."""
    desk = _FlaggingDesk(session, studio, phone, msg.channel)
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
    return turn, desk.person.client_id, _flag_reason(desk, words, understood, turn)


def _flag_reason(desk: _FlaggingDesk, words: Words, understood: Parse, turn: Turn) -> str | None:
    """Why the staff inbox should flag this text, from what the dialogue did with it."""
    if understood.lang and (desk.asked_staff or turn.context.get("handed_off")):
        return f"wrote in another language ({understood.lang})"
    if desk.asked_staff:
        if understood.intent == "dispute" or any(r == words.dispute_forwarded(True) for r in turn.replies):
            return DISPUTE
        if understood.intent == "human":
            return ASKED_FOR_PERSON
        return QUESTION
    if words.unknown() in turn.replies:
        return UNREADABLE
    return None


__all__ = [
    "Handled",
    "Inbound",
    "InvalidPhone",
    "UnknownStudio",
    "flag",
    "handle_inbound",
    "human_has_it",
    "studio_for",
]
