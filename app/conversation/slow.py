"""The slow path: LLM-assisted replies, answered through the outbox after the webhook returns.

The webhook logs a message the rules can't read (``Message.reply == ""``: waiting) and hands
it here. With ``REDIS_URL`` the work is an RQ job (id ``reply-<MessageSid>``: a duplicate
enqueue is refused, which is not an error); in the embedded default it runs on a background
thread. Either way, once ``complete_deferred`` has committed the reply rows they are sent at
once, not at the next due-work tick.

A hand-off that fails (Redis down, a worker lost, the process restarted) leaves the message
logged and waiting; the due-work tick answers it with ``answer_deferred``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.background import Background
from app.bootstrap import bootstrap
from app.config import Settings
from app.conversation.engine import complete_deferred
from app.db import Database, default_app_role
from app.messaging.delivery import deliver_studio
from app.messaging.transports import Transport, status_callback_url, transport_from_env
from app.models import Message
from bot.nlu.llm import LlmParser

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(seconds=30)  # a job or thread in flight has this long before the tick steps in
GIVE_UP_AFTER = timedelta(hours=12)  # an answer later than this would confuse more than help
BATCH = 50  # at most this many waiting messages per tick: the tick stays short


def send_now(db: Database, studio_id: int, transport: Transport) -> None:
    """Send the studio's due texts (the reply just written among them). Never raises: what
    this could not send stays pending and the due-work tick sends it."""
    try:
        with db.studio(studio_id) as session:
            deliver_studio(session, transport, status_callback=status_callback_url())
    except Exception:  # the reply is saved; delivery is retried by the due-work tick
        log.exception("sending the texts of studio %s failed; the due-work tick will send", studio_id)


def run_deferred(studio_id: int, sid: str) -> list[str]:
    """RQ entry point: answer the message, then send the reply. Builds its own database handle
    (jobs take ids, not objects) after the composition root, as every worker entry point does."""
    bootstrap()
    settings = Settings()
    db = Database(settings.database_url, app_role=default_app_role(settings.database_url))
    try:
        replies = complete_deferred(db, studio_id, sid, LlmParser.from_env())
        send_now(db, studio_id, transport_from_env())  # after complete_deferred's commit
        return replies
    finally:
        db.dispose()


def make_deferrer(
    db: Database, llm: LlmParser | None, redis_url: str | None, deliver: Callable[[int], None] | None = None
) -> Callable[[int, str], None]:
    """``defer(studio_id, sid)``: answer a logged message soon, off the request. Never raises.

    Call it after the commit that logged the message. The RQ job is unique per message
    (``reply-<sid>``). ``deliver`` is the app's delivery kick for the thread path; without it
    the thread sends the studio's due texts itself.
    """
    background = Background(redis_url)
    transport = transport_from_env(echo=True)

    def defer(studio_id: int, sid: str) -> None:
        def here() -> None:
            complete_deferred(db, studio_id, sid, llm)
            if deliver is not None:  # after complete_deferred's commit
                deliver(studio_id)
            else:
                send_now(db, studio_id, transport)

        job_id = "reply-" + "".join(ch for ch in sid if ch.isalnum())
        background.submit(
            f"the deferred reply to {sid}", run_deferred, (studio_id, sid), here, job_id=job_id, unique=True
        )

    return defer


def answer_deferred(db: Database, make_llm: Callable[[], LlmParser | None] | None = None) -> int:
    """The due-work tick's catch-up: answer messages logged for the slow path and still waiting
    ``RETRY_AFTER`` later (their job or thread was lost), up to ``GIVE_UP_AFTER`` old.

    Safe beside a job answering the same message: ``complete_deferred`` takes the
    conversation lock and finds the reply logged. Returns how many were answered; the reply
    rows go out with the tick's delivery. ``make_llm`` defaults to ``LlmParser.from_env``.
    """
    now = clock.now()
    with db.system("slow path: logged messages still waiting for an answer") as s:
        waiting = s.execute(
            select(Message.studio_id, Message.provider_sid)
            .where(
                Message.direction == "in",
                Message.reply == "",
                Message.provider_sid.is_not(None),
                Message.created_at <= now - RETRY_AFTER,
                Message.created_at > now - GIVE_UP_AFTER,
            )
            .order_by(Message.created_at)
            .limit(BATCH)
        ).all()
    if not waiting:
        return 0
    llm = (make_llm or LlmParser.from_env)()  # built only when something is waiting
    answered = 0
    for studio_id, sid in waiting:
        if sid is None:  # the query asks for messages with a provider sid
            continue
        try:
            complete_deferred(db, studio_id, sid, llm)
            answered += 1
        except Exception:  # one message must not stop the others; it is tried again next tick
            log.exception("answering the waiting message %s failed", sid)
    return answered
