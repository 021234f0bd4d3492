"""Outbox delivery: claim due rows, check each may go, send it once, record what happened.

Claiming. Due rows are claimed in batches, pending -> claimed, by one statement that
locks them ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one writer, so a plain
claim is the same), so any number of workers share the queue and no row is taken twice.
A batch is fair across senders: it takes, in due order, no more rows of one sender number
than that sender may send now (``SenderPace``), and leaves out senders that must wait, so
a studio with a long queue never holds up the others. ``deliver_due`` drains the queue
across studios (the tick, a worker); ``deliver_studio`` sends one studio's due rows (the
kick after a turn). Each claimed row is then handled in its studio's scope.

Sending, row by row: the pace is kept (a short wait only when this sender is busy), then
the checks: an opted-out client gets nothing, a text past its ``valid_until`` is dropped
("starts in 2 hours" is never delivered after the class), quiet hours move ``send_after``
to the window's end, and a text whose kind has rules (``send_rules``) is re-checked
against the current state and dropped when no longer true. A row that may go is marked
claimed -> sending and committed before the network call, then its outcome is committed:
a crash loses at most one row's record. A row found stuck in 'sending' (a worker died
mid-send) is not resent blindly: it is marked for staff to check. A row still 'claimed'
long after its claim (a worker died before trying it) was never sent, and goes back to
'pending'.
"""

from __future__ import annotations

import os
import threading
import time as time_module
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.booking import rows
from app.booking.policies import in_quiet_hours, quiet_end
from app.db import Database
from app.messaging import send_rules
from app.messaging.transports import SendFailed, Transport
from app.models import Booking, ClassSession, Client, Message, OutboxMessage, Policy, Studio

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
STUCK_AFTER = timedelta(minutes=10)
CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this belongs to a worker that died
BATCH = 200  # rows claimed at once across studios
CONTENDED_RETRIES = 5  # empty claims in a row (rows taken by other workers) before a worker stops
CANDIDATES_PER_ROW = 10  # due rows looked at per row claimed, to find enough senders that may send
# answers and texts to staff (and a reset link someone just asked for) are not held
PROACTIVE_EXEMPT = ("reply", "handoff", "daily_digest", "running_late", "password_reset")


class SenderPace:
    """At most ``per_second`` sends per sender number from this process on average, in
    bursts of at most ``burst`` (carriers and Twilio throttle long codes; Twilio queues the
    excess per sender and drops it at the row's ``ValidityPeriod``, so this is a safety pace).

    A generic cell rate algorithm: each sender has a theoretical arrival time; never a
    thread of its own, never a wait imposed on another sender. ``reserve`` books the next
    slot and says how long to wait for it; ``available`` and ``busy`` let a claim take only
    what may go now. Calling the pace reserves and sleeps."""

    def __init__(
        self, per_second: float, sleep=time_module.sleep, monotonic=time_module.monotonic, *, burst: int = 1
    ) -> None:
        self.gap = 1.0 / per_second if per_second > 0 else 0.0
        self.burst = max(1, burst)
        self.sleep, self.monotonic = sleep, monotonic
        self.arrival: dict[str, float] = {}  # sender -> when its bucket is empty again (the GCRA's TAT)
        self.lock = threading.Lock()

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.gap

    def reserve(self, sender: str) -> float:
        """Book ``sender``'s next send; seconds to wait for it (0: now)."""
        if not self.gap:
            return 0.0
        with self.lock:
            now = self.monotonic()
            arrival = max(self.arrival.get(sender, now), now)
            wait = max(arrival - self.tolerance - now, 0.0)
            self.arrival[sender] = arrival + self.gap
        return wait

    def available(self, sender: str) -> int:
        """How many texts ``sender`` may send right now without waiting (``burst`` at most)."""
        if not self.gap:
            return BATCH
        with self.lock:
            now = self.monotonic()
            arrival = max(self.arrival.get(sender, now), now)
        return max(int((now + self.tolerance - arrival) / self.gap + 1e-9) + 1, 0)

    def busy(self) -> tuple[list[str], float]:
        """Senders that may not send now, and seconds until the first of them may."""
        if not self.gap:
            return [], 0.0
        with self.lock:
            now = self.monotonic()
            for sender in [s for s, at in self.arrival.items() if at <= now]:
                del self.arrival[sender]  # an empty bucket: the same as never seen
            waits = {s: at - self.tolerance - now for s, at in self.arrival.items()}
        busy = {s: w for s, w in waits.items() if w > 0}
        return sorted(busy), min(busy.values(), default=0.0)

    def __call__(self, sender: str) -> None:
        wait = self.reserve(sender)
        if wait > 0:
            self.sleep(wait)


