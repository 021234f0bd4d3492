"""Moving a client's booking to another class (issue 13): cancel + book, both or neither,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.booking import booking as svc
from app.booking import waitlist
from app.booking.errors import (
    AlreadyBooked,
    ClassFull,
    NoCredits,
    NotCancellable,
    NotFound,
    OutsideBookingWindow,
    SessionNotBookable,
)
from app.booking.moves import LateMoveNeedsConsent, move_booking
from app.models import AuditLog, Booking, ClassType, CreditEntry, OutboxMessage, WaitlistEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio
from tests.integration.test_admin_calendar import app  # noqa: F401 (fixture)

SAM, JO = "+447700900301", "+447700900302"


@pytest.fixture
def world(db, clock):
    return make_studio(db, booking_window_days=14, cancel_window_hours=12)


def _booked(db, world, session_id, phone=SAM, credits=5, name="Sam Lee", clock=None):
    cid = make_client(db, world, phone, name)
    grant_pack(db, world, cid, credits, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        return cid, svc.book(s, cid, session_id).booking.id


def _state(db, world, client_id):
    """Everything a refused move must leave as it was."""
    with db.studio(world.studio_id) as s:
        bookings = [(b.id, b.session_id, b.status) for b in s.scalars(select(Booking).order_by(Booking.id))]
        ledger = [
            (e.kind, e.credits, e.amount)
            for e in s.scalars(select(CreditEntry).where(CreditEntry.client_id == client_id).order_by(CreditEntry.id))
        ]
        audits = s.scalar(select(func.count(AuditLog.id)))
        outbox = s.scalar(select(func.count(OutboxMessage.id)))
        entries = [(w.id, w.status) for w in s.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id))]
    return bookings, ledger, audits, outbox, entries


def test_a_free_move_cancels_the_old_books_the_new_and_carries_the_credit(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    thu = make_session(db, world, local(world, 2026, 11, 26, 18))
    cid, old = _booked(db, world, wed, clock=clock)
    with db.studio(world.studio_id) as s:
        result = move_booking(s, old, thu, actor="client:+447700900301", source="sms")
        new = result.new.id
    assert result.terms.late is False and result.balance.credits == 4
    assert result.free_cancel_until == local(world, 2026, 11, 26, 6)
    with db.studio(world.studio_id) as s:
        assert (s.get(Booking, old).status, s.get(Booking, new).status) == ("cancelled", "confirmed")
        assert s.get(Booking, new).session_id == thu
        ledger = [
            (e.kind, e.credits, e.booking_id)
            for e in s.scalars(select(CreditEntry).where(CreditEntry.client_id == cid).order_by(CreditEntry.id))
        ]
        audits = [(a.action, a.entity, a.entity_id) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert ledger == [("grant", 5, None), ("spend", -1, old), ("refund", 1, old), ("spend", -1, new)]
    assert audits == [("move_out", "booking", str(old)), ("move_in", "booking", str(new))]


def test_a_late_move_needs_consent_and_writes_nothing_until_given(db, world, clock):
    soon = make_session(db, world, local(world, 2026, 11, 23, 18))  # 9 h away: inside the 12 h window
    later = make_session(db, world, local(world, 2026, 11, 26, 18))
    cid, old = _booked(db, world, soon, clock=clock)
    before = _state(db, world, cid)
    with db.studio(world.studio_id) as s, pytest.raises(LateMoveNeedsConsent) as err:
        move_booking(s, old, later, actor="client", source="sms")
    terms = err.value.terms
    assert (terms.late, terms.consequence, terms.credits_back, err.value.to_session_id) == (
        True,
        "forfeit_credit",
        0,
        later,
    )
    assert _state(db, world, cid) == before

    with db.studio(world.studio_id) as s:
        result = move_booking(s, old, later, accept_late=True, actor="client", source="sms")
    assert result.old.status == "late_cancelled" and result.balance.credits == 3  # the credit kept, one more spent
    with db.studio(world.studio_id) as s:
        kinds = [e.kind for e in s.scalars(select(CreditEntry).where(CreditEntry.booking_id == old))]
    assert kinds == ["spend", "forfeit"]


def test_a_late_move_under_a_fee_rule_charges_the_fee_and_gives_the_credit_back(db, clock):
    world = make_studio(db, cancel_window_hours=12, late_cancel="fee", late_cancel_fee=Decimal("7.50"))
    soon = make_session(db, world, local(world, 2026, 11, 23, 18))
    later = make_session(db, world, local(world, 2026, 11, 26, 18))
    cid, old = _booked(db, world, soon, clock=clock)
    with db.studio(world.studio_id) as s:
        result = move_booking(s, old, later, accept_late=True, actor="client", source="sms")
    assert result.balance.credits == 4 and result.balance.owed == Decimal("7.50")
    with db.studio(world.studio_id) as s:
        fee = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"fee:booking:{old}")).all()
    assert len(fee) == 1  # the fee's payment link, as a late cancel writes


def test_a_move_into_a_full_class_changes_nothing(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    full = make_session(db, world, local(world, 2026, 11, 26, 18), capacity=1)
    cid, old = _booked(db, world, wed, clock=clock)
    _booked(db, world, full, phone=JO, name="Jo Park", clock=clock)
    before = _state(db, world, cid)
    with db.studio(world.studio_id) as s, pytest.raises(ClassFull):
        move_booking(s, old, full, actor="client", source="sms")
    assert _state(db, world, cid) == before


def test_a_dearer_class_the_client_cannot_pay_for_changes_nothing(db, world, clock):
    with db.studio(world.studio_id) as s:
        reformer = ClassType(key="reformer", name="Reformer", category="Pilates", duration_min=50, credits=3)
        s.add(reformer)
        s.commit()
        reformer_id = reformer.id
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    dear = make_session(db, world, local(world, 2026, 11, 26, 18), class_type_id=reformer_id)
    cid, old = _booked(db, world, wed, credits=2, clock=clock)  # 1 left + 1 back = 2 < 3
    before = _state(db, world, cid)
    with db.studio(world.studio_id) as s, pytest.raises(NoCredits) as err:
        move_booking(s, old, dear, actor="client", source="sms")
    assert (err.value.needed, err.value.available) == (3, 2)
    assert _state(db, world, cid) == before


def test_refusals_write_nothing(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    thu = make_session(db, world, local(world, 2026, 11, 26, 18))
    far = make_session(db, world, local(world, 2026, 12, 20, 18))
    gone = make_session(db, world, local(world, 2026, 11, 27, 18))
    cid, old = _booked(db, world, wed, clock=clock)
    with db.studio(world.studio_id) as s:
        svc.book(s, cid, thu)
        svc.cancel_session(s, gone, reason="Maya is ill")
    before = _state(db, world, cid)
    for target, error in (
        (thu, AlreadyBooked),
        (wed, AlreadyBooked),
        (far, OutsideBookingWindow),
        (gone, SessionNotBookable),
        (99999, NotFound),
    ):
        with db.studio(world.studio_id) as s, pytest.raises(error):
            move_booking(s, old, target, actor="client", source="sms")
    with db.studio(world.studio_id) as s, pytest.raises(NotFound):
        move_booking(s, 99999, thu, actor="client", source="sms")
    assert _state(db, world, cid) == before

    with db.studio(world.studio_id) as s:
        svc.cancel(s, old)
    with db.studio(world.studio_id) as s, pytest.raises(NotCancellable):
        move_booking(s, old, far, actor="client", source="sms")


def test_moving_into_an_overlapping_class_ignores_the_booking_moved(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    wed_later = make_session(db, world, local(world, 2026, 11, 25, 18, 30))  # overlaps the 18:00
    _, old = _booked(db, world, wed, clock=clock)
    with db.studio(world.studio_id) as s:
        result = move_booking(s, old, wed_later, actor="client", source="sms")
    assert result.new.session_id == wed_later


def test_the_freed_spot_is_offered_to_the_waitlist(db, world, clock):
    full = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    thu = make_session(db, world, local(world, 2026, 11, 26, 18))
    _, old = _booked(db, world, full, clock=clock)
    jo = make_client(db, world, JO, "Jo Park")
    grant_pack(db, world, jo, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        entry = waitlist.join(s, jo, full).entry.id
    with db.studio(world.studio_id) as s:
        move_booking(s, old, thu, actor="client", source="sms")
    with db.studio(world.studio_id) as s:
        assert s.get(WaitlistEntry, entry).status == "offered"
        offers = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "waitlist_offer")).all()
    assert [o.to_addr for o in offers] == [JO]
    with db.studio(world.studio_id) as s:  # the client moved it by text: the reply says so, no second text
        assert s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "booking_moved")) == 0


def test_the_old_bookings_reminder_is_not_sent_and_the_new_one_gets_its_own(db, world, clock):
    from jobs.reminders import queue_reminders

    wed = make_session(db, world, local(world, 2026, 11, 24, 8))  # tomorrow 08:00: the 24h reminder is due
    thu = make_session(db, world, local(world, 2026, 11, 24, 10))
    clock.set(local(world, 2026, 11, 23, 7))
    _, old = _booked(db, world, wed, clock=clock)
    clock.set(local(world, 2026, 11, 23, 8, 30))
    with db.studio(world.studio_id) as s:
        assert queue_reminders(s) == 1
        s.commit()
    with db.studio(world.studio_id) as s:
        new = move_booking(s, old, thu, actor="client", source="sms").new.id
    with db.studio(world.studio_id) as s:
        rows = {
            o.dedupe_key: o.status for o in s.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("reminder%")))
        }
    assert rows == {f"reminder:24h:booking:{old}": "skipped"}
    clock.advance(timedelta(hours=2))  # Mon 10:30: the new class is under 24 h away and was booked before that
    with db.studio(world.studio_id) as s:
        queue_reminders(s)
        s.commit()
    with db.studio(world.studio_id) as s:
        keys = set(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.status == "pending")))
    assert f"reminder:24h:booking:{old}" not in keys
    assert all(str(old) != k.split(":")[3] for k in keys if k.startswith("reminder:"))
    assert new


def test_another_studios_booking_is_not_found(db, world, clock):
    other = make_studio(db, "harbour")
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    theirs = make_session(db, other, local(other, 2026, 11, 26, 18))
    _, old = _booked(db, world, wed, clock=clock)
    with db.studio(other.studio_id) as s, pytest.raises(NotFound):
        move_booking(s, old, theirs, actor="client", source="sms")
    with db.studio(world.studio_id) as s, pytest.raises(NotFound):
        move_booking(s, old, theirs, actor="client", source="sms")
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, old).status == "confirmed"


# ------------------------------------------------------------------ the admin's "Move booking"


def test_staff_move_a_booking_from_the_roster(db, app, clock):  # noqa: F811 (fixture)
    from tests.integration.test_admin_calendar import post, sign_in

    world = make_studio(db, "lotus", cancel_window_hours=12)
    today = make_session(db, world, local(world, 2026, 11, 23, 18))  # inside the late window
    thu = make_session(db, world, local(world, 2026, 11, 26, 18))
    cid, old = _booked(db, world, today, clock=clock)
    other = make_studio(db, "harbour")
    theirs = make_session(db, other, local(other, 2026, 11, 26, 18))
    front = sign_in(app, "lotus", "front_desk")
    roster = front.get(f"/admin/calendar/session/{today}").get_data(as_text=True)
    assert "Move booking" in roster and f'<option value="{thu}">' in roster
    assert f'<option value="{theirs}">' not in roster

    path = f"/admin/calendar/session/{today}/booking/{old}/move"
    late = post(front, path, {"to_session": str(thu)})
    assert late.status_code == 409 and "late cancel" in late.get_data(as_text=True)
    assert post(front, path, {"to_session": str(theirs), "accept_late": "yes"}).status_code == 409
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, old).status == "confirmed"
    assert post(front, path, {"to_session": str(thu), "accept_late": "yes"}).status_code == 302
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, old).status == "late_cancelled"
        moved = s.scalars(select(Booking).where(Booking.client_id == cid, Booking.status == "confirmed")).one()
        actors = {a.action: a.actor for a in s.scalars(select(AuditLog))}
    assert moved.session_id == thu and moved.source == "admin"
    with db.studio(world.studio_id) as s:
        [told] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "booking_moved")).all()
    assert told.to_addr == SAM and told.dedupe_key == f"booking_moved:booking:{moved.id}"
    assert told.body == (
        "Your booking has moved: you're now booked into Vinyasa Flow, Thu 26 Nov 18:00 at Main with Maya "
        "instead of Vinyasa Flow Mon 23 Nov 18:00."
    )
    assert set(actors) == {"move_out", "move_in"} and "front_desk" in actors["move_in"]

    instructor = sign_in(app, "lotus", "instructor", "Maya Patel")
    assert (
        post(
            instructor, f"/admin/calendar/session/{thu}/booking/{moved.id}/move", {"to_session": str(today)}
        ).status_code
        == 403
    )
