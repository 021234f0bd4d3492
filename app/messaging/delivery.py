"""Outbox delivery: claim a due row, check it may go, send it once, record what happened.

A row moves pending -> sending by a conditional UPDATE, so two workers (or a retried
job) never both send it. Before sending: an opted-out client gets nothing, a text past
its ``valid_until`` is dropped ("starts in 2 hours" is never delivered after the class),
quiet hours move ``send_after`` to the window's end, and a text whose kind has rules
(``send_rules``) is re-checked against the current state and dropped when no longer true. A row found stuck in 'sending'
(a worker died mid-send) is not resent blindly: it is marked for staff to check.
"""

from __future__ import annotations

import os
import threading
import time as time_module
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.booking import rows
from app.booking.policies import in_quiet_hours, quiet_end
from app.db import Database
from app.messaging import send_rules
from app.messaging.transports import SendFailed, Transport
from app.models import Client, Message, OutboxMessage, Policy, Studio

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
STUCK_AFTER = timedelta(minutes=10)
PROACTIVE_EXEMPT = ("reply", "handoff", "daily_digest", "running_late")  # answers and texts to staff are not held


class SenderPace:
    """At most ``per_second`` sends per sender number from this process (carriers and
    Twilio throttle long codes; queuing here keeps validity periods honest)."""

    def __init__(self, per_second: float, sleep=time_module.sleep, monotonic=time_module.monotonic) -> None:
        self.gap = 1.0 / per_second if per_second > 0 else 0.0
        self.sleep, self.monotonic = sleep, monotonic
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def __call__(self, sender: str) -> None:
        if not self.gap:
            return
        with self.lock:
            now = self.monotonic()
            wait = self.last.get(sender, now - self.gap) + self.gap - now
            self.last[sender] = now + max(wait, 0.0)
        if wait > 0:
            self.sleep(wait)


pace = SenderPace(float(os.environ.get("FRONTDESK_SENDER_RATE", "10")))


def _claim(session: Session, row_id: int, now: datetime) -> bool:
    """pending -> sending, for exactly one caller; ``sent_at`` records when it was claimed."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
        .values(status="sending", attempts=OutboxMessage.attempts + 1, sent_at=now)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult; execute() is typed Result
    session.commit()  # the claim is durable before the network call: no other worker sends this row
    return claimed == 1


def deliver_studio(
    session: Session, transport: Transport, *, status_callback: str | None = None, limit: int = 200
) -> list[int]:
    """Send every due row of the session's studio; return the ids sent.

    The outermost caller of a delivery run: it commits per row (the claim before the
    transport call, the outcome after), so a crash mid-run loses at most one row's record."""
    now = clock.now()
    studio = rows.row(session, Studio, session.info["frontdesk.studio_id"])
    policy = session.scalars(select(Policy)).first()
    _release_stuck(session, now)
    due = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.send_after <= now)
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .limit(limit)
    ).all()
    sent: list[int] = []
    for row_id in due:
        if not _claim(session, row_id, now):
            continue
        row = rows.row(session, OutboxMessage, row_id)
        session.refresh(row)
        if _hold_back(session, row, studio, policy, now) or _no_longer_true(session, row, now):
            session.commit()
            continue
        pace(row.from_addr or "")
        try:
            row.provider_sid = transport.send(row, status_callback)
        except SendFailed as failure:
            _failed(session, row, failure, now)
            session.commit()
            continue
        row.status = "sent"
        row.error_code = row.error_message = None
        rule = send_rules.rule_for(row.kind)
        if rule is not None and rule.sent is not None:
            rule.sent(session, row, now)
        session.add(
            Message(
                client_id=row.client_id,
                direction="out",
                channel=row.channel,
                phone=row.to_addr.removeprefix("whatsapp:"),
                from_addr=row.from_addr or "",
                to_addr=row.to_addr,
                body=row.body,
                provider_sid=row.provider_sid,
                created_at=now,
            )
        )
        session.commit()
        sent.append(row_id)
    return sent


WHATSAPP_WINDOW = timedelta(hours=24)


