"""The composition root: which handler runs for which domain event.

``bootstrap()`` is called by ``create_app``, the worker's jobs and the CLI (and by the
test suite) before any use case runs; calling it again changes nothing. The core only
records events; everything that turns them into texts or payment links is wired here.
"""

from __future__ import annotations

from app.booking import events
from app.notify import attendance, clients, leads, offer_rules
from app.notify.text_rules import register_rules as register_text_rules
from app.observability import events as counted
from app.payments.fees import FEE_LINK_RULE, fee_charged


def bootstrap() -> None:
    for handlers in (clients.HANDLERS, leads.HANDLERS, attendance.HANDLERS, counted.HANDLERS):
        for event_type, handler in handlers.items():
            events.subscribe(event_type, handler)
    events.subscribe(events.FeeCharged, fee_charged)
    register_text_rules(FEE_LINK_RULE, attendance.SEND_RULE)  # texts re-checked just before they go (issue 11)
    offer_rules.register()  # an offer's claim window starts when its text goes (issue 11)
