"""Issue 15: the due-work tick finds what is due across studios in a few indexed queries and
visits only the studios that have something due; delivery claims batches that several
workers share. What is sent, and when, is what it was before: only the cost changed."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.booking import booking as svc
from app.messaging import delivery
from app.messaging.delivery import SenderPace, deliver_due
from app.messaging.outbox import enqueue
from app.models import Booking, Client, Conversation, DueMark, Message, OutboxMessage, Policy, Staff, Studio
from jobs.due import run_due
from jobs.reminders import queue_reminders
from tests.factories import grant_pack, local, make_client, make_session, make_studio


class Recording:
    """A transport that records each row it was handed, from any number of threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: list[int] = []
        self.provider_ids: list[str] = []

    def send(self, message, status_callback=None) -> str:
        with self.lock:
            self.ids.append(message.id)
            sid = f"SMrec{message.studio_id}x{message.id}x{len(self.ids)}"
            self.provider_ids.append(sid)
            return sid


def _studio_with_number(db, key: str, number: str, **policy):
    world = make_studio(db, key=key, **policy)
    with db.system("test: the studio's number") as s:
        s.get(Studio, world.studio_id).sms_number = number
    return world


def _fill_queue(db, worlds, per_studio: int) -> list[int]:
    ids = []
    for world in worlds:
        with db.studio(world.studio_id) as s:
            number = s.get(Studio, world.studio_id).sms_number
            for k in range(per_studio):
                row = enqueue(
                    s,
                    dedupe_key=f"bulk:{k}",
                    kind="test",
                    to_addr=f"+447700{world.studio_id:03d}{k:03d}",
                    body="Hello from the studio",
                    from_addr=number,
                )
                ids.append(row.id)
    return ids


def test_two_workers_drain_one_queue_without_a_double_send(db, clock):
    worlds = [_studio_with_number(db, f"s{n}", f"+44770090{n:04d}") for n in range(4)]
    ids = _fill_queue(db, worlds, 15)
    transport, errors = Recording(), []
    unpaced = SenderPace(0)

    def worker() -> None:
        try:
            deliver_due(db, transport, batch=7, pace_=unpaced)
        except BaseException as exc:  # the test's own threads: report, don't swallow
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert Counter(transport.ids) == Counter(ids)  # every row handed to the transport exactly once
    assert len(set(transport.provider_ids)) == len(ids)
    with db.system("test: what the workers recorded") as s:
        statuses = Counter(s.scalars(select(OutboxMessage.status)))
        logged = s.scalar(select(func.count(Message.id)).where(Message.direction == "out"))
    assert statuses == {"sent": len(ids)} and logged == len(ids)


def test_a_busy_sender_never_holds_up_another(db, clock):
    """Sender A has 6 texts due before sender B's one; at 1 text/s per sender, B's text goes
    second, not after A's queue (pacing is per sender and only waits on that sender)."""
    a = _studio_with_number(db, "busy", "+447700900001")
    b = _studio_with_number(db, "quiet", "+447700900002")
    first = _fill_queue(db, [a], 6)
    clock.advance(timedelta(seconds=1))
    [other] = _fill_queue(db, [b], 1)
    fake = {"t": 0.0}
    pace = SenderPace(1, sleep=lambda s: fake.__setitem__("t", fake["t"] + s), monotonic=lambda: fake["t"])
    transport = Recording()
    deliver_due(db, transport, pace_=pace)
    assert transport.ids[:2] == [first[0], other]
    assert sorted(transport.ids) == sorted([*first, other])
    assert fake["t"] == 5.0  # A's six texts one second apart; nothing waited on B


def test_a_claim_left_by_a_dead_worker_goes_back_and_is_sent_once(db, clock):
    world = _studio_with_number(db, "lotus", "+447700900100")
    [row_id] = _fill_queue(db, [world], 1)
    with db.system("test: a worker claims, then dies") as s:
        claimed = delivery._claim(s, clock.now(), 10, SenderPace(0), fair=True)
    assert claimed == [(row_id, world.studio_id)]
    transport = Recording()
    assert deliver_due(db, transport, pace_=SenderPace(0)) == []  # someone else's claim: not taken
    clock.advance(timedelta(minutes=11))
    assert deliver_due(db, transport, pace_=SenderPace(0)) == [row_id]  # never tried: safe to send
    assert transport.ids == [row_id]


