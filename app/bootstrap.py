"""The composition root: which handler runs for which domain event.

``bootstrap()`` is called by ``create_app``, the worker's jobs and the CLI (and by the
test suite) before any use case runs; calling it again changes nothing. The core only
records events; everything that turns them into texts or payment links is wired here.
"""

from __future__ import annotations

from app.booking import events
from app.notify import clients, leads
from app.payments.fees import fee_charged


def bootstrap() -> None:
    for handlers in (clients.HANDLERS, leads.HANDLERS):
        for event_type, handler in handlers.items():
            events.subscribe(event_type, handler)
    events.subscribe(events.FeeCharged, fee_charged)
