"""Hand work to a worker: RQ when ``REDIS_URL`` is set, else a background thread.

A kick is a hint, never a promise: the outbox rows are already committed, and the due-work
tick (``jobs.due.run_due``) sends whatever a kick failed to. So a kick never raises: Redis
down, a refused enqueue or a thread that will not start is logged and the caller carries on.
Call it after the commit that wrote the rows (``app.db.on_commit``), never before.
"""

from __future__ import annotations

from collections.abc import Callable

from app.background import Background
from app.db import Database
from app.messaging.delivery import deliver_studio
from app.messaging.transports import status_callback_url, transport_from_env
from jobs.tasks import deliver_outbox


def make_deliverer(db: Database, redis_url: str | None) -> Callable[[int], None]:
    """``deliver(studio_id)``: send that studio's due texts soon, without holding the request.

    With Redis, every kick enqueues its own job. Kicks are not deduplicated (a per-second job
    id refused the second text of a second and lost its kick): running the job twice is
    harmless because ``deliver_studio`` claims each row before sending it.
    """
    background = Background(redis_url)
    transport = transport_from_env(echo=True)

    def deliver(studio_id: int) -> None:
        def here() -> None:
            with db.studio(studio_id) as session:
                deliver_studio(session, transport, status_callback=status_callback_url())

        background.submit(f"delivery of studio {studio_id}'s texts", deliver_outbox, (studio_id,), here)

    return deliver