class Crash(BaseException):
    """Stands for the worker process dying (SIGKILL, power loss): nothing after it runs."""


def _statuses(db) -> Counter:
    with db.system("test: the outbox's statuses") as s:
        return Counter(s.scalars(select(OutboxMessage.status)))


def test_a_crash_between_marking_a_batch_and_recording_it_sends_nothing_twice(db, clock, monkeypatch):
    """A worker marks a batch 'sending', hands every row to the transport, and dies before
    it records the outcomes: on restart those rows are never handed over again (after ten
    minutes they are flagged for staff), and everything else in the queue goes once."""
    worlds = [_studio_with_number(db, f"c{n}", f"+44770091{n:04d}") for n in range(3)]
    ids = _fill_queue(db, worlds, 4)
    transport = Recording()

    def dies(*_args, **_kwargs):
        raise Crash()

    monkeypatch.setattr(delivery, "_record", dies)
    with pytest.raises(Crash):
        deliver_due(db, transport, batch=5, pace_=SenderPace(0))
    first = list(transport.ids)
    assert len(first) == 5 and _statuses(db) == {"sending": 5, "pending": 7}
    monkeypatch.undo()
    assert sorted(deliver_due(db, transport, pace_=SenderPace(0))) == sorted(set(ids) - set(first))
    clock.advance(timedelta(minutes=11))
    assert deliver_due(db, transport, pace_=SenderPace(0)) == []
    assert Counter(transport.ids) == Counter(ids)  # each row handed to the transport exactly once
    assert _statuses(db) == {"sent": 7, "unknown": 5}
    with db.system("test: what the restart recorded") as s:
        unknown = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "unknown")).all()
        logged = s.scalar(select(func.count(Message.id)).where(Message.direction == "out"))
    assert {r.id for r in unknown} == set(first) and logged == 7
    assert all("check before resending" in (r.error_message or "") for r in unknown)


def test_a_transport_error_mid_batch_still_records_what_went(db, clock):
    """An exception (not a hard crash) after some rows of a batch went: those are recorded
    as sent, only the row in flight stays 'sending'."""
    world = _studio_with_number(db, "lotus", "+447700900100")
    ids = _fill_queue(db, [world], 4)

    class DiesOnThird(Recording):
        def send(self, message, status_callback=None) -> str:
            if len(self.ids) == 2:
                raise Crash()
            return super().send(message, status_callback)

    transport = DiesOnThird()
    with pytest.raises(Crash):
        deliver_due(db, transport, pace_=SenderPace(0))
    assert transport.ids == ids[:2]
    with db.studio(world.studio_id) as s:
        status = dict(s.execute(select(OutboxMessage.id, OutboxMessage.status)).all())
    assert [status[i] for i in ids] == ["sent", "sent", "sending", "sending"]


def test_one_batch_of_mixed_rows_sends_only_the_ones_that_may_go(db, clock):
    """One claimed batch across two studios: a plain text, one past its valid_until, one to
    an opted-out client, a reminder whose booking was cancelled, and a text of a studio in
    its quiet hours. Only the plain text and the reminder whose booking stands go; the quiet
    studio's text waits for the morning."""
    clock.set(local("Europe/London", 2026, 11, 23, 22, 15))
    open_ = _studio_with_number(db, "open", "+447700900201")
    quiet = _studio_with_number(db, "quiet", "+447700900202")
    with db.studio(quiet.studio_id) as s:
        policy = s.scalars(select(Policy)).one()
        policy.quiet_start, policy.quiet_end = time(21), time(8)
    kept = _book(db, open_, "+447700900301", clock.now() + timedelta(hours=24))
    cancelled = _book(db, open_, "+447700900302", clock.now() + timedelta(hours=25))
    out_client = make_client(db, open_, "+447700900303", "Opted Out")
    with db.studio(open_.studio_id) as s:
        s.get(Client, out_client).sms_opted_out_at = clock.now()
        s.get(Booking, cancelled).status = "cancelled"
        starts = {b.id: b.session.starts_at for b in s.scalars(select(Booking))}
        client_of = {b.id: b.client_id for b in s.scalars(select(Booking))}

        def text(key: str, **fields) -> int:
            fields.setdefault("to_addr", "+447700900399")
            return enqueue(s, dedupe_key=key, kind=fields.pop("kind", "test"), body="Hello", **fields).id

        plain = text("plain", from_addr="+447700900201")
        late = text("late", valid_until=clock.now() - timedelta(minutes=1))
        opted = text("opted", client_id=out_client, to_addr="+447700900303")
        reminders = {
            b: text(
                f"reminder:24h:booking:{b}",
                kind="reminder_24h",
                about=f"booking:{b}",
                client_id=client_of[b],
                valid_until=starts[b],
            )
            for b in (kept, cancelled)
        }
    with db.studio(quiet.studio_id) as s:
        hushed = enqueue(s, dedupe_key="hushed", kind="test", to_addr="+447700900398", body="Hello").id
    transport = Recording()
    sent = deliver_due(db, transport, pace_=SenderPace(0))
    assert sorted(sent) == sorted([plain, reminders[kept]]) and sorted(transport.ids) == sorted(sent)
    with db.system("test: what the batch recorded") as s:
        rows = {r.id: r for r in s.scalars(select(OutboxMessage))}
    assert rows[late].status == "expired"
    assert rows[opted].status == "skipped" and "opted out" in rows[opted].error_message
    assert rows[reminders[cancelled]].status == "skipped" and "cancelled" in rows[reminders[cancelled]].error_message
    assert rows[hushed].status == "pending" and rows[hushed].send_after == local(quiet, 2026, 11, 24, 8)
    clock.set(local(quiet, 2026, 11, 24, 8))
    assert deliver_due(db, transport, pace_=SenderPace(0)) == [hushed]


