"""Booking and cancelling through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.booking import booking as svc
from app.booking import credits
from app.booking.errors import (
    AlreadyBooked,
    ClassFull,
    NoCredits,
    NotCancellable,
    NotFound,
    OutsideBookingWindow,
    SessionNotBookable,
)
from app.models import Booking, CreditEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio


@pytest.fixture
def world(db, clock):
    return make_studio(db, booking_window_days=14, cancel_window_hours=12)


def _ledger(db, world, client_id):
    with db.studio(world.studio_id) as s:
        return [
            (e.kind, e.credits, e.amount)
            for e in s.scalars(select(CreditEntry).where(CreditEntry.client_id == client_id).order_by(CreditEntry.id))
        ]


def test_book_confirms_spends_a_credit_and_states_the_free_cancel_deadline(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 10, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        result = svc.book(s, cid, sid)
    assert result.booking.status == "confirmed"
    assert result.balance.credits == 9
    assert result.free_cancel_until == local(world, 2026, 11, 25, 6)
    assert _ledger(db, world, cid) == [("grant", 10, None), ("spend", -1, None)]


def test_book_twice_is_refused_and_spends_once(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 10, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        first = svc.book(s, cid, sid)
    with db.studio(world.studio_id) as s, pytest.raises(AlreadyBooked) as err:
        svc.book(s, cid, sid)
    assert err.value.booking_id == first.booking.id
    assert [k for k, *_ in _ledger(db, world, cid)] == ["grant", "spend"]


def test_full_class_says_so_with_the_waitlist_size_and_writes_nothing(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    a = make_client(db, world, "+447700900301")
    b = make_client(db, world, "+447700900302", "Priya")
    for c in (a, b):
        grant_pack(db, world, c, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        svc.book(s, a, sid)
    with db.studio(world.studio_id) as s, pytest.raises(ClassFull) as err:
        svc.book(s, b, sid)
    assert err.value.waitlist_size == 0
    assert [k for k, *_ in _ledger(db, world, b)] == ["grant"]


def test_booking_window(db, world, clock):
    far = make_session(db, world, local(world, 2026, 12, 10, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 5, starts_at=clock.now(), days=60)
    with db.studio(world.studio_id) as s, pytest.raises(OutsideBookingWindow) as err:
        svc.book(s, cid, far)
    assert err.value.opens_at == local(world, 2026, 11, 26, 18)
    clock.set(local(world, 2026, 11, 26, 18, 1))
    with db.studio(world.studio_id) as s:
        assert svc.book(s, cid, far).booking.status == "confirmed"


def test_past_and_cancelled_sessions_are_not_bookable(db, world, clock):
    past = make_session(db, world, local(world, 2026, 11, 23, 7))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 5, starts_at=clock.now() - timedelta(days=1))
    with db.studio(world.studio_id) as s, pytest.raises(SessionNotBookable):
        svc.book(s, cid, past)
    later = make_session(db, world, local(world, 2026, 11, 25, 18))
    with db.studio(world.studio_id) as s:
        svc.cancel_session(s, later, reason="instructor ill")
    with db.studio(world.studio_id) as s, pytest.raises(SessionNotBookable):
        svc.book(s, cid, later)


def test_no_credits_and_expired_pack(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    broke = make_client(db, world, "+447700900301")
    with db.studio(world.studio_id) as s, pytest.raises(NoCredits) as err:
        svc.book(s, broke, sid)
    assert (err.value.available, err.value.expired) == (0, False)
    lapsed = make_client(db, world, "+447700900302", "Jon")
    grant_pack(db, world, lapsed, 5, starts_at=clock.now() - timedelta(days=40), days=30)
    with db.studio(world.studio_id) as s, pytest.raises(NoCredits) as err:
        svc.book(s, lapsed, sid)
    assert err.value.expired is True
    with db.studio(world.studio_id) as s:
        assert s.scalars(select(Booking)).all() == []


def test_pack_must_still_be_valid_when_the_class_starts(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 30, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 5, starts_at=clock.now() - timedelta(days=27), days=30)  # ends Thu 26th
    with db.studio(world.studio_id) as s, pytest.raises(NoCredits) as err:
        svc.book(s, cid, sid)
    assert err.value.expired is True


def test_membership_books_without_spending_credits(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900302", "Priya")
    grant_pack(db, world, cid, 0, starts_at=clock.now(), unlimited=True)
    with db.studio(world.studio_id) as s:
        result = svc.book(s, cid, sid)
    assert result.booking.credits_spent == 0 and result.balance.unlimited
    assert _ledger(db, world, cid) == [("spend", 0, None)]


def test_soonest_expiring_pack_pays_first(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    later = grant_pack(db, world, cid, 10, starts_at=clock.now(), days=90)
    sooner = grant_pack(db, world, cid, 2, starts_at=clock.now(), days=10)
    with db.studio(world.studio_id) as s:
        result = svc.book(s, cid, sid)
    assert result.booking.client_package_id == sooner != later
    assert result.balance.credits == 11


def test_class_type_restricted_credits_only_pay_for_that_type(db, world, clock):
    from app.models import ClassType

    with db.studio(world.studio_id) as s:
        pt = ClassType(key="pt", name="Personal Training", category="Personal Training", capacity=1, credits=1)
        s.add(pt)
        s.commit()
        pt_id = pt.id
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 3, starts_at=clock.now(), class_type_id=pt_id)
    with db.studio(world.studio_id) as s, pytest.raises(NoCredits):
        svc.book(s, cid, sid)
    pt_session = make_session(db, world, local(world, 2026, 11, 26, 10), capacity=1, class_type_id=pt_id)
    with db.studio(world.studio_id) as s:
        assert svc.book(s, cid, pt_session).balance.credits == 2


def test_cancel_in_window_refunds(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 10, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, cid, sid).booking.id
    with db.studio(world.studio_id) as s:
        result = svc.cancel(s, booking_id)
    assert result.booking.status == "cancelled" and not result.terms.late
    assert result.balance.credits == 10
    assert [k for k, *_ in _ledger(db, world, cid)] == ["grant", "spend", "refund"]
    with db.studio(world.studio_id) as s, pytest.raises(NotCancellable):
        svc.cancel(s, booking_id)


@pytest.mark.parametrize(
    "rule, fee, credits_after, owed, kinds",
    [
        ("forfeit_credit", "0", 9, Decimal("0.00"), ["grant", "spend", "forfeit"]),
        ("fee", "5.00", 10, Decimal("5.00"), ["grant", "spend", "refund", "fee"]),
        ("none", "0", 10, Decimal("0.00"), ["grant", "spend", "refund"]),
    ],
)
def test_late_cancel_follows_policy_and_needs_consent(db, clock, rule, fee, credits_after, owed, kinds):
    world = make_studio(db, cancel_window_hours=12, late_cancel=rule, late_cancel_fee=Decimal(fee))
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 10, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, cid, sid).booking.id
    clock.set(local(world, 2026, 11, 25, 7))  # 11 hours before: late
    with db.studio(world.studio_id) as s, pytest.raises(svc.LateCancelNeedsConsent) as err:
        svc.cancel(s, booking_id)
    assert err.value.terms.consequence == rule and err.value.terms.fee == Decimal(fee)
    with db.studio(world.studio_id) as s:
        assert s.get(Booking, booking_id).status == "confirmed"  # nothing changed
        assert svc.preview_cancel(s, booking_id).late is True
    with db.studio(world.studio_id) as s:
        result = svc.cancel(s, booking_id, accept_late=True)
    assert result.booking.status == "late_cancelled"
    assert (result.balance.credits, result.balance.owed) == (credits_after, owed)
    assert [k for k, *_ in _ledger(db, world, cid)] == kinds


def test_cancel_after_start_is_refused(db, world, clock):
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 10, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, cid, sid).booking.id
    clock.set(local(world, 2026, 11, 25, 18, 5))
    with db.studio(world.studio_id) as s, pytest.raises(NotCancellable):
        svc.cancel(s, booking_id, accept_late=True)


def test_studio_cancels_a_class_refunds_everyone_and_closes_the_waitlist(db, world, clock):
    from app.booking import waitlist

    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    a = make_client(db, world, "+447700900301")
    b = make_client(db, world, "+447700900302", "Priya")
    for c in (a, b):
        grant_pack(db, world, c, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, a, sid).booking.id
    with db.studio(world.studio_id) as s:
        entry_id = waitlist.join(s, b, sid).entry.id
    with db.studio(world.studio_id) as s:
        event = svc.cancel_session(s, sid, reason="heating broken")
    assert event.booking_ids == (booking_id,) and event.waitlist_entry_ids == (entry_id,)
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, a).credits == 5
        assert svc.upcoming_bookings(s, a) == []


def test_unknown_ids_are_not_found(db, world, clock):
    with db.studio(world.studio_id) as s, pytest.raises(NotFound):
        svc.book(s, 999, 999)
    with db.studio(world.studio_id) as s, pytest.raises(NotFound):
        svc.cancel(s, 999)


def test_another_studios_session_is_not_found(db, clock):
    lotus = make_studio(db, "lotus")
    other = make_studio(db, "harbour")
    their_session = make_session(db, other, local(other, 2026, 11, 25, 18))
    cid = make_client(db, lotus, "+447700900301")
    grant_pack(db, lotus, cid, 5, starts_at=clock.now())
    with db.studio(lotus.studio_id) as s, pytest.raises(NotFound):
        svc.book(s, cid, their_session)
