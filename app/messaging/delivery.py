"""Outbox delivery: claim due rows, check each may go, send it once, record what happened.

Claiming. Due rows are claimed in batches, pending -> claimed, by one statement that
locks them ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one writer, so a plain
claim is the same), so any number of workers share the queue and no row is taken twice.
A batch is fair across senders: it takes, in due order, no more rows of one sender number
than that sender may send now (``SenderPace``: at most its burst), and leaves out senders
that must wait, so a studio with a long queue never holds up the others. ``deliver_due``
drains the queue across studios in one system session (the tick, a worker);
``deliver_studio`` sends one studio's due rows in its own session (the kick after a turn).

Sending, a batch at a time (``_deliver_claimed``), with a constant number of statements
and three commits per batch, not per row:

1. what the checks read is loaded for the whole batch in a few set-based queries (the
   rows, their studios, policies, clients, the bookings and classes they are about);
2. the checks: an opted-out client gets nothing, a text past its ``valid_until`` is
   dropped ("starts in 2 hours" is never delivered after the class), the WhatsApp 24 h
   window switches to the template or SMS, quiet hours move ``send_after`` to the
   window's end, and a text whose kind has rules (``send_rules``) is re-checked in its
   studio's scope (the loaded objects put in that session without a query) and dropped
   when no longer true;
3. every row that may go is marked claimed -> sending in one UPDATE, committed with the
   held rows' outcomes, before any network call;
4. the rows go to the transport (the pace is kept per sender);
5. the outcomes (sent, retry later with backoff, failed) are written in one flush and one
   commit, with the message log; a kind that does something once sent (an offer's claim
   window starts) is recorded with that in its studio's scope.

Crash safety: a row is 'sending' durably before it is handed to the transport, and a row
in 'sending' is never sent again automatically. A hard crash between 3 and 5 leaves that
batch's rows in 'sending' (an exception only the row in flight: what went is recorded);
after ``STUCK_AFTER`` they are marked 'unknown' for staff to check. The batch is bounded
by ``ChunkSize``: what the transport sends in about a second (at most ``BATCH``, at most
a sender's burst), so a crash strands at most about a second of texts and a text is
checked at most about a second before it goes. A row still 'claimed' long after its claim
(a worker died before marking it) was never sent, and goes back to 'pending'.

Each row handled is logged at INFO (id, kind, status, its turn id; never a phone number or
a body) and counted (``metrics.outbox_done``, ``metrics.delivered_after``).
"""

from __future__ import annotations

import logging
import os
import threading
import time as time_module
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
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
from app.observability import logs, metrics

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
STUCK_AFTER = timedelta(minutes=10)
CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this belongs to a worker that died
BATCH = 200  # rows claimed, checked, marked 'sending' and recorded together at most
FIRST_CHUNK = 20  # a run's first chunk, before the transport's speed is known
CHUNK_SECONDS = 1.0  # a chunk is what the transport sends in about this long (see ChunkSize)
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
    flagged = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            OutboxMessage.provider_sid.is_(None),
            OutboxMessage.sent_at.is_not(None),
            OutboxMessage.sent_at < now - STUCK_AFTER,
        )
        .values(status="unknown", error_message="the sender stopped mid-send; check before resending")
        .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.studio_id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    for row_id, kind, studio_id in flagged:
        log.warning("outbox %s %s unknown: the sender stopped mid-send", row_id, kind)
        metrics.outbox_done("unknown", None, studio_id)


# ------------------------------------------------------------------------ sending

RuleScope = Callable[[int], AbstractContextManager[Session]]


class ChunkSize:
    """How many claimed rows are checked, marked 'sending' and sent together: as many as
    the transport sends in about ``seconds`` (a crash leaves at most that many rows in
    'sending', and a text is checked at most that long before it goes), at most ``most``.
    Starts small and follows the transport's measured speed."""

    def __init__(self, most: int, seconds: float = CHUNK_SECONDS, first: int = FIRST_CHUNK) -> None:
        self.most, self.seconds = max(1, most), seconds
        self.size = max(1, min(first, self.most))

    def took(self, rows: int, seconds: float) -> None:
        if rows <= 0:
            return
        per_row = seconds / rows
        fits = int(self.seconds / per_row) if per_row > 0 else self.most
        self.size = max(1, min(fits, self.most, self.size * 4))  # grow by at most 4x a chunk


