"""Hand work to a worker: RQ when ``REDIS_URL`` is set, else a background thread.

A kick is a hint, never a promise: the outbox rows are already committed, and the due-work
tick (``jobs.due.run_due``) sends whatever a kick failed to. So a kick never raises: Redis
down, a refused enqueue or a thread that will not start is logged and the caller carries on.
Call it after the commit that wrote the rows (``app.db.on_commit``), never before.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

from app.db import Database
from app.messaging.delivery import deliver_studio
from app.messaging.transports import status_callback_url, transport_from_env
from jobs.tasks import deliver_outbox

log = logging.getLogger(__name__)
QUEUE = "frontdesk"


def kick_connection(redis_url: str) -> Redis:
    """A Redis client for kicks made inside a request: it fails in about a second, not 20.

    One retry (a pooled connection gone stale after a Redis restart), short timeouts: a
    webhook must answer even when Redis is unreachable (Twilio gives up after 15 s).
    """
    return Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2,
                          retry=Retry(NoBackoff(), 1))


def make_deliverer(db: Database, redis_url: str | None) -> Callable[[int], None]:
    """``deliver(studio_id)``: send that studio's due texts soon, without holding the request.

    With Redis, every kick enqueues its own job. Kicks are not deduplicated (a per-second job
    id refused the second text of a second and lost its kick): running the job twice is
    harmless because ``deliver_studio`` claims each row before sending it.
    """
    if redis_url:
        queue = Queue(QUEUE, connection=kick_connection(redis_url))

        def enqueue(studio_id: int) -> None:
            try:
                queue.enqueue(deliver_outbox, studio_id, description=f"deliver the texts of studio {studio_id}")
            except Exception:  # a kick is a hint: the rows are saved and the due-work tick sends them
                log.exception("could not enqueue delivery for studio %s; the due-work tick will send", studio_id)

        return enqueue

    transport = transport_from_env(echo=True)

    def in_thread(studio_id: int) -> None:
        def work() -> None:
            try:
                with db.studio(studio_id) as session:
                    deliver_studio(session, transport, status_callback=status_callback_url())
            except Exception:  # a background thread is a process boundary: log it
                log.exception("delivering texts for studio %s failed", studio_id)

        try:
            threading.Thread(target=work, name=f"deliver-{studio_id}", daemon=True).start()
        except Exception:  # e.g. "can't start new thread": the due-work tick sends them
            log.exception("could not start delivery for studio %s; the due-work tick will send", studio_id)

    return in_thread
