"""Moving a session (and cancelling one) as the studio: texts, refusals, free cancels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.booking import booking as svc
from app.booking import waitlist
from app.booking.changes import cancel_by_studio, move_session
from app.booking.errors import InvalidRequest, SessionNotBookable, SlotUnavailable
from app.booking.events import record
from app.models import AuditLog, Booking, ClassSession, Conversation, Location, OutboxMessage, WaitlistEntry
from bot.replies import SMS_LIMIT, gsm7
from tests.factories import grant_pack, local, make_client, make_session, make_studio


@pytest.fixture
def world(db, clock):
    return make_studio(db, cancel_window_hours=12)


def _book(db, world, session_id, phones, clock, name="Sam Lee"):
    ids = []
    for phone in phones:
        cid = make_client(db, world, phone, name)
        grant_pack(db, world, cid, 5, starts_at=clock.now())
        with db.studio(world.studio_id) as s:
            ids.append(svc.book(s, cid, session_id).booking.id)
    return ids


def _outbox(db, world, kind="session_moved"):
    with db.studio(world.studio_id) as s:
        return [
            (o.dedupe_key, o.to_addr, o.body)
            for o in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
        ]


def _session(db, world, sid):
    with db.studio(world.studio_id) as s:
        return s.get(ClassSession, sid)


def test_moving_texts_every_booked_client_once_with_the_new_local_time(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=2)
    b1, b2 = _book(db, world, sid, ["+447700900301", "+447700900302"], clock)
    waiting = make_client(db, world, "+447700900303", "Jo Park")
    with db.studio(world.studio_id) as s:
        entry = waitlist.join(s, waiting, sid).entry.id

    with db.studio(world.studio_id) as s:
        change = move_session(s, sid, starts_at=local(world, 2026, 11, 26, 19, 30), actor="Ana (owner)")
    assert change.texted == 3

    moved = _session(db, world, sid)
    assert moved.starts_at == local(world, 2026, 11, 26, 19, 30)
    assert moved.ends_at == local(world, 2026, 11, 26, 20, 30)  # the class keeps its length
    assert moved.move_count == 1 and moved.moved_at == clock.now()
    rows = _outbox(db, world)
    assert [(k, to) for k, to, _ in rows] == [
        (f"moved:{sid}:1:booking:{b1}", "+447700900301"),
        (f"moved:{sid}:1:booking:{b2}", "+447700900302"),
        (f"moved:{sid}:1:waitlist:{entry}", "+447700900303"),
    ]
    booked_text = (
        "Heads up: Vinyasa Flow on Wed 25 Nov 18:00 has moved to Thu 26 Nov 19:30 at Main with Maya. "
        "You're still booked. Can't make it? Reply C to cancel, free of charge."
    )
    assert rows[0][2] == rows[1][2] == booked_text
    assert rows[2][2].endswith("has moved to Thu 26 Nov 19:30 at Main with Maya. You're still on the waitlist.")
    for _, _, body in rows:
        assert gsm7(body) == body and len(body) <= SMS_LIMIT and "CANCEL" not in body

    # a replayed event adds nothing; the booked clients' next "C" cancels that booking
    with db.studio(world.studio_id) as s:
        record(s, [change.event])
        s.commit()
        convs = {c.phone: (c.state, c.context) for c in s.scalars(select(Conversation))}
        audit = s.scalars(select(AuditLog)).one()
    assert len(_outbox(db, world)) == 3
    assert convs == {
        "+447700900301": ("reminded", {"booking_id": b1}),
        "+447700900302": ("reminded", {"booking_id": b2}),
    }
    assert (audit.action, audit.entity, audit.actor) == ("move", "session", "Ana (owner)")
    assert audit.before["starts_at"] != audit.after["starts_at"]

    # a second move is news again: each client is texted once more
    with db.studio(world.studio_id) as s:
        again = move_session(s, sid, starts_at=local(world, 2026, 11, 27, 7), actor="Ana (owner)")
    assert again.texted == 3
    assert [k for k, *_ in _outbox(db, world)][3:] == [
        f"moved:{sid}:2:booking:{b1}",
        f"moved:{sid}:2:booking:{b2}",
        f"moved:{sid}:2:waitlist:{entry}",
    ]
    assert "on Thu 26 Nov 19:30 has moved to Fri 27 Nov 07:00" in _outbox(db, world)[3][2]


def test_a_move_across_the_clock_change_keeps_local_time_in_the_text(db, clock):
    world = make_studio(db, "harbour", tz="America/New_York")
    clock.set(local(world, 2027, 3, 3, 9))
    sid = make_session(db, world, local(world, 2027, 3, 10, 18))  # EST: 23:00 UTC
    [booking] = _book(db, world, sid, ["+12125550101"], clock)
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local(world, 2027, 3, 17, 18), actor="owner")  # EDT: 22:00 UTC
    moved = _session(db, world, sid)
    assert moved.starts_at.utcoffset() == timedelta(0) and moved.starts_at.hour == 22
    [(key, to, body)] = _outbox(db, world)
    assert key == f"moved:{sid}:1:booking:{booking}" and to == "+12125550101"
    assert "on Wed 10 Mar 18:00 has moved to Wed 17 Mar 18:00 at Main" in body


def test_the_text_uses_the_new_locations_timezone(db, world, clock):
    with db.studio(world.studio_id) as s:
        nyc = Location(key="nyc", name="Brooklyn", timezone="America/New_York")
        s.add(nyc)
        s.commit()
        nyc_id = nyc.id
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    _book(db, world, sid, ["+447700900301"], clock)
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local("America/New_York", 2026, 11, 26, 9), location_id=nyc_id, actor="owner")
    [(_, _, body)] = _outbox(db, world)
    assert "has moved to Thu 26 Nov 09:00 at Brooklyn" in body


def test_a_move_into_a_clash_is_refused_and_changes_nothing(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    make_session(db, world, local(world, 2026, 11, 26, 19))  # Maya teaches Thu 19:00-20:00
    _book(db, world, sid, ["+447700900301"], clock)
    before = _session(db, world, sid)

    refusals = [
        (dict(starts_at=local(world, 2026, 11, 26, 19, 30)), SlotUnavailable, "Maya Patel is already teaching then"),
        (dict(starts_at=local(world, 2026, 11, 23, 8)), InvalidRequest, "the new time has already passed"),
        (dict(starts_at=local(world, 2026, 11, 25, 18)), InvalidRequest, "already when and where"),
    ]
    for kwargs, error, words in refusals:
        with db.studio(world.studio_id) as s, pytest.raises(error, match=words):
            move_session(s, sid, actor="owner", **kwargs)
    after = _session(db, world, sid)
    assert (after.starts_at, after.ends_at, after.move_count, after.moved_at) == (
        before.starts_at,
        before.ends_at,
        0,
        None,
    )
    assert _outbox(db, world) == []
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(AuditLog.id))) == 0
        assert s.scalars(select(Conversation)).all() == []

    # right after the clashing class ends is fine
    with db.studio(world.studio_id) as s:
        assert move_session(s, sid, starts_at=local(world, 2026, 11, 26, 20), actor="owner").texted == 1


def test_a_cancelled_or_started_class_cannot_be_moved(db, world, clock):
    gone = make_session(db, world, local(world, 2026, 11, 25, 18))
    started = make_session(db, world, local(world, 2026, 11, 23, 8, 30))
    with db.studio(world.studio_id) as s:
        cancel_by_studio(s, gone, reason="Maya is ill", actor="owner")
    for sid, words in ((gone, "cancelled"), (started, "already started")):
        with db.studio(world.studio_id) as s, pytest.raises(SessionNotBookable, match=words):
            move_session(s, sid, starts_at=local(world, 2026, 11, 28, 10), actor="owner")


def test_a_client_booked_before_the_move_cancels_free_even_late(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 23, 18))  # 9 hours away: inside the 12h window
    [early] = _book(db, world, sid, ["+447700900301"], clock)
    clock.advance(timedelta(minutes=5))
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local(world, 2026, 11, 23, 20), actor="owner")
    clock.advance(timedelta(minutes=5))
    [late] = _book(db, world, sid, ["+447700900302"], clock, name="Priya Shah")

    with db.studio(world.studio_id) as s:
        result = svc.cancel(s, early)
    assert (result.terms.late, result.booking.status, result.balance.credits) == (False, "cancelled", 5)

    with db.studio(world.studio_id) as s, pytest.raises(svc.LateCancelNeedsConsent):
        svc.cancel(s, late)  # booked knowing the new time: the usual rule applies
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, late).status == "confirmed"


def test_cancel_by_the_studio_needs_a_reason_then_refunds_texts_and_clears_the_waitlist(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    [booking] = _book(db, world, sid, ["+447700900301"], clock)
    waiting = make_client(db, world, "+447700900303", "Jo Park")
    with db.studio(world.studio_id) as s:
        waitlist.join(s, waiting, sid)

    with db.studio(world.studio_id) as s, pytest.raises(InvalidRequest):
        cancel_by_studio(s, sid, reason="   ", actor="owner")
    assert _session(db, world, sid).status == "scheduled"

    with db.studio(world.studio_id) as s:
        change = cancel_by_studio(s, sid, reason="Maya is ill", actor="Ana (owner)")
    assert change.texted == 2
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, booking).status == "cancelled"
        assert [e.status for e in s.scalars(select(WaitlistEntry))] == ["closed"]
        audit = s.scalars(select(AuditLog)).one()
    assert (audit.action, audit.after["status"], audit.after["cancel_reason"]) == ("cancel", "cancelled", "Maya is ill")
    assert [to for _, to, _ in _outbox(db, world, "session_cancelled")] == ["+447700900301", "+447700900303"]


def test_reply_c_to_the_moved_text_cancels_free_through_the_bot(db, clock):
    from app.booking.schedules import generate_for_studios
    from app.fixtures import load_fixture
    from app.models import ClassType, Studio
    from tests.conversation import LOTUS, Texter, make_app

    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    sam = Texter(make_app(db).test_client(), "+447700900301")
    assert sam.says("book yoga wed 6pm").startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    clock.set(local("Europe/London", 2026, 11, 25, 10))  # inside the 12-hour window: normally a late cancel
    with db.studio(studio_id) as s:
        sid = s.scalars(
            select(ClassSession.id)
            .join(ClassType, ClassType.id == ClassSession.class_type_id)
            .where(ClassType.name == "Vinyasa Flow", ClassSession.starts_at == local("Europe/London", 2026, 11, 25, 18))
        ).one()
        move_session(s, sid, starts_at=local("Europe/London", 2026, 11, 25, 20), actor="owner")
    assert sam.says("C") == "Cancelled: Vinyasa Flow, Wed 25 Nov 20:00. 1 credit back. You have 10."


def test_a_reminder_still_waiting_with_the_old_time_is_held_back(db, world, clock):
    from app.messaging.outbox import enqueue

    sid = make_session(db, world, local(world, 2026, 11, 24, 8))
    [booking] = _book(db, world, sid, ["+447700900301"], clock)
    other = make_session(db, world, local(world, 2026, 11, 24, 12))
    [kept] = _book(db, world, other, ["+447700900302"], clock)
    with db.studio(world.studio_id) as s:
        for b in (booking, kept):  # queued during quiet hours, due at 08:00
            enqueue(
                s,
                dedupe_key=f"reminder:24h:booking:{b}",
                kind="reminder_24h",
                to_addr="+447700900301",
                body="Reminder: Vinyasa Flow tomorrow at 08:00",
                send_after=local(world, 2026, 11, 24, 8),
            )
        s.commit()
        move_session(s, sid, starts_at=local(world, 2026, 11, 24, 18), actor="owner")
        rows = {
            o.dedupe_key: o.status for o in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder_24h"))
        }
    assert rows == {f"reminder:24h:booking:{booking}": "skipped", f"reminder:24h:booking:{kept}": "pending"}


def test_the_new_time_gets_its_own_reminder_after_the_old_one_was_sent(db, world, clock):
    from jobs.reminders import queue_reminders

    sid = make_session(db, world, local(world, 2026, 11, 24, 10))  # reminder_hours 24 and 2 by default
    [booking] = _book(db, world, sid, ["+447700900301"], clock)
    clock.set(local(world, 2026, 11, 23, 10, 30))
    with db.studio(world.studio_id) as s:
        assert queue_reminders(s) == 1
    with db.studio(world.studio_id) as s:
        move_session(s, sid, starts_at=local(world, 2026, 11, 25, 11), actor="owner")
    clock.set(local(world, 2026, 11, 24, 11, 30))
    with db.studio(world.studio_id) as s:
        assert queue_reminders(s) == 1
        assert queue_reminders(s) == 0
        rows = [
            (o.dedupe_key, o.body)
            for o in s.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "reminder_24h").order_by(OutboxMessage.id)
            )
        ]
    assert [k for k, _ in rows] == [f"reminder:24h:booking:{booking}", f"reminder:24h:booking:{booking}:move:1"]
    assert "11:00" in rows[1][1]