def deliver_studio(
    session: Session, transport: Transport, *, status_callback: str | None = None, limit: int = BATCH
) -> list[int]:
    """Send the due rows of the session's studio (a studio session); return the ids sent.

    The outermost caller of a delivery run (the kick after a turn, a job): it commits per
    chunk (the claim, the checks with the 'sending' marks before the transport calls, the
    outcomes after). Senders are paced: a busy sender's texts wait in the queue, not in
    'sending'."""
    _release(session, clock.now())
    sent: list[int] = []
    handled = 0
    chunk = ChunkSize(limit)
    while handled < limit:
        claimed_at = clock.now()
        claimed = _claim(session, claimed_at, min(limit - handled, chunk.size), pace, fair=True)
        if not claimed:
            busy, wait = pace.busy()
            if busy and _anything_due_in(session):
                pace.sleep(wait)
                continue
            return sent
        handled += len(claimed)
        sent += _deliver_claimed(
            session,
            lambda _studio_id: nullcontext(session),
            transport,
            [row_id for row_id, _ in claimed],
            claimed_at,
            status_callback,
            pace,
            chunk,
        )
    return sent


def deliver_due(
    db: Database,
    transport: Transport,
    *,
    status_callback: str | None = None,
    batch: int = BATCH,
    pace_: SenderPace | None = None,
) -> list[int]:
    """Drain every studio's due rows: claim a fair batch across studios, check and mark it,
    send it, record it; repeat until nothing is due. Safe beside other workers doing the same.

    One system session (and connection) serves the whole run; the checks that need a
    studio's own rules run in that studio's scope (``send_rules``)."""
    pace_ = pace_ or pace
    sent: list[int] = []
    contended = 0
    chunk = ChunkSize(batch)
    with db.system("outbox: deliver due texts across studios") as s:
        _release(s, clock.now())
        while True:
            claimed_at = clock.now()
            claimed = _claim(s, claimed_at, chunk.size, pace_, fair=True)
            if not claimed:
                busy, wait = pace_.busy()
                if not _anything_due_in(s):
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
            ids = [row_id for row_id, _ in claimed]
            sent += _deliver_claimed(s, db.studio, transport, ids, claimed_at, status_callback, pace_, chunk)


def deliver_all(db: Database, transport: Transport, *, status_callback: str | None = None) -> list[int]:
    """Deliver due rows for every studio (``deliver_due``)."""
    return deliver_due(db, transport, status_callback=status_callback)


def _anything_due_in(session: Session) -> bool:
    """Whether a due row is pending in the session's reach; ends the read's transaction."""
    due = select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.send_after <= clock.now())
    found = session.scalars(due.limit(1)).first() is not None
    session.commit()
    return found


@dataclass
class _Context:
    """What the checks read for one batch, loaded set-based (a handful of queries for the
    whole batch, not a few per row) and refreshed from the database (``populate_existing``)."""

    studios: dict[int, Studio]
    policies: dict[int, Policy]
    clients: dict[int, Client]
    by_studio: dict[int, list[object]]  # every object loaded, per studio, for the rules' scope

    @classmethod
    def load(cls, session: Session, batch: Sequence[OutboxMessage]) -> _Context:
        fresh = {"populate_existing": True}
        studio_ids = {r.studio_id for r in batch}
        studios = session.scalars(select(Studio).where(Studio.id.in_(studio_ids)).execution_options(**fresh)).all()
        policies = session.scalars(
            select(Policy).where(Policy.studio_id.in_(studio_ids)).order_by(Policy.id).execution_options(**fresh)
        ).all()
        booking_ids = {b for r in batch if (b := _booking_of(r)) is not None}
        bookings = (
            session.scalars(select(Booking).where(Booking.id.in_(booking_ids)).execution_options(**fresh)).all()
            if booking_ids
            else []
        )
        class_ids = {b.session_id for b in bookings} | {
            c for r in batch if (c := send_rules.about_id(r, "session")) is not None
        }
        classes = (
            session.scalars(select(ClassSession).where(ClassSession.id.in_(class_ids)).execution_options(**fresh)).all()
            if class_ids
            else []
        )
        client_ids = {r.client_id for r in batch if r.client_id} | {b.client_id for b in bookings}
        clients = (
            session.scalars(select(Client).where(Client.id.in_(client_ids)).execution_options(**fresh)).all()
            if client_ids
            else []
        )
        by_studio: dict[int, list[object]] = {}
        for obj in [*studios, *policies, *bookings, *classes, *clients]:
            owner = obj.id if isinstance(obj, Studio) else obj.studio_id  # type: ignore[attr-defined]
            by_studio.setdefault(owner, []).append(obj)
        first_policy: dict[int, Policy] = {}
        for p in policies:
            first_policy.setdefault(p.studio_id, p)
        return cls({s.id: s for s in studios}, first_policy, {c.id: c for c in clients}, by_studio)


