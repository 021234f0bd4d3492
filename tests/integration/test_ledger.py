"""The credits ledger: grants, expiry, balances derived from rows; attendance and no-shows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.booking import attendance, credits
from app.booking import booking as svc
from app.booking.errors import InvalidRequest, NotCancellable, NotFound
from app.models import Booking, CreditEntry, Package
from tests.factories import grant_pack, local, make_client, make_session, make_studio


def kinds(db, world, client_id):
    with db.studio(world.studio_id) as s:
        return [
            (e.kind, e.credits, e.amount)
            for e in s.scalars(select(CreditEntry).where(CreditEntry.client_id == client_id).order_by(CreditEntry.id))
        ]


def test_grant_package_and_loose_credits(db, clock):
    world = make_studio(db)
    cid = make_client(db, world, "+447700900301")
    with db.studio(world.studio_id) as s:
        ten = Package(
            key="ten", name="10 Class Pack", kind="class_pack", credits=10, price=Decimal("150"), valid_days=120
        )
        unlimited = Package(
            key="unl", name="Unlimited", kind="membership", credits=None, price=Decimal("129"), valid_days=30
        )
        s.add_all([ten, unlimited])
        s.commit()
        ten_id, unl_id = ten.id, unlimited.id
    with db.studio(world.studio_id) as s:
        pack = credits.grant_package(s, cid, ten_id, actor="maya")
        assert pack.expires_at == clock.now() + timedelta(days=120)
    with db.studio(world.studio_id) as s:
        credits.grant_credits(s, cid, 2, reason="goodwill", valid_days=30)
    with db.studio(world.studio_id) as s:
        credits.grant_package(s, cid, unl_id)
        balance = credits.balance(s, cid)
    assert (balance.credits, balance.unlimited) == (12, True)
    assert kinds(db, world, cid) == [("grant", 10, None), ("grant", 2, None)]


def test_bad_grants_change_nothing(db, clock):
    world = make_studio(db)
    cid = make_client(db, world, "+447700900301")
    with db.studio(world.studio_id) as s, pytest.raises(InvalidRequest):
        credits.grant_credits(s, cid, 0, reason="nothing")
    with db.studio(world.studio_id) as s, pytest.raises(NotFound):
        credits.grant_credits(s, 999, 3, reason="nobody")
    with db.studio(world.studio_id) as s, pytest.raises(NotFound):
        credits.grant_package(s, cid, 999)
    assert kinds(db, world, cid) == []


def test_expiry_sweep_writes_one_row_and_is_idempotent(db, clock):
    world = make_studio(db)
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 5, starts_at=clock.now(), days=10)
    sid = make_session(db, world, local(world, 2026, 11, 25, 18))
    with db.studio(world.studio_id) as s:
        svc.book(s, cid, sid)
    clock.advance(timedelta(days=11))
    with db.studio(world.studio_id) as s:
        assert credits.expire_packs(s) == 1
    with db.studio(world.studio_id) as s:
        assert credits.expire_packs(s) == 0
        assert credits.balance(s, cid).credits == 0
    assert kinds(db, world, cid)[-1] == ("expire", -4, None)


def test_expiry_sweep_across_studios_is_an_explicit_system_session(db, clock):
    lotus, harbour = make_studio(db, "lotus"), make_studio(db, "harbour")
    for world in (lotus, harbour):
        cid = make_client(db, world, "+447700900301")
        grant_pack(db, world, cid, 3, starts_at=clock.now(), days=1)
    clock.advance(timedelta(days=2))
    with db.system("nightly expiry sweep") as s:
        assert credits.expire_packs(s) == 2
    with db.system("check") as s:
        rows = s.execute(select(CreditEntry.studio_id, func.sum(CreditEntry.credits)).group_by(CreditEntry.studio_id))
        assert sorted(rows.all()) == [(lotus.studio_id, 0), (harbour.studio_id, 0)]


def test_balance_is_the_sum_of_the_ledger(db, clock):
    world = make_studio(db, cancel_window_hours=12)
    cid = make_client(db, world, "+447700900301")
    grant_pack(db, world, cid, 10, starts_at=clock.now())
    ids = [make_session(db, world, local(world, 2026, 11, 24 + d, 18)) for d in range(4)]
    booking_ids = []
    for sid in ids:
        with db.studio(world.studio_id) as s:
            booking_ids.append(svc.book(s, cid, sid).booking.id)
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_ids[-1])
    with db.studio(world.studio_id) as s:
        ledger_sum = s.scalar(select(func.sum(CreditEntry.credits)).where(CreditEntry.client_id == cid))
        assert credits.balance(s, cid).credits == ledger_sum == 7


@pytest.fixture
def booked(db, clock):
    def make(**policy):
        world = make_studio(db, **policy)
        cid = make_client(db, world, "+447700900301")
        grant_pack(db, world, cid, 5, starts_at=clock.now())
        sid = make_session(db, world, local(world, 2026, 11, 23, 18))
        with db.studio(world.studio_id) as s:
            return world, cid, svc.book(s, cid, sid).booking.id

    return make


def test_check_in(db, clock, booked):
    world, cid, booking_id = booked()
    with db.studio(world.studio_id) as s:
        attendance.check_in(s, booking_id, actor="maya")
    with db.studio(world.studio_id) as s:
        b = s.get(Booking, booking_id)
        assert b.status == "attended" and b.checked_in_at == clock.now()


@pytest.mark.parametrize(
    "rule, credits_left, owed",
    [
        ("forfeit_credit", 4, Decimal("0.00")),  # the credit is used
        ("fee", 5, Decimal("10.00")),  # the fee instead of the credit, as for a late cancel
        ("none", 5, Decimal("0.00")),  # nothing taken
    ],
)
def test_no_show_sweep_applies_policy_once(db, clock, booked, rule, credits_left, owed):
    """Issue 11: nothing happens at the class end; the rule applies once the review window
    (12 h by default) closes."""
    world, cid, booking_id = booked(no_show=rule, no_show_fee=Decimal("10"))
    clock.set(local(world, 2026, 11, 23, 19, 16))  # ended 19:00: an unconfirmed no-show, nothing charged
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == []
        assert s.get(Booking, booking_id).status == "confirmed" and credits.balance(s, cid).owed == 0
    clock.set(local(world, 2026, 11, 24, 7, 0))  # 19:00 + 12 h
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == [booking_id]
    with db.studio(world.studio_id) as s:
        assert attendance.sweep_no_shows(s) == []
        balance = credits.balance(s, cid)
        assert (s.get(Booking, booking_id).status, balance.credits, balance.owed) == ("no_show", credits_left, owed)


def test_checking_in_a_no_show_waives_its_fee(db, clock, booked):
    world, cid, booking_id = booked(no_show="fee", no_show_fee=Decimal("10"))
    clock.set(local(world, 2026, 11, 24, 7, 0))  # after the review window: the fee applies at once
    with db.studio(world.studio_id) as s:
        attendance.mark_no_show(s, booking_id)
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, cid).owed == Decimal("10.00")
        attendance.check_in(s, booking_id)
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, cid).owed == Decimal("0.00")
    with db.studio(world.studio_id) as s, pytest.raises(NotCancellable):
        attendance.mark_no_show(s, booking_id)
