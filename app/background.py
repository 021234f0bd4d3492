"""Run work soon, off the request: an RQ job when ``REDIS_URL`` is set, else a daemon thread.

The one place for "RQ or a thread" (delivery kicks, deferred LLM replies, client imports).
Work handed here is a hint, never a promise: the rows it needs are already committed and a
sweep (the due-work tick, an import's resume) picks up whatever a lost hand-off left. So
``submit`` never raises: Redis down, a refused enqueue or a thread that will not start is
logged and the caller carries on. Call it after the commit (``app.db.on_commit``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from rq.exceptions import DuplicateJobError

log = logging.getLogger(__name__)
QUEUE = "frontdesk"
THREAD_PREFIX = "frontdesk-background: "  # names every thread started here (tests wait on it)


def request_connection(redis_url: str) -> Redis:
    """A Redis client for hand-offs made inside a request: it fails in about a second, not 20.

    One retry (a pooled connection gone stale after a Redis restart), short timeouts: a
    webhook must answer even when Redis is unreachable (Twilio gives up after 15 s).
    """
    return Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 1))


class Background:
    """``submit(what, job, args, local)``: ``job(*args)`` on an RQ worker (a module-level function
    taking ids, that builds its own database handle), or ``local()`` on a thread of this
    process when there is no Redis (the embedded default)."""

    def __init__(self, redis_url: str | None, *, queue: str | None = None) -> None:
        self.queue = Queue(queue or QUEUE, connection=request_connection(redis_url)) if redis_url else None

    def submit(
        self,
        what: str,
        job: Callable[..., Any],
        args: tuple[Any, ...],
        local: Callable[[], None],
        *,
        job_id: str | None = None,
        unique: bool = False,
        job_timeout: int | None = None,
    ) -> None:
        """Hand off ``what`` (words for the log). With ``unique``, a second hand-off of the same
        ``job_id`` while RQ still holds the first is dropped, which is not an error."""
        if self.queue is not None:
            try:
                self.queue.enqueue(job, *args, job_id=job_id, unique=unique, job_timeout=job_timeout, description=what)
            except DuplicateJobError:
                log.info("%s is queued already", what)
            except Exception:  # a hand-off is a hint: the rows are saved and a sweep picks them up
                log.exception("could not enqueue %s; it is left for the sweep", what)
            return

        def work() -> None:
            try:
                local()
            except Exception:  # a background thread is a process boundary: log, never die silently
                log.exception("%s failed", what)

        try:
            threading.Thread(target=work, name=f"{THREAD_PREFIX}{what}"[:80], daemon=True).start()
        except Exception:  # e.g. "can't start new thread"
            log.exception("could not start %s; it is left for the sweep", what)
