"""Hand work to a worker: RQ when ``REDIS_URL`` is set, else a background thread."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from app import clock
from app.db import Database

log = logging.getLogger(__name__)
QUEUE = "frontdesk"


def make_deliverer(db: Database, redis_url: str | None) -> Callable[[int], None]:
    """``deliver(studio_id)``: send that studio's due texts soon, without holding the request."""
    if redis_url:
        from redis import Redis
        from rq import Queue

        from jobs.tasks import deliver_outbox

        queue = Queue(QUEUE, connection=Redis.from_url(redis_url))

        def enqueue(studio_id: int) -> None:
            # one job per studio per second is plenty; a duplicate id is refused by RQ
            job_id = f"deliver-{studio_id}-{clock.now():%Y%m%d%H%M%S}"
            queue.enqueue(deliver_outbox, studio_id, job_id=job_id, unique=True)

        return enqueue

    from app.messaging.delivery import deliver_studio
    from app.messaging.transports import status_callback_url, transport_from_env

    transport = transport_from_env(echo=True)

    def in_thread(studio_id: int) -> None:
        def work() -> None:
            try:
                with db.studio(studio_id) as session:
                    deliver_studio(session, transport, status_callback=status_callback_url())
            except Exception:  # a background thread is a process boundary: log it
                log.exception("delivering texts for studio %s failed", studio_id)

        threading.Thread(target=work, name=f"deliver-{studio_id}", daemon=True).start()

    return in_thread