def _booking_of(row: OutboxMessage) -> int | None:
    """The booking a text is about (``about``, or a reminder's dedupe key for older rows)."""
    found = send_rules.about_id(row, "booking")
    if found is None and row.kind.startswith("reminder"):
        parts = (row.dedupe_key or "").split(":")
        if len(parts) > 3 and parts[0] == "reminder" and parts[3].isdigit():
            found = int(parts[3])
    return found


@dataclass(eq=False)
class _Outcome:
    row: OutboxMessage
    provider_sid: str | None = None
    failure: SendFailed | None = None
    at: datetime | None = None


def _deliver_claimed(
    session: Session,
    rule_scope: RuleScope,
    transport: Transport,
    ids: Sequence[int],
    claimed_at: datetime,
    status_callback: str | None,
    pace_: SenderPace,
    chunk: ChunkSize,
) -> list[int]:
    """Check, mark, send and record the claimed rows ``ids`` (``session``: the studio's own
    session, or a system session whose rules run in ``rule_scope(studio_id)``)."""
    batch = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "claimed")
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    context = _Context.load(session, batch)
    session.commit()  # a read: end it, so the rules' studio transactions never wait on ours (SQLite)
    now = clock.now()
    sendable, held = _check_batch(session, rule_scope, batch, context, now)
    marked = _mark_sending(session, sendable, claimed_at, now)
    session.commit()  # the checks' outcomes and every 'sending' mark, durable before any network call
    _log_held(held)
    outcomes: list[_Outcome] = []
    started = time_module.perf_counter()
    try:
        for row in marked:
            pace_(row.from_addr or "")
            try:
                outcomes.append(_Outcome(row, provider_sid=transport.send(row, status_callback), at=clock.now()))
            except SendFailed as failure:
                outcomes.append(_Outcome(row, failure=failure, at=clock.now()))
    finally:  # an exception mid-chunk still records what went; only a hard crash leaves 'sending'
        chunk.took(len(outcomes), time_module.perf_counter() - started)
        _record(session, rule_scope, outcomes, context)
    return [o.row.id for o in outcomes if o.failure is None]


def _check_batch(
    session: Session, rule_scope: RuleScope, batch: Sequence[OutboxMessage], context: _Context, now: datetime
) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """Built-in checks from the loaded context, then each kind's rules in its studio's scope.
    Returns (rows that may go, rows held back: skipped, expired or deferred)."""
    by_studio: dict[int, list[OutboxMessage]] = {}
    for row in batch:
        by_studio.setdefault(row.studio_id, []).append(row)
    sendable: list[OutboxMessage] = []
    held: list[OutboxMessage] = []
    for studio_id, rows_ in by_studio.items():
        studio = context.studios[studio_id]
        policy = context.policies.get(studio_id)
        with rule_scope(studio_id) as scope:
            kept = _in_scope(scope, session, context.by_studio.get(studio_id, []))
            for row in rows_:
                client = context.clients.get(row.client_id) if row.client_id else None
                if _hold_back(row, client, studio, policy, now) or _no_longer_true(scope, row, now):
                    held.append(row)
                else:
                    sendable.append(row)
            del kept
    return sendable, held


def _in_scope(scope: Session, loaded_in: Session, objects: list[object]) -> list[object]:
    """The batch's loaded objects of one studio, put in that studio's session without a query
    (``merge(load=False)``), so its rules read them from its identity map. The caller holds
    the returned list (the identity map keeps only weak references)."""
    if scope is loaded_in:
        return objects
    return [scope.merge(obj, load=False) for obj in objects]


