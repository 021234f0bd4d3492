"""Capacity under real concurrency: threads racing through the booking service.

On PostgreSQL the session row lock serialises bookings of one class; on SQLite every
write transaction begins IMMEDIATE. Either way a class never holds more confirmed
bookings than its capacity, a client never holds two, and no exception leaks.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.booking import booking as svc
from app.booking import waitlist
from app.booking.errors import AlreadyBooked, BookingError, ClassFull
from app.models import Booking, CreditEntry, WaitlistEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio


def race(n: int, work) -> tuple[list, list]:
    """Run ``work(i)`` on ``n`` threads released together; return (results, unexpected errors)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # the thread is a boundary: collect, then assert none leaked
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def book_or_wait(db, studio_id, client_id, session_id) -> str:
    with db.studio(studio_id) as s:
        try:
            svc.book(s, client_id, session_id)
            return "booked"
        except ClassFull:
            s.rollback()
    with db.studio(studio_id) as s:
        waitlist.join(s, client_id, session_id)
        return "waiting"


@pytest.fixture(params=["postgresql", "sqlite"])
def racing_db(request):
    return request.getfixturevalue("pg_db" if request.param == "postgresql" else "sqlite_db")


def setup_class(db, clock, key="lotus", clients=20, capacity=5):
    world = make_studio(db, key)
    session_id = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=capacity)
    ids = [make_client(db, world, f"+4477009{i:05d}", f"Client {i}") for i in range(clients)]
    for cid in ids:
        grant_pack(db, world, cid, 3, starts_at=clock.now())
    return world, session_id, ids


def test_twenty_clients_race_for_five_spots(racing_db, clock):
    db = racing_db
    world, sid, ids = setup_class(db, clock)
    results, errors = race(len(ids), lambda i: book_or_wait(db, world.studio_id, ids[i], sid))
    assert errors == []
    assert Counter(results) == {"booked": 5, "waiting": 15}
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(Booking.id)).where(Booking.status == "confirmed")) == 5
        assert s.scalar(select(func.count(CreditEntry.id)).where(CreditEntry.kind == "spend")) == 5
        entries = s.scalars(select(WaitlistEntry).where(WaitlistEntry.status == "waiting")).all()
        assert sorted(waitlist.position(s, e) for e in entries) == list(range(1, 16))
        per_client = s.execute(select(Booking.client_id, func.count()).group_by(Booking.client_id)).all()
        assert all(n == 1 for _, n in per_client)


def test_one_client_booking_twice_at_once_books_once(racing_db, clock):
    db = racing_db
    world, sid, ids = setup_class(db, clock, clients=1)

    def attempt(_):
        with db.studio(world.studio_id) as s:
            try:
                svc.book(s, ids[0], sid)
                return "booked"
            except AlreadyBooked:
                return "already"

    results, errors = race(4, attempt)
    assert errors == []
    assert Counter(results) == {"booked": 1, "already": 3}
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(CreditEntry.id)).where(CreditEntry.kind == "spend")) == 1


def test_two_studios_racing_in_parallel_do_not_interfere(racing_db, clock):
    db = racing_db
    lotus = setup_class(db, clock, "lotus", clients=8, capacity=3)
    harbour = setup_class(db, clock, "harbour", clients=8, capacity=4)
    jobs = [(w, sid, cid) for (w, sid, ids) in (lotus, harbour) for cid in ids]
    results, errors = race(len(jobs), lambda i: book_or_wait(db, jobs[i][0].studio_id, jobs[i][2], jobs[i][1]))
    assert errors == []
    for world, _, _ in (lotus, harbour):
        with db.studio(world.studio_id) as s:
            confirmed = s.scalar(select(func.count(Booking.id)).where(Booking.status == "confirmed"))
            waiting = s.scalar(select(func.count(WaitlistEntry.id)))
        assert (confirmed, waiting) == ((3, 5) if world is lotus[0] else (4, 4))


def test_cancel_and_book_race_never_overfills(racing_db, clock):
    db = racing_db
    world, sid, ids = setup_class(db, clock, clients=8, capacity=2)
    with db.studio(world.studio_id) as s:
        first = svc.book(s, ids[0], sid).booking.id
    with db.studio(world.studio_id) as s:
        svc.book(s, ids[1], sid)

    def work(i):
        with db.studio(world.studio_id) as s:
            if i == 0:
                svc.cancel(s, first)
                return "cancelled"
            try:
                svc.book(s, ids[i + 1], sid)
                return "booked"
            except BookingError as exc:
                return type(exc).__name__

    results, errors = race(6, work)
    assert errors == []
    with db.studio(world.studio_id) as s:
        assert s.scalar(select(func.count(Booking.id)).where(Booking.status == "confirmed")) <= 2
    assert results.count("booked") <= 1
