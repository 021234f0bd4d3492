"""The embedded default's scheduler: due work on a timer inside the web process, no Redis."""

from __future__ import annotations

import logging
import threading

from app.db import Database
from app.messaging.transports import transport_from_env
from jobs.due import run_due

log = logging.getLogger(__name__)
_started: threading.Event | None = None


def start(db: Database, every_seconds: float = 20.0) -> threading.Event:
    """Run ``run_due`` every ``every_seconds`` until the returned event is set. Idempotent."""
    global _started
    if _started is not None:
        return _started
    stop = threading.Event()

    def loop() -> None:

        transport = transport_from_env(echo=True)
        while not stop.wait(every_seconds):
            try:
                run_due(db, transport)
            except Exception:  # the timer thread is a process boundary: log and keep ticking
                log.exception("due work failed")

    threading.Thread(target=loop, name="frontdesk-due-work", daemon=True).start()
    _started = stop
    return stop