def _book(db, world, phone, starts_at, name="Sam Lee", booked_at=None):
    """A booking made three days before the class (before any reminder moment)."""
    from app import clock as clock_module

    now = clock_module.now()
    clock_module.current().set(booked_at or starts_at - timedelta(days=3))
    try:
        client_id = make_client(db, world, phone, name)
        grant_pack(db, world, client_id, 10, starts_at=starts_at - timedelta(days=5))
        session_id = make_session(db, world, starts_at)
        with db.studio(world.studio_id) as s:
            return svc.book(s, client_id, session_id).booking.id
    finally:
        clock_module.current().set(now)


def _keys(db, world) -> list[str]:
    with db.studio(world.studio_id) as s:
        return sorted(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind.like("reminder_%"))))


def test_a_tick_after_an_outage_catches_up_once(db, clock):
    t0 = clock.now()
    world = make_studio(db, reminder_hours=[24, 2])
    a = _book(db, world, "+447700900301", t0 + timedelta(hours=30))  # 24h reminder due at t0+6h
    b = _book(db, world, "+447700900302", t0 + timedelta(hours=10))  # 24h one due now; class over by the end
    c = _book(db, world, "+447700900303", t0 + timedelta(hours=25))  # both moments pass in the outage: 2h only
    d = _book(db, world, "+447700900304", t0 + timedelta(hours=60))  # its 24h moment comes after the outage
    transport = Recording()
    assert run_due(db, transport).reminders == 1 and _keys(db, world) == [f"reminder:24h:booking:{b}"]
    clock.set(t0 + timedelta(hours=24))  # the cron was down for a day
    assert run_due(db, transport).reminders == 2
    assert _keys(db, world) == sorted(
        [f"reminder:24h:booking:{a}", f"reminder:24h:booking:{b}", f"reminder:2h:booking:{c}"]
    )
    assert again_nothing(db, transport)
    clock.set(t0 + timedelta(hours=36, minutes=1))
    assert run_due(db, transport).reminders == 1 and f"reminder:24h:booking:{d}" in _keys(db, world)
    assert run_due(db, transport).reminders == 0
    with db.studio(world.studio_id) as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("reminder_%"))))
    sent = Counter(transport.ids)
    assert len(rows) == 4 and all(r.status == "sent" and sent[r.id] == 1 for r in rows)


def again_nothing(db, transport) -> bool:
    second = run_due(db, transport)
    return second.reminders == 0 and second.sent == [] and second.studios_visited == 0


