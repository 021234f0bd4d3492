"""The outbox: every message sent later, or to someone other than the sender, is a row first.

``enqueue`` joins the caller's transaction and never sends: delivery is a job that runs
after commit (see ``app.messaging.delivery``). The unique ``(studio_id, dedupe_key)``
makes a repeated enqueue a no-op, so a retried use case or job never texts twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import OutboxMessage
from app.observability.logs import current_turn

WRITTEN = "frontdesk.outbox_written"


def enqueue(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    to_addr: str,
    body: str,
    channel: str = "sms",
    client_id: int | None = None,
    staff_id: int | None = None,
    send_after: datetime | None = None,
    valid_until: datetime | None = None,
    from_addr: str | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, Any] | None = None,
    about: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox unless one with ``dedupe_key`` exists; return the row."""
    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return existing
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        kind=kind,
        channel=channel,
        to_addr=to_addr,
        from_addr=from_addr,
        body=body,
        client_id=client_id,
        staff_id=staff_id,
        send_after=send_after or clock.now(),
        valid_until=valid_until,
        content_sid=content_sid,
        content_variables=content_variables,
        about=about,
        status="pending",
        turn_id=current_turn(),
    )
    session.add(message)
    session.flush()
    if WRITTEN in session.info:  # a caller is collecting what it wrote (the inbound turn)
        session.info[WRITTEN].append(message.id)
    return message
