"""The Desk port's issue-13 actions over the booking core (``SqlDesk``), on SQLite and
PostgreSQL: move, the client's waitlist, running late, check-in by text, staff attendance,
1:1 slots, the rules in words, and studio scoping."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.booking import booking as svc
from app.booking import waitlist
from app.booking.attendance import sweep_no_shows
from app.conversation.desk import SqlDesk
from app.models import (
    AuditLog,
    Availability,
    Booking,
    ClassSession,
    ClassType,
    CreditEntry,
    OutboxMessage,
    Policy,
    Staff,
    Studio,
    WaitlistEntry,
)
from bot.desk import RosterEntry, SlotView, WaitlistView
from bot.replies import gsm7
from tests.factories import grant_pack, local, make_client, make_session, make_studio

SAM, JO, ALI = "+447700900301", "+447700900302", "+447700900303"
MAYA = "+447700900201"  # the factory's instructor
OWNER, SARA = "+447700900200", "+447700900202"


@pytest.fixture
def world(db, clock):
    return make_studio(db, booking_window_days=14, cancel_window_hours=12)


@contextmanager
def desk(db, world, phone, channel="sms"):
    """One turn's desk: the engine's one transaction, committed at the end."""
    with db.studio(world.studio_id) as s:
        yield SqlDesk(s, s.get(Studio, world.studio_id), phone, channel)


def client(db, world, phone=SAM, name="Sam Lee", credits=5, clock=None):
    cid = make_client(db, world, phone, name)
    grant_pack(db, world, cid, credits, starts_at=clock.now())
    return cid


def book(db, world, cid, sid):
    with db.studio(world.studio_id) as s:
        return svc.book(s, cid, sid).booking.id


def set_policy(db, world, **values):
    with db.studio(world.studio_id) as s:
        policy = s.scalars(select(Policy)).one()
        for k, v in values.items():
            setattr(policy, k, v)


def add_staff(db, world, key, name, phone, role):
    with db.studio(world.studio_id) as s:
        member = Staff(key=key, name=name, phone=phone, role=role)
        s.add(member)
        s.flush()
        return member.id


# ------------------------------------------------------------------ move


def test_move_through_the_desk(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    thu = make_session(db, world, local(world, 2026, 11, 26, 18))
    today = make_session(db, world, local(world, 2026, 11, 23, 18))
    cid = client(db, world, clock=clock)
    old = book(db, world, cid, wed)
    late = book(db, world, cid, today)

    with desk(db, world, SAM) as d:
        out = d.move(old, thu)
    assert (out.ok, out.kind) == (True, "moved")
    assert (out.data["old"].id, out.data["session"].id, out.data["balance"].credits) == (wed, thu, 3)
    assert out.data["free_until"] == local(world, 2026, 11, 26, 6) and out.data["late"] is False

    with desk(db, world, SAM) as d:
        out = d.move(late, wed)
    assert (out.ok, out.kind) == (False, "late")
    assert out.data["target"].id == wed and out.data["session"].id == today
    assert {"late", "consequence", "fee", "hours", "credits_back", "spent"} <= set(out.data)
    with desk(db, world, SAM) as d:
        out = d.move(late, wed, accept_late=True)
    assert out.kind == "moved" and out.data["late"] is True

    with desk(db, world, SAM) as d:
        assert d.move(12345, wed).kind == "not_yours"


def test_move_refusals_as_outcomes(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    full = make_session(db, world, local(world, 2026, 11, 26, 18), capacity=1)
    far = make_session(db, world, local(world, 2026, 12, 20, 18))
    with db.studio(world.studio_id) as s:
        dear = ClassType(key="reformer", name="Reformer", category="Pilates", credits=4)
        s.add(dear)
        s.flush()
        dear_session = ClassSession(
            class_type_id=dear.id,
            location_id=world.location_id,
            instructor_id=world.instructor_id,
            starts_at=local(world, 2026, 11, 27, 18),
            ends_at=local(world, 2026, 11, 27, 19),
            capacity=5,
        )
        s.add(dear_session)
        s.flush()
        dear_id = dear_session.id
    cid = client(db, world, credits=2, clock=clock)
    old = book(db, world, cid, wed)
    book(db, world, client(db, world, JO, "Jo Park", clock=clock), full)

    with desk(db, world, SAM) as d:
        assert d.move(old, full).kind == "full"
        out = d.move(old, dear_id)
        assert (out.kind, out.data["needed"], out.data["have"], out.data["expired"]) == ("no_credits", 4, 2, False)
        assert d.move(old, far).kind == "window"
        assert d.move(old, wed).kind == "already_booked"
        assert d.move(old, 99999).kind == "not_bookable"
    with desk(db, world, JO) as d:
        assert d.move(old, far).kind == "not_yours"  # Sam's booking, Jo texting
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, old).status == "confirmed"
        assert s.scalar(select(func.count(AuditLog.id))) == 0


def test_another_studios_booking_is_not_yours(db, world, clock):
    other = make_studio(db, "harbour")
    theirs_session = make_session(db, other, local(other, 2026, 11, 25, 18))
    theirs = make_client(db, other, SAM, "Sam Lee")  # the same phone, a client there too
    grant_pack(db, other, theirs, 5, starts_at=clock.now())
    with db.studio(other.studio_id) as s:
        their_booking = svc.book(s, theirs, theirs_session).booking.id
    mine = make_session(db, world, local(world, 2026, 11, 26, 18))
    client(db, world, clock=clock)
    with desk(db, world, SAM) as d:
        assert d.move(their_booking, mine).kind == "not_yours"
        assert d.running_late(their_booking, 5).kind == "not_yours"
    maya = add_staff(db, world, "owner", "Ana Owner", OWNER, "owner")
    assert maya
    with desk(db, world, OWNER) as d:
        assert d.attendance(their_booking, "checked_in").kind == "not_found"
        assert d.roster_entries(theirs_session) == []


def test_book_no_credits_says_what_is_needed_and_had(db, world, clock):
    wed = make_session(db, world, local(world, 2026, 11, 25, 18))
    make_client(db, world, SAM, "Sam Lee")
    with desk(db, world, SAM) as d:
        out = d.book(wed)
    assert (out.kind, out.data) == ("no_credits", {"needed": 1, "have": 0, "expired": False})


# ------------------------------------------------------------------ the waitlist


def test_waitlist_entries_and_leaving_an_offer_passes_it_on(db, world, clock):
    full = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    holder = client(db, world, ALI, "Ali Khan", clock=clock)
    booking = book(db, world, holder, full)
    sam = client(db, world, clock=clock)
    jo = client(db, world, JO, "Jo Park", clock=clock)
    with db.studio(world.studio_id) as s:
        waitlist.join(s, sam, full)
        waitlist.join(s, jo, full)
    with desk(db, world, JO) as d:
        [view] = d.waitlist_entries()
    assert isinstance(view, WaitlistView)
    assert (view.session.id, view.position, view.status, view.offer_expires_at) == (full, 2, "waiting", None)

    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking)  # the place frees: Sam is offered it
    with desk(db, world, SAM) as d:
        [offered] = d.waitlist_entries()
        assert offered.status == "offered"
        out = d.leave_waitlist(full)
    assert (out.ok, out.kind, out.data["session"].id) == (True, "left", full)
    with db.studio(world.studio_id) as s:
        statuses = {e.client_id: e.status for e in s.scalars(select(WaitlistEntry))}
    assert statuses == {sam: "left", jo: "offered"}  # never offered to Sam again; Jo has it now
    with desk(db, world, SAM) as d:
        assert d.leave_waitlist(full).kind == "not_waitlisted"
        assert d.waitlist_entries() == []


# ------------------------------------------------------------------ running late


def test_running_late_texts_the_instructor_once_and_keeps_the_booking(db, world, clock):
    set_policy(db, world, late_arrival_minutes=10)
    today = make_session(db, world, local(world, 2026, 11, 23, 18))
    cid = client(db, world, name="Maria Lopez", clock=clock)
    booking = book(db, world, cid, today)
    for minutes in (10, 15):
        with desk(db, world, SAM) as d:
            out = d.running_late(booking, minutes)
        assert (out.ok, out.kind) == (True, "told")
        assert out.data["instructor_told"] is True and out.data["doors_close_minutes"] == 10
    with db.studio(world.studio_id) as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "running_late")).all()
        assert s.get(Booking, booking).status == "confirmed"
    assert (row.to_addr, row.dedupe_key) == (MAYA, f"late:booking:{booking}")
    assert row.body == "Maria is running ~10 min late for Vinyasa Flow 18:00." == gsm7(row.body)
    assert row.valid_until == local(world, 2026, 11, 23, 19)


def test_running_late_with_an_instructor_who_cannot_be_texted(db, world, clock):
    today = make_session(db, world, local(world, 2026, 11, 23, 18))
    booking = book(db, world, client(db, world, clock=clock), today)
    with db.studio(world.studio_id) as s:
        s.get(Staff, world.instructor_id).phone = None
    with desk(db, world, SAM) as d:
        out = d.running_late(booking, None)
    assert out.kind == "told" and out.data["instructor_told"] is False and out.data["doors_close_minutes"] is None
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(OutboxMessage.id))) == 0
        svc.cancel(s, booking, accept_late=True)
    with desk(db, world, SAM) as d:
        assert d.running_late(booking, 5).kind == "refused"


# ------------------------------------------------------------------ check-in by text


def test_check_in_by_text(db, world, clock):
    today = make_session(db, world, local(world, 2026, 11, 23, 18))
    cid = client(db, world, clock=clock)
    with desk(db, world, SAM) as d:
        assert d.check_in_self().kind == "not_allowed"  # off by default
    set_policy(db, world, self_check_in=True, check_in_opens_minutes=30)
    with desk(db, world, SAM) as d:
        assert d.check_in_self().kind == "no_booking"
    booking = book(db, world, cid, today)
    with desk(db, world, SAM) as d:
        out = d.check_in_self()
    assert (out.kind, out.data["session"].id, out.data["opens_at"]) == (
        "too_early",
        today,
        local(world, 2026, 11, 23, 17, 30),
    )
    clock.set(local(world, 2026, 11, 23, 17, 35))
    with desk(db, world, SAM) as d:
        out = d.check_in_self()
    assert (out.ok, out.kind, out.data["session"].id) == (True, "checked_in", today)
    with desk(db, world, SAM) as d:
        assert d.check_in_self().kind == "already"
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, booking).status == "attended"
    clock.set(local(world, 2026, 11, 23, 19, 1))  # the class has ended
    with desk(db, world, SAM) as d:
        assert d.check_in_self().kind == "no_booking"


def test_self_check_in_closes_when_the_doors_do(db, world, clock):
    set_policy(db, world, self_check_in=True, late_arrival_minutes=10)
    today = make_session(db, world, local(world, 2026, 11, 23, 18))
    booking = book(db, world, client(db, world, clock=clock), today)
    clock.set(local(world, 2026, 11, 23, 18, 11))
    with desk(db, world, SAM) as d:
        assert d.check_in_self().kind == "no_booking"
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, booking).status == "confirmed"


# ------------------------------------------------------------------ staff attendance


def test_staff_attendance_roles_undo_and_waive(db, world, clock):
    maya_class = make_session(db, world, local(world, 2026, 11, 23, 18))
    sara = add_staff(db, world, "sara", "Sara Lee", SARA, "instructor")
    add_staff(db, world, "ana", "Ana Owner", OWNER, "owner")
    with db.studio(world.studio_id) as s:
        s.get(ClassSession, maya_class).capacity = 5
    sam = client(db, world, clock=clock)
    jo = client(db, world, JO, "Jo Park", clock=clock)
    b_sam, b_jo = book(db, world, sam, maya_class), book(db, world, jo, maya_class)
    assert sara

    with desk(db, world, SARA) as d:  # Sara doesn't teach Maya's class
        assert d.roster_entries(maya_class) == []
        assert d.attendance(b_sam, "checked_in").kind == "not_allowed"
    with desk(db, world, SAM) as d:  # a client is no staff
        assert d.attendance(b_sam, "checked_in").kind == "not_allowed"
    with desk(db, world, MAYA) as d:
        assert d.roster_entries(maya_class) == [
            RosterEntry(1, b_sam, "Sam Lee", "confirmed"),
            RosterEntry(2, b_jo, "Jo Park", "confirmed"),
        ]
        out = d.attendance(b_sam, "checked_in")
        assert out.kind == "refused" and "hour" in out.data["reason"]  # too early: 09:00 for 18:00

    clock.set(local(world, 2026, 11, 23, 18, 5))
    with desk(db, world, MAYA) as d:
        out = d.attendance(b_sam, "checked_in")
        assert (out.kind, out.data["entry"], out.data["action"]) == (
            "done",
            RosterEntry(1, b_sam, "Sam Lee", "checked_in"),
            "checked_in",
        )
        assert d.attendance(b_sam, "undo").data["entry"].status == "confirmed"
        assert d.attendance(b_jo, "no_show").data["entry"].status == "no_show"
        assert d.attendance(b_jo, "undo").data["entry"].status == "confirmed"
        assert d.attendance(b_jo, "undo").kind == "refused"  # nothing to undo
        assert d.attendance(b_jo, "dance").kind == "refused"
    with desk(db, world, OWNER) as d:  # owners may mark any class
        assert d.attendance(b_jo, "no_show").kind == "done"
    with db.studio(world.studio_id) as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["check_in", "undo_attendance", "no_show", "undo_attendance", "no_show"]

    # the review window closes and the sweep settles Jo's no-show: undo is refused, waive works
    clock.set(local(world, 2026, 11, 24, 8))
    with db.studio(world.studio_id) as s:
        sweep_no_shows(s)
    with desk(db, world, OWNER) as d:
        out = d.attendance(b_jo, "undo")
        assert out.kind == "refused" and "settled" in out.data["reason"]
        out = d.attendance(b_jo, "waive")
        assert out.kind == "done" and out.data["entry"].status == "waived"
    with db.studio(world.studio_id) as s:
        kinds = [e.kind for e in s.scalars(select(CreditEntry).where(CreditEntry.booking_id == b_jo))]
    assert kinds == ["spend", "forfeit", "refund"]


# ------------------------------------------------------------------ 1:1 slots


def test_free_slots_and_book_slot(db, world, clock):
    with db.studio(world.studio_id) as s:
        pt = ClassType(key="pt", name="Personal Training", category="Personal Training", kind="appointment")
        pt.duration_min, pt.capacity, pt.credits = 60, 1, 2
        s.add(pt)
        s.add(
            Availability(
                staff_id=world.instructor_id,
                location_id=world.location_id,
                weekday=1,  # Tuesday
                start_time=time(9),
                end_time=time(12),
            )
        )
        s.flush()
        pt_id = pt.id
    make_session(db, world, local(world, 2026, 11, 24, 10))  # Maya teaches Tue 10:00-11:00
    cid = client(db, world, credits=3, clock=clock)
    day = local(world, 2026, 11, 24, 0)
    with desk(db, world, SAM) as d:
        [kind] = d.appointment_types()
        assert (kind.id, kind.name, kind.credits, kind.duration_min) == (pt_id, "Personal Training", 2, 60)
        slots = d.free_slots(day, day + timedelta(days=1))
    assert [(s.starts_at.strftime("%H:%M"), s.instructor, s.location, s.credits) for s in slots] == [
        ("09:00", "Maya Patel", "Main", 2),
        ("11:00", "Maya Patel", "Main", 2),
    ]
    assert all(isinstance(s, SlotView) for s in slots)
    with desk(db, world, SAM) as d:
        out = d.book_slot(slots[0])
    assert out.kind == "booked" and out.data["balance"].credits == 1 and out.data["slot"] == slots[0]
    with desk(db, world, SAM) as d:
        assert [s.starts_at.strftime("%H:%M") for s in d.free_slots(day, day + timedelta(days=1))] == ["11:00"]
        assert d.book_slot(slots[0]).kind == "taken"
        out = d.book_slot(slots[1])
    assert (out.kind, out.data["needed"], out.data["have"]) == ("no_credits", 2, 1)
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(Booking.id)).where(Booking.client_id == cid)) == 1


# ------------------------------------------------------------------ the rules


def test_policy_facts(db, clock):
    world = make_studio(
        db, cancel_window_hours=24, late_cancel="fee", late_cancel_fee=Decimal("8"), late_arrival_minutes=10
    )
    with desk(db, world, SAM) as d:
        facts = d.policy_facts()
    assert {k: facts[k] for k in ("cancel_window_hours", "late_cancel", "late_cancel_fee", "late_arrival_minutes")} == {
        "cancel_window_hours": 24,
        "late_cancel": "fee",
        "late_cancel_fee": Decimal("8"),
        "late_arrival_minutes": 10,
    }
    assert facts["currency"] == "GBP" and facts["no_show_fee"] == Decimal("0")