_rate = float(os.environ.get("FRONTDESK_SENDER_RATE", "10"))
pace = SenderPace(_rate, burst=max(1, int(_rate)))  # a second's worth at once, then the rate


# ----------------------------------------------------------------------- claiming


def _claim(session: Session, now: datetime, limit: int, pace_: SenderPace, *, fair: bool) -> list[tuple[int, int]]:
    """pending -> claimed for up to ``limit`` due rows of the session's reach (every studio in
    a system session, one in a studio session), skipping rows another worker holds; commits.
    With ``fair``, no more rows per sender than it may send now, and none of a busy sender.
    Returns (id, studio_id) in due order."""
    due = (
        select(OutboxMessage.id, OutboxMessage.studio_id, OutboxMessage.from_addr)
        .where(OutboxMessage.status == "pending", OutboxMessage.send_after <= now)
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
    )
    if fair:
        busy, _ = pace_.busy()
        if busy:
            due = due.where(or_(OutboxMessage.from_addr.is_(None), OutboxMessage.from_addr.not_in(busy)))
        picked: list[int] = []
        room: dict[str, int] = {}
        for row_id, _studio, sender in session.execute(due.limit(limit * CANDIDATES_PER_ROW)):
            key = sender or ""
            if key not in room:
                room[key] = pace_.available(key)
            if room[key] > 0:
                room[key] -= 1
                picked.append(row_id)
                if len(picked) >= limit:
                    break
    else:
        picked = list(session.scalars(due.with_only_columns(OutboxMessage.id).limit(limit)))
    if not picked:
        return []
    lock = (
        select(OutboxMessage.id)
        .where(OutboxMessage.id.in_(picked), OutboxMessage.status == "pending")
        .with_for_update(skip_locked=True)
    )
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(lock.scalar_subquery()))
        .values(status="claimed", sent_at=now)
        .returning(OutboxMessage.id, OutboxMessage.studio_id, OutboxMessage.send_after)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()  # the claim is durable and visible: no other worker takes these rows
    return [(r[0], r[1]) for r in sorted(claimed, key=lambda r: (r[2], r[0]))]


def _release(session: Session, now: datetime) -> None:
    """A worker died: rows it claimed but never tried go back to pending; a row it was
    sending is flagged for staff (it may have gone): don't guess. Commits."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "claimed", OutboxMessage.sent_at < now - CLAIM_LEASE)
        .values(status="pending", sent_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            OutboxMessage.provider_sid.is_(None),
            OutboxMessage.sent_at.is_not(None),
            OutboxMessage.sent_at < now - STUCK_AFTER,
        )
        .values(status="unknown", error_message="the sender stopped mid-send; check before resending")
        .execution_options(synchronize_session=False)
    )
    session.commit()


# ------------------------------------------------------------------------ sending


def deliver_studio(
    session: Session, transport: Transport, *, status_callback: str | None = None, limit: int = BATCH
) -> list[int]:
    """Send the due rows of the session's studio (a studio session); return the ids sent.

    The outermost caller of a delivery run: it commits per row (the claim before the
    transport call, the outcome after), so a crash mid-run loses at most one row's record."""
    now = clock.now()
    _release(session, now)
    claimed = _claim(session, now, limit, pace, fair=False)
    return _send_claimed(session, transport, [row_id for row_id, _ in claimed], now, status_callback, pace)