def _whatsapp_window(row: OutboxMessage, client: Client | None, studio: Studio, now: datetime) -> bool:
    """Outside the 24h window: switch to the approved template, or to SMS, or hold.
    Returns True when the row must not go now."""
    if row.channel != "whatsapp" or row.content_sid or client is None:
        return False
    last = client.last_whatsapp_inbound_at
    if last is not None and now - last < WHATSAPP_WINDOW:
        return False
    if studio.whatsapp_template_sid:
        row.content_sid, row.content_variables = studio.whatsapp_template_sid, {"1": row.body}
        return False
    if studio.whatsapp_fallback == "sms" and studio.sms_number:
        row.channel, row.to_addr, row.from_addr = "sms", client.phone, studio.sms_number
        return client.opted_out("sms") and _skip(row, "the client has opted out of SMS")
    row.status, row.error_message = "skipped", "outside WhatsApp's 24-hour window and no template or SMS fallback"
    return True


def _skip(row: OutboxMessage, reason: str) -> bool:
    row.status, row.error_message = "skipped", reason
    return True


def _hold_back(session: Session, row: OutboxMessage, studio: Studio, policy: Policy | None, now: datetime) -> bool:
    """True when the row must not go now (it has been marked skipped, expired or deferred)."""
    if row.valid_until is not None and row.valid_until <= now:
        row.status, row.error_message = "expired", "no longer relevant when its turn came"
        return True
    client = session.get(Client, row.client_id) if row.client_id else None
    if _whatsapp_window(row, client, studio, now):
        return True
    if client is not None and client.opted_out(row.channel):
        row.status, row.error_message = "skipped", "the client has opted out"
        return True
    if (
        row.kind not in PROACTIVE_EXEMPT
        and policy is not None
        and policy.quiet_start is not None
        and policy.quiet_end is not None
        and in_quiet_hours(now.astimezone(ZoneInfo(studio.timezone)).time(), policy.quiet_start, policy.quiet_end)
    ):
        later = quiet_end(now, studio.timezone, policy.quiet_start, policy.quiet_end)
        if row.valid_until is not None and later >= row.valid_until:
            row.status, row.error_message = "expired", "would only arrive after it stopped mattering (quiet hours)"
        else:
            row.status, row.send_after = "pending", later
        return True
    return False


def _no_longer_true(session: Session, row: OutboxMessage, now: datetime) -> bool:
    """Re-check a text against the current state just before it goes (``send_rules``)."""
    rule = send_rules.rule_for(row.kind)
    reason = rule.still_true(session, row, now) if rule is not None else None
    if reason is None:
        return False
    row.status, row.error_message = "skipped", reason[:500]
    return True


def _failed(session: Session, row: OutboxMessage, failure: SendFailed, now: datetime) -> None:
    row.error_code, row.error_message = failure.code, failure.reason
    if failure.code == "21610" and row.client_id:  # Twilio says they replied STOP: honour it here too
        client = rows.row(session, Client, row.client_id)
        if row.channel == "whatsapp":
            client.whatsapp_opted_out_at = client.whatsapp_opted_out_at or now
        else:
            client.sms_opted_out_at = client.sms_opted_out_at or now
    if failure.retry and row.attempts <= len(RETRY_DELAYS):
        row.status, row.send_after = "pending", now + RETRY_DELAYS[row.attempts - 1]
    else:
        row.status = "failed"


def _release_stuck(session: Session, now: datetime) -> None:
    """A worker died between claiming and recording: don't guess, flag it for staff."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            OutboxMessage.provider_sid.is_(None),
            OutboxMessage.sent_at.is_not(None),
            OutboxMessage.sent_at < now - STUCK_AFTER,
        )
        .values(status="unknown", error_message="the sender stopped mid-send; check before resending")
    )
    session.commit()


def deliver_all(db: Database, transport: Transport, *, status_callback: str | None = None) -> list[int]:
    """Deliver due rows for every studio, each in its own scope."""
    with db.system("outbox: which studios have texts due") as s:
        studio_ids = s.scalars(
            select(OutboxMessage.studio_id)
            .where(OutboxMessage.status == "pending", OutboxMessage.send_after <= clock.now())
            .distinct()
        ).all()
    sent: list[int] = []
    for studio_id in studio_ids:
        with db.studio(studio_id) as session:
            sent += deliver_studio(session, transport, status_callback=status_callback)
    return sent
