"""Schedules into sessions (DST-safe, idempotent) and 1:1 appointments."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.booking import appointments, credits
from app.booking.errors import NoCredits, OutsideBookingWindow, SlotUnavailable
from app.booking.schedules import generate_for_studios, generate_sessions
from app.fixtures import load_fixture
from app.models import Booking, ClassSession, ClassType, Client, Schedule, Staff, Studio
from tests.factories import local, make_studio

LONDON = ZoneInfo("Europe/London")
LOTUS = "tests/data/lotus.toml"


def add_schedule(db, world, days, at, starts_on=date(2026, 1, 1), **kw):
    with db.studio(world.studio_id) as s:
        s.add(
            Schedule(
                class_type_id=world.class_type_id,
                location_id=world.location_id,
                instructor_id=world.instructor_id,
                weekdays=days,
                start_time=at,
                starts_on=starts_on,
                **kw,
            )
        )
        s.commit()


def starts(db, world):
    with db.studio(world.studio_id) as s:
        return [
            x.astimezone(ZoneInfo(world.timezone))
            for x in s.scalars(select(ClassSession.starts_at).order_by(ClassSession.starts_at))
        ]


def test_generation_is_idempotent_and_honours_the_horizon(db, clock):
    world = make_studio(db, booking_window_days=14)
    add_schedule(db, world, "mon,wed,fri", time(18))
    with db.studio(world.studio_id) as s:
        assert generate_sessions(s) == 7  # Mon 23 (18:00 still ahead) .. Fri 4 Dec, Mon 7 Dec
    with db.studio(world.studio_id) as s:
        assert generate_sessions(s) == 0
    assert [d.strftime("%a %d %H:%M") for d in starts(db, world)][:3] == [
        "Mon 23 18:00",
        "Wed 25 18:00",
        "Fri 27 18:00",
    ]


def test_starts_on_ends_on_overrides_and_past_times(db, clock):
    world = make_studio(db, booking_window_days=14)
    add_schedule(
        db,
        world,
        "mon,tue",
        time(7),
        starts_on=date(2026, 11, 30),
        ends_on=date(2026, 12, 1),
        capacity=4,
        duration_min=45,
    )
    add_schedule(db, world, "mon", time(8))  # 08:00 today has passed at 09:00
    with db.studio(world.studio_id) as s:
        generate_sessions(s)
        rows = s.scalars(select(ClassSession).order_by(ClassSession.starts_at)).all()
    summary = [
        (
            r.starts_at.astimezone(LONDON).strftime("%a %d %H:%M"),
            r.capacity,
            int((r.ends_at - r.starts_at).total_seconds() // 60),
        )
        for r in rows
    ]
    assert summary == [
        ("Mon 30 07:00", 4, 45),
        ("Mon 30 08:00", 10, 60),
        ("Tue 01 07:00", 4, 45),
        ("Mon 07 08:00", 10, 60),
    ]


def test_a_monday_1800_class_stays_1800_local_across_the_autumn_change(db, clock):
    clock.set(datetime(2026, 10, 19, 12, tzinfo=UTC))
    world = make_studio(db, booking_window_days=14)
    add_schedule(db, world, "mon", time(18))
    with db.studio(world.studio_id) as s:
        generate_sessions(s)
        utc = [
            x.strftime("%d %H:%M") for x in s.scalars(select(ClassSession.starts_at).order_by(ClassSession.starts_at))
        ]
    assert [d.strftime("%d %H:%M %Z") for d in starts(db, world)] == ["19 18:00 BST", "26 18:00 GMT", "02 18:00 GMT"]
    assert utc == ["19 17:00", "26 18:00", "02 18:00"]


def test_spring_change_and_a_time_inside_the_gap(db, clock):
    clock.set(datetime(2027, 3, 22, 9, tzinfo=UTC))
    world = make_studio(db, booking_window_days=8)
    add_schedule(db, world, "mon", time(18))
    add_schedule(db, world, "sun", time(1, 30))  # 28 Mar 2027 01:30 does not exist in London
    with db.studio(world.studio_id) as s:
        generate_sessions(s)
    assert [d.strftime("%a %d %H:%M %Z") for d in starts(db, world)] == [
        "Mon 22 18:00 GMT",
        "Sun 28 02:30 BST",
        "Mon 29 18:00 BST",
    ]


def test_new_york_dst(db, clock):
    clock.set(datetime(2026, 10, 28, 12, tzinfo=UTC))
    world = make_studio(db, "harbour", tz="America/New_York", booking_window_days=10)
    add_schedule(db, world, "sat,mon", time(9, 30))
    with db.studio(world.studio_id) as s:
        generate_sessions(s)
    assert [d.strftime("%a %d %H:%M %Z") for d in starts(db, world)] == [
        "Sat 31 09:30 EDT",
        "Mon 02 09:30 EST",
        "Sat 07 09:30 EST",
    ]


# ------------------------------------------------------------------ 1:1 appointments


@pytest.fixture
def lotus(db, clock):
    load_fixture(db, LOTUS)
    generate_for_studios(db)
    with db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    with db.studio(studio_id) as s:
        ids = {
            "pt": s.scalars(select(ClassType.id).where(ClassType.key == "pt")).one(),
            "tom": s.scalars(select(Staff.id).where(Staff.key == "tom")).one(),
            "sara": s.scalars(select(Staff.id).where(Staff.key == "sara")).one(),
            "sam": s.scalars(select(Client.id).where(Client.phone == "+447700900301")).one(),
            "jon": s.scalars(select(Client.id).where(Client.phone == "+447700900303")).one(),
            "priya": s.scalars(select(Client.id).where(Client.phone == "+447700900302")).one(),
        }
        ids["shoreditch"] = s.scalars(
            select(ClassSession.location_id).where(ClassSession.instructor_id == ids["tom"])
        ).first()
    return studio_id, ids


def test_free_slots_follow_availability_minus_what_they_teach(db, lotus):
    studio_id, ids = lotus
    start, end = local(LONDON.key, 2026, 11, 25, 0), local(LONDON.key, 2026, 11, 26, 0)
    with db.studio(studio_id) as s:
        slots = appointments.free_slots(s, ids["pt"], start=start, end=end, staff_id=ids["sara"])
    assert [x.starts_at.astimezone(LONDON).strftime("%H:%M") for x in slots] == [
        "10:00",
        "11:00",
        "12:00",
        "13:00",
        "14:00",
        "15:00",
    ]
    # Tom teaches HIIT Wed 06:30 but takes 1:1s Tue/Thu only; on Thu his morning is free
    thu = local(LONDON.key, 2026, 11, 26, 0)
    with db.studio(studio_id) as s:
        slots = appointments.free_slots(
            s, ids["pt"], start=thu, end=thu + timedelta(days=1), staff_id=ids["tom"], step_minutes=30
        )
    assert len(slots) == 9 and slots[0].starts_at.astimezone(LONDON).strftime("%H:%M") == "07:00"


def test_book_a_1to1_spends_a_credit_and_blocks_the_slot(db, lotus):
    studio_id, ids = lotus
    at = local(LONDON.key, 2026, 11, 26, 8)
    with db.studio(studio_id) as s:
        booking = appointments.book_appointment(s, ids["sam"], ids["pt"], ids["tom"], ids["shoreditch"], at)
    with db.studio(studio_id) as s:
        assert s.get(ClassSession, booking.session_id).kind == "appointment"
        assert credits.balance(s, ids["sam"]).credits == 9
    with db.studio(studio_id) as s, pytest.raises(SlotUnavailable, match="already booked"):
        appointments.book_appointment(
            s, ids["priya"], ids["pt"], ids["tom"], ids["shoreditch"], at + timedelta(minutes=30)
        )
    with db.studio(studio_id) as s:
        slots = appointments.free_slots(
            s, ids["pt"], start=at - timedelta(hours=1), end=at + timedelta(hours=2), staff_id=ids["tom"]
        )
    assert at not in [x.starts_at for x in slots]


def test_outside_hours_past_and_no_credits_write_nothing(db, lotus):
    studio_id, ids = lotus
    with db.studio(studio_id) as s, pytest.raises(SlotUnavailable, match="doesn't take appointments"):
        appointments.book_appointment(
            s, ids["sam"], ids["pt"], ids["tom"], ids["shoreditch"], local(LONDON.key, 2026, 11, 26, 13)
        )
    with db.studio(studio_id) as s, pytest.raises(OutsideBookingWindow):
        appointments.book_appointment(
            s, ids["sam"], ids["pt"], ids["tom"], ids["shoreditch"], local(LONDON.key, 2026, 11, 12, 8)
        )
    with db.studio(studio_id) as s:
        appointments.book_appointment(
            s, ids["jon"], ids["pt"], ids["tom"], ids["shoreditch"], local(LONDON.key, 2026, 11, 24, 8)
        )  # spends Jon's only credit
    with db.studio(studio_id) as s, pytest.raises(NoCredits):
        appointments.book_appointment(
            s, ids["jon"], ids["pt"], ids["tom"], ids["shoreditch"], local(LONDON.key, 2026, 11, 24, 10)
        )
    with db.studio(studio_id) as s:
        assert s.scalar(select(func.count(ClassSession.id)).where(ClassSession.kind == "appointment")) == 1


def test_two_clients_racing_for_one_instructor_slot(pg_db, clock):
    load_fixture(pg_db, LOTUS)
    with pg_db.unscoped() as s:
        studio_id = s.scalars(select(Studio.id).where(Studio.key == "lotus")).one()
    with pg_db.studio(studio_id) as s:
        pt = s.scalars(select(ClassType.id).where(ClassType.key == "pt")).one()
        tom = s.scalars(select(Staff.id).where(Staff.key == "tom")).one()
        sam, priya = (
            s.scalars(select(Client.id).where(Client.phone == p)).one() for p in ("+447700900301", "+447700900302")
        )
        from app.models import Location

        shoreditch = s.scalars(select(Location.id).where(Location.key == "shoreditch")).one()
    at = local(LONDON.key, 2026, 11, 26, 9)
    barrier, outcomes, leaks = threading.Barrier(2), [], []

    def attempt(client_id, minutes):
        barrier.wait()
        try:
            with pg_db.studio(studio_id) as s:
                appointments.book_appointment(s, client_id, pt, tom, shoreditch, at + timedelta(minutes=minutes))
            outcomes.append("booked")
        except SlotUnavailable:
            outcomes.append("unavailable")
        except Exception as exc:  # collected: none may leak
            leaks.append(exc)

    threads = [threading.Thread(target=attempt, args=(c, m)) for c, m in ((sam, 0), (priya, 30))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert leaks == [] and sorted(outcomes) == ["booked", "unavailable"]
    with pg_db.studio(studio_id) as s:
        assert s.scalar(select(func.count(Booking.id))) == 1
