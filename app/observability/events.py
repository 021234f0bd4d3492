"""Domain events counted for the operator: waitlist offers made and lapsed (claims are
counted where the client says YES, app.conversation.engine). Subscribed by the bootstrap;
each count is taken once the transaction that raised the event has committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.booking import events
from app.db import on_commit
from app.observability import metrics


def _offered(session: Session, event: events.WaitlistOffered) -> None:
    studio_id = session.info.get("frontdesk.studio_id")
    on_commit(session, lambda: metrics.waitlist_offer("made", studio_id))


def _lapsed(session: Session, event: events.OfferExpired) -> None:
    studio_id = session.info.get("frontdesk.studio_id")
    on_commit(session, lambda: metrics.waitlist_offer("lapsed", studio_id))


HANDLERS: dict[type, Callable[[Session, Any], None]] = {events.WaitlistOffered: _offered, events.OfferExpired: _lapsed}