def test_the_tick_writes_what_one_studio_sweep_writes(db, clock):
    """The bulk path renders from the same templates: same key, body, sender, validity and
    'reply C' conversation as ``queue_reminders`` in the studio's scope."""
    one = _studio_with_number(db, "one", "+447700900111", reminder_hours=[24, 2])
    two = _studio_with_number(db, "two", "+447700900222", reminder_hours=[24, 2], no_show="fee", no_show_fee=15)
    starts = local(one, 2026, 11, 24, 9)  # tomorrow 09:00
    b1 = _book(db, one, "+447700900301", starts)
    b2 = _book(db, two, "+447700900301", starts)  # the same phone at another studio
    clock.set(starts - timedelta(hours=24))
    assert run_due(db, Recording()).reminders == 2
    rows = {}
    for world in (one, two):
        with db.studio(world.studio_id) as s:
            rows[world.studio_id] = s.scalars(select(OutboxMessage)).one()
            conv = s.scalars(select(Conversation)).one()
            booking_id = b1 if world is one else b2
            assert (conv.state, conv.context, conv.expires_at) == ("reminded", {"booking_id": booking_id}, starts)
    r1, r2 = rows[one.studio_id], rows[two.studio_id]
    assert (r1.dedupe_key, r1.from_addr, r1.valid_until) == (f"reminder:24h:booking:{b1}", "+447700900111", starts)
    assert r1.body == "Reminder: Vinyasa Flow tomorrow at 09:00, Main with Maya. Can't make it? Reply C to cancel."
    assert r2.dedupe_key == f"reminder:24h:booking:{b2}" and r2.from_addr == "+447700900222"
    assert r2.body.endswith("Reply C to cancel. No-shows: £15.")
    # the same booking swept in its studio's scope writes nothing more: one row per key
    with db.studio(one.studio_id) as s:
        assert queue_reminders(s) == 0


def test_an_idle_tick_opens_no_studio_transaction(db, clock, monkeypatch):
    t0 = clock.now()
    worlds = [make_studio(db, key=f"idle{n}") for n in range(3)]
    for n, world in enumerate(worlds):
        _book(db, world, f"+4477009003{n:02d}", t0 + timedelta(hours=20 + n))
        with db.studio(world.studio_id) as s:
            s.add(Staff(key="owner", name="Ana Owner", phone=f"+4477009009{n:02d}", role="owner"))
    assert run_due(db, Recording()).reminders == 3  # everyone's 24h reminder, once
    opened: list[int] = []
    real = db.studio

    def counting(studio_id):
        opened.append(studio_id)
        return real(studio_id)

    monkeypatch.setattr(db, "studio", counting)
    clock.advance(timedelta(minutes=1))
    report = run_due(db, Recording())
    assert (report.reminders, report.studios_visited, report.sent, opened) == (0, 0, [], [])
    with db.system("test: marks") as s:
        assert {m.work for m in s.scalars(select(DueMark))} == {"reminders", "no_shows", "digests", "packs", "leads"}


def test_a_no_show_review_closing_in_an_outage_is_settled_once(db, clock):
    t0 = clock.now()
    world = make_studio(db, no_show_review_hours=12)
    booking_id = _book(db, world, "+447700900301", t0 + timedelta(hours=1))
    run_due(db, Recording())
    clock.set(t0 + timedelta(hours=2, minutes=1))  # the class is over: under review, nothing settled
    assert run_due(db, Recording()).no_shows == 0
    clock.set(t0 + timedelta(hours=30))  # down from before the review closed (t0+14h) until now
    assert run_due(db, Recording()).no_shows == 1
    assert run_due(db, Recording()).no_shows == 0
    with db.studio(world.studio_id) as s:
        booking = s.get(Booking, booking_id)
        assert booking.status == "no_show" and booking.no_show_settled_at == t0 + timedelta(hours=30)


def test_a_moved_class_gets_its_reminder_at_the_next_tick(db, clock):
    from app.booking import changes

    t0 = clock.now()
    world = make_studio(db, reminder_hours=[24, 2])
    booking_id = _book(db, world, "+447700900301", t0 + timedelta(days=3), booked_at=t0 - timedelta(days=2))
    run_due(db, Recording())
    with db.studio(world.studio_id) as s:
        session_id = s.get(Booking, booking_id).session_id
    with db.studio(world.studio_id) as s:  # to tomorrow, 20 hours from now: its 24h moment has passed
        changes.move_session(s, session_id, starts_at=t0 + timedelta(hours=20), actor="test")
    assert run_due(db, Recording()).reminders == 1
    assert _keys(db, world) == [f"reminder:24h:booking:{booking_id}:move:1"]
