"""The waitlist in its three modes, skipping clients who cannot pay, and fill-to-forgive."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.booking import booking as svc
from app.booking import credits, waitlist
from app.booking.errors import (
    AlreadyWaitlisted,
    ClassFull,
    NoOffer,
    OfferExpired,
    SpotTaken,
    WaitlistNotNeeded,
)
from app.booking.events import (
    OfferExpired as OfferExpiredEvent,
)
from app.booking.events import (
    PenaltyWaived,
    SpotGone,
    WaitlistEnrolled,
    WaitlistOffered,
    WaitlistSkipped,
)
from app.models import Booking, WaitlistEntry
from tests.factories import grant_pack, local, make_client, make_session, make_studio

PHONES = ["+447700900301", "+447700900302", "+447700900303", "+447700900304"]


def setup_full_class(
    db,
    clock,
    *,
    mode="offer",
    forgive=False,
    late_cancel="forfeit_credit",
    fee="0",
    waiting=2,
    pay=(True, True, True),
    cutoff=60,
):
    """A class of one, booked by A, with ``waiting`` clients (B, C...) on its list."""
    world = make_studio(
        db,
        waitlist_mode=mode,
        waitlist_offer_minutes=30,
        fill_to_forgive=forgive,
        cancel_window_hours=12,
        late_cancel=late_cancel,
        late_cancel_fee=Decimal(fee),
        waitlist_cutoff_minutes=cutoff,
    )
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=1)
    clients = [make_client(db, world, PHONES[i], f"Client {i}") for i in range(waiting + 1)]
    for i, cid in enumerate(clients):
        if i == 0 or pay[i - 1]:
            grant_pack(db, world, cid, 5, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        booking_id = svc.book(s, clients[0], sid).booking.id
    for cid in clients[1:]:
        with db.studio(world.studio_id) as s:
            waitlist.join(s, cid, sid)
    return world, sid, clients, booking_id


def deliver_offers(db, world, at):
    """The offer texts went at ``at``: each claim window starts then (``waitlist.offer_delivered``)."""
    with db.studio(world.studio_id) as s:
        ids = s.scalars(
            select(WaitlistEntry.id).where(WaitlistEntry.status == "offered", WaitlistEntry.offer_sent_at.is_(None))
        ).all()
        return [waitlist.offer_delivered(s, entry_id, at) for entry_id in ids]


def statuses(db, world, sid):
    with db.studio(world.studio_id) as s:
        return [
            e.status
            for e in s.scalars(select(WaitlistEntry).where(WaitlistEntry.session_id == sid).order_by(WaitlistEntry.id))
        ]


def test_join_gives_positions_and_refuses_twice(db, clock):
    world, sid, (a, b, c), _ = setup_full_class(db, clock)
    with db.studio(world.studio_id) as s, pytest.raises(AlreadyWaitlisted) as err:
        waitlist.join(s, c, sid)
    assert err.value.position == 2
    with db.studio(world.studio_id) as s:
        entry = waitlist.open_entry(s, c, sid)
        assert waitlist.position(s, entry) == 2
    with db.studio(world.studio_id) as s:
        waitlist.leave(s, b, sid)
    with db.studio(world.studio_id) as s:
        assert waitlist.position(s, waitlist.open_entry(s, c, sid)) == 1


def test_join_a_class_with_room_is_refused(db, clock):
    world = make_studio(db)
    sid = make_session(db, world, local(world, 2026, 11, 25, 18), capacity=3)
    cid = make_client(db, world, PHONES[0])
    with db.studio(world.studio_id) as s, pytest.raises(WaitlistNotNeeded) as err:
        waitlist.join(s, cid, sid)
    assert err.value.spots == 3


def test_offer_mode_holds_the_spot_for_the_next_in_line(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock)
    with db.studio(world.studio_id) as s:
        result = svc.cancel(s, booking_id)
    assert result.events == [WaitlistOffered(result.events[0].entry_id, b, sid, clock.now() + timedelta(minutes=30))]
    # the spot is held: C cannot take it by booking directly
    with db.studio(world.studio_id) as s, pytest.raises(ClassFull):
        svc.book(s, c, sid)
    with db.studio(world.studio_id) as s:
        claimed = waitlist.claim(s, b)
    assert claimed.booking.status == "confirmed"
    assert statuses(db, world, sid) == ["claimed", "waiting"]
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, b).credits == 4


def test_booking_while_holding_an_offer_claims_it(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock)
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id)
    with db.studio(world.studio_id) as s:
        assert svc.book(s, b, sid).booking.status == "confirmed"
    assert statuses(db, world, sid) == ["claimed", "waiting"]


def test_unanswered_offer_expires_and_passes_on(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock)
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id)
    clock.advance(timedelta(minutes=5))  # the claim window starts when the offer text goes
    assert deliver_offers(db, world, clock.now()) == [clock.now() + timedelta(minutes=30)]
    clock.advance(timedelta(minutes=29))
    with db.studio(world.studio_id) as s:
        assert waitlist.expire_offers(s) == []
    clock.advance(timedelta(minutes=2))
    with db.studio(world.studio_id) as s:
        events = waitlist.expire_offers(s)
    assert [type(e) for e in events] == [OfferExpiredEvent, WaitlistOffered]
    assert events[0].passed_on is True and events[1].client_id == c
    with db.studio(world.studio_id) as s, pytest.raises(OfferExpired):
        waitlist.claim(s, b)
    with db.studio(world.studio_id) as s:
        assert waitlist.claim(s, c).booking.client_id == c
    assert statuses(db, world, sid) == ["expired", "claimed"]


def test_decline_passes_the_offer_on(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock)
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id)
    with db.studio(world.studio_id) as s:
        events = waitlist.decline(s, b)
    assert [(type(e), e.client_id) for e in events] == [(WaitlistOffered, c)]
    with db.studio(world.studio_id) as s, pytest.raises(NoOffer):
        waitlist.claim(s, b)


def test_offer_never_outlasts_the_class(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, late_cancel="none", cutoff=0)
    clock.set(local(world, 2026, 11, 25, 17, 50))
    with db.studio(world.studio_id) as s:
        events = svc.cancel(s, booking_id, accept_late=True).events
    assert events[0].expires_at == local(world, 2026, 11, 25, 18)
    assert deliver_offers(db, world, clock.now()) == [local(world, 2026, 11, 25, 18)]


def test_client_who_cannot_pay_is_skipped_with_a_note(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, pay=(False, True))
    with db.studio(world.studio_id) as s:
        events = svc.cancel(s, booking_id).events
    assert [(type(e), e.client_id) for e in events] == [(WaitlistSkipped, b), (WaitlistOffered, c)]
    with db.studio(world.studio_id) as s:
        skipped = s.scalars(select(WaitlistEntry).where(WaitlistEntry.client_id == b)).one()
    assert skipped.status == "skipped" and skipped.note == "skipped: no credits"


def test_auto_mode_enrols_the_next_in_line_at_once(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, mode="auto")
    with db.studio(world.studio_id) as s:
        events = svc.cancel(s, booking_id).events
    assert [(type(e), e.client_id) for e in events] == [(WaitlistEnrolled, b)]
    with db.studio(world.studio_id) as s:
        booked = s.scalars(select(Booking).where(Booking.session_id == sid, Booking.status == "confirmed")).all()
        assert [x.client_id for x in booked] == [b]
        assert credits.balance(s, b).credits == 4
    assert statuses(db, world, sid) == ["claimed", "waiting"]


def test_broadcast_mode_first_claim_wins(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, mode="broadcast")
    with db.studio(world.studio_id) as s:
        events = svc.cancel(s, booking_id).events
    assert sorted(e.client_id for e in events) == sorted([b, c])
    assert all(isinstance(e, WaitlistOffered) and e.broadcast for e in events)
    deliver_offers(db, world, clock.now())  # told "the spot has gone" only once they were offered it
    with db.studio(world.studio_id) as s:
        won = waitlist.claim(s, c)
    assert won.booking.client_id == c
    assert [(type(e), e.client_id) for e in won.events] == [(SpotGone, b)]
    with db.studio(world.studio_id) as s, pytest.raises(NoOffer):
        waitlist.claim(s, b)
    assert statuses(db, world, sid) == ["waiting", "claimed"]


def test_broadcast_claim_after_the_class_filled_is_spot_taken(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, mode="broadcast")
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id)
    stranger = make_client(db, world, PHONES[3], "Walk-in")
    grant_pack(db, world, stranger, 1, starts_at=clock.now())
    with db.studio(world.studio_id) as s:
        svc.book(s, stranger, sid)  # broadcast holds nothing: anyone may book the open spot
    with db.studio(world.studio_id) as s, pytest.raises(SpotTaken):
        waitlist.claim(s, b)


@pytest.mark.parametrize("mode", ["offer", "auto"])
def test_fill_to_forgive_refunds_the_late_canceller(db, clock, mode):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, mode=mode, forgive=True)
    clock.set(local(world, 2026, 11, 25, 10))  # 8 hours before: late
    with db.studio(world.studio_id) as s:
        result = svc.cancel(s, booking_id, accept_late=True)
    # offer mode: forfeited until someone claims; auto mode: refilled, so forgiven at once
    assert result.balance.credits == (4 if mode == "offer" else 5)
    events = result.events
    if mode == "offer":
        with db.studio(world.studio_id) as s:
            events = waitlist.claim(s, b).events
    assert PenaltyWaived(booking_id, a, sid) in events
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, a).credits == 5
        assert s.get(Booking, booking_id).penalty_waived is True


def test_fill_to_forgive_waives_a_fee(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(
        db, clock, mode="auto", forgive=True, late_cancel="fee", fee="5.00"
    )
    clock.set(local(world, 2026, 11, 25, 10))
    with db.studio(world.studio_id) as s:
        svc.cancel(s, booking_id, accept_late=True)
    with db.studio(world.studio_id) as s:
        balance = credits.balance(s, a)
    assert (balance.credits, balance.owed) == (5, Decimal("0.00"))


def test_no_forgiveness_when_the_spot_is_not_refilled_or_the_option_is_off(db, clock):
    world, sid, (a, b, c), booking_id = setup_full_class(db, clock, mode="auto", forgive=False)
    clock.set(local(world, 2026, 11, 25, 10))
    with db.studio(world.studio_id) as s:
        events = svc.cancel(s, booking_id, accept_late=True).events
    assert not any(isinstance(e, PenaltyWaived) for e in events)
    with db.studio(world.studio_id) as s:
        assert credits.balance(s, a).credits == 4