def deliver_due(
    db: Database,
    transport: Transport,
    *,
    status_callback: str | None = None,
    batch: int = BATCH,
    pace_: SenderPace | None = None,
) -> list[int]:
    """Drain every studio's due rows: claim a fair batch across studios, send each row in its
    studio's scope, repeat until nothing is due. Safe beside other workers doing the same."""
    pace_ = pace_ or pace
    with db.system("outbox: release what a stopped worker left") as s:
        _release(s, clock.now())
    sent: list[int] = []
    contended = 0
    while True:
        claimed_at = clock.now()
        with db.system("outbox: claim due texts across studios") as s:
            claimed = _claim(s, claimed_at, batch, pace_, fair=True)
        if not claimed:
            busy, wait = pace_.busy()
            if not _anything_due(db):
                return sent
            if busy:
                pace_.sleep(wait)  # only busy senders have texts due: the first of them is free soon
                continue
            contended += 1  # what we picked, another worker was claiming: look again, a few times
            if contended > CONTENDED_RETRIES:
                return sent
            time_module.sleep(0.01 * contended)
            continue
        contended = 0
        by_studio: dict[int, list[int]] = {}
        for row_id, studio_id in claimed:
            by_studio.setdefault(studio_id, []).append(row_id)
        for studio_id, ids in by_studio.items():
            with db.studio(studio_id) as session:
                sent += _send_claimed(session, transport, ids, claimed_at, status_callback, pace_)


def deliver_all(db: Database, transport: Transport, *, status_callback: str | None = None) -> list[int]:
    """Deliver due rows for every studio (``deliver_due``)."""
    return deliver_due(db, transport, status_callback=status_callback)


def _anything_due(db: Database) -> bool:
    with db.system("outbox: anything due") as s:
        due = select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.send_after <= clock.now())
        return s.scalars(due.limit(1)).first() is not None


def _prefetch(session: Session, claimed: Sequence[OutboxMessage]) -> list[object]:
    """Load what the checks read (clients; bookings and their classes for texts about a
    booking) in a few queries, so each row's checks find them in the session. The caller
    holds the returned objects (the session's identity map keeps only weak references)."""
    held: list[object] = []
    client_ids = {r.client_id for r in claimed if r.client_id}
    if client_ids:
        held += session.scalars(select(Client).where(Client.id.in_(client_ids))).all()
    booking_ids = {b for r in claimed if (b := send_rules.about_id(r, "booking")) is not None}
    if booking_ids:
        bookings = session.scalars(select(Booking).where(Booking.id.in_(booking_ids))).all()
        held += bookings
        class_ids = {b.session_id for b in bookings}
        if class_ids:
            held += session.scalars(select(ClassSession).where(ClassSession.id.in_(class_ids))).all()
    return held


def _mark_sending(session: Session, row: OutboxMessage, claimed_at: datetime, now: datetime) -> bool:
    """claimed -> sending, only while the claim is still ours."""
    marked = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.status == "claimed", OutboxMessage.sent_at == claimed_at)
        .values(status="sending", attempts=OutboxMessage.attempts + 1, sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult; execute() is typed Result
    if marked != 1:
        session.commit()  # whatever the checks changed stands
        return False
    set_committed_value(row, "status", "sending")
    set_committed_value(row, "attempts", row.attempts + 1)
    set_committed_value(row, "sent_at", now)
    return True


def _send_claimed(
    session: Session,
    transport: Transport,
    ids: Sequence[int],
    claimed_at: datetime,
    status_callback: str | None,
    pace_: SenderPace,
) -> list[int]:
    if not ids:
        return []
    studio = rows.row(session, Studio, session.info["frontdesk.studio_id"])
    policy = session.scalars(select(Policy)).first()
    claimed = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "claimed")
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    held = _prefetch(session, claimed)
    sent: list[int] = []
    for row in claimed:
        pace_(row.from_addr or "")
        now = clock.now()
        if _hold_back(session, row, studio, policy, now) or _no_longer_true(session, row, now):
            session.commit()
            continue
        if not _mark_sending(session, row, claimed_at, now):
            continue  # our claim lapsed and another worker has the row (CLAIM_LEASE)
        session.commit()  # durable before the network call: never sent twice, whatever happens next
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
        sent.append(row.id)
    del held
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
