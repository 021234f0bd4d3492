"""The slow path: LLM-assisted replies, answered through the outbox after the webhook returns.

With ``REDIS_URL`` the work is an RQ job (id ``reply-<MessageSid>``, so a duplicate
enqueue is refused); in the embedded default it runs on a background thread.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from app.conversation.engine import complete_deferred
from app.db import Database
from bot.nlu.llm import LlmParser

log = logging.getLogger(__name__)
QUEUE = "frontdesk"


def run_deferred(studio_id: int, sid: str) -> list[str]:
    """RQ entry point: rebuilds its own database handle (jobs take ids, not objects)."""
    from app.config import Settings
    from app.db import default_app_role

    settings = Settings()
    db = Database(settings.database_url, app_role=default_app_role(settings.database_url))
    try:
        return complete_deferred(db, studio_id, sid, LlmParser.from_env())
    finally:
        db.dispose()


def make_deferrer(db: Database, llm: LlmParser | None, redis_url: str | None,
                  deliver: Callable[[], None] | None) -> Callable[[int, str], None]:
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE, connection=Redis.from_url(redis_url))

        def enqueue(studio_id: int, sid: str) -> None:
            job_id = "reply-" + "".join(ch for ch in sid if ch.isalnum())
            queue.enqueue(run_deferred, studio_id, sid, job_id=job_id, unique=True)

        return enqueue

    def in_thread(studio_id: int, sid: str) -> None:
        def work() -> None:
            try:
                complete_deferred(db, studio_id, sid, llm)
                if deliver is not None:
                    deliver()
            except Exception:  # a background thread is a process boundary: log, never die silently
                log.exception("deferred reply to %s failed", sid)

        threading.Thread(target=work, name=f"reply-{sid}", daemon=True).start()

    return in_thread