def _mark_sending(
    session: Session, rows_: Sequence[OutboxMessage], claimed_at: datetime, now: datetime
) -> list[OutboxMessage]:
    """claimed -> sending in one statement, only the rows whose claim is still ours."""
    if not rows_:
        session.flush()
        return []
    marked = set(
        session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([r.id for r in rows_]),
                OutboxMessage.status == "claimed",
                OutboxMessage.sent_at == claimed_at,
            )
            .values(status="sending", attempts=OutboxMessage.attempts + 1, sent_at=now)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    out = []
    for row in rows_:
        if row.id in marked:  # else our claim lapsed and another worker has the row (CLAIM_LEASE)
            set_committed_value(row, "status", "sending")
            set_committed_value(row, "attempts", row.attempts + 1)
            set_committed_value(row, "sent_at", now)
            out.append(row)
    return out


def _record(session: Session, rule_scope: RuleScope, outcomes: list[_Outcome], context: _Context) -> None:
    """Write the outcomes: one flush (UPDATEs sent as one executemany, the message log as one
    multi-row INSERT) and one commit; a text whose kind does something once sent (an offer's
    claim window starts) is recorded with that in its studio's scope, as one transaction."""
    if not outcomes:
        return
    after_send = [o for o in outcomes if o.failure is None and _after_send(o.row) is not None]
    plain = [o for o in outcomes if o not in after_send]
    for o in plain:
        _apply(session, o)
    session.commit()
    by_studio: dict[int, list[_Outcome]] = {}
    for o in after_send:
        by_studio.setdefault(o.row.studio_id, []).append(o)
    for studio_id, group in by_studio.items():
        with rule_scope(studio_id) as scope:
            kept = _in_scope(scope, session, context.by_studio.get(studio_id, []))
            for o in group:
                if scope is not session:
                    o.row = scope.merge(o.row, load=False)
                _apply(scope, o)
                rule = _after_send(o.row)
                assert rule is not None and o.at is not None
                rule(scope, o.row, o.at)
            scope.commit()
            del kept
    for o in outcomes:
        _log_done(o.row)


def _after_send(row: OutboxMessage):
    rule = send_rules.rule_for(row.kind)
    return rule.sent if rule is not None else None


def _apply(session: Session, outcome: _Outcome) -> None:
    row, at = outcome.row, outcome.at or clock.now()
    if outcome.failure is not None:
        _failed(session, row, outcome.failure, at)
        return
    row.provider_sid = outcome.provider_sid
    row.status = "sent"
    row.error_code = row.error_message = None
    session.add(
        Message(
            studio_id=row.studio_id,
            client_id=row.client_id,
            direction="out",
            channel=row.channel,
            phone=row.to_addr.removeprefix("whatsapp:"),
            from_addr=row.from_addr or "",
            to_addr=row.to_addr,
            body=row.body,
            provider_sid=row.provider_sid,
            created_at=at,
        )
    )
    metrics.delivered_after((at - row.send_after).total_seconds())


FINAL = ("sent", "failed", "skipped", "expired", "unknown")  # statuses with which a row leaves the queue


def _log_held(rows_: Sequence[OutboxMessage]) -> None:
    for row in rows_:
        _log_done(row)


def _log_done(row: OutboxMessage) -> None:
    """One INFO line per row handled (id, kind, status, and the turn that wrote the row as the
    line's ``turn_id``; never a phone number or a body), and the outbox metric for a row
    that left the queue."""
    turn = getattr(row, "turn_id", None)
    with logs.turn(turn) if turn else nullcontext():
        if row.status == "pending":
            log.info("outbox %s %s pending until %s turn=%s", row.id, row.kind, row.send_after.isoformat(), turn)
        else:
            log.info("outbox %s %s %s code=%s turn=%s", row.id, row.kind, row.status, row.error_code or "", turn)
    if row.status in FINAL:
        metrics.outbox_done(row.status, row.error_code, row.studio_id)


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


def _hold_back(row: OutboxMessage, client: Client | None, studio: Studio, policy: Policy | None, now: datetime) -> bool:
    """True when the row must not go now (it has been marked skipped, expired or deferred)."""
    if row.valid_until is not None and row.valid_until <= now:
        row.status, row.error_message = "expired", "no longer relevant when its turn came"
        return True
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
