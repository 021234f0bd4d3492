"""Check-in and no-shows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits
from app.booking.atomic import use_case
from app.booking.errors import NotCancellable, NotFound
from app.booking.events import FeeCharged, record
from app.booking.policies import load_policy
from app.models import Booking, ClassSession, CreditEntry

NO_SHOW_GRACE = timedelta(minutes=15)


def _booking(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking", booking_id)
    return booking


@use_case
def check_in(session: Session, booking_id: int, *, actor: str | None = None) -> Booking:
    """Use case: mark a client present (also corrects an earlier no-show). The caller commits."""
    booking = _booking(session, booking_id)
    if booking.status not in ("confirmed", "no_show"):
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    if booking.status == "no_show":
        _undo_no_show(session, booking, actor)
    booking.status, booking.checked_in_at = "attended", clock.now()
    return booking


def _apply_no_show(session: Session, booking: Booking, actor: str | None) -> None:
    policy = load_policy(session)
    booking.status = "no_show"
    if policy.no_show == "forfeit_credit":
        credits.record_forfeit(session, booking, "no-show: credit kept", actor)
    elif policy.no_show == "fee" and policy.no_show_fee:
        credits.record_fee(session, booking, policy.no_show_fee, "no-show fee", actor)
        record(session, [FeeCharged(booking.id, booking.client_id, policy.no_show_fee, "no_show")])


def _undo_no_show(session: Session, booking: Booking, actor: str | None) -> None:
    fees = session.scalars(
        select(CreditEntry).where(CreditEntry.booking_id == booking.id, CreditEntry.kind == "fee")
    ).all()
    for fee in fees:
        if fee.amount is not None:  # a fee is always recorded with its amount (credits.record_fee)
            credits.record_fee_waived(session, booking, fee.amount, "no-show reversed: checked in", actor)


@use_case
def mark_no_show(session: Session, booking_id: int, *, actor: str | None = None) -> Booking:
    """Use case: the client did not come; the studio's no-show rule applies. The caller commits."""
    booking = _booking(session, booking_id)
    if booking.status != "confirmed":
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    _apply_no_show(session, booking, actor)
    return booking


@use_case
def sweep_no_shows(session: Session) -> list[int]:
    """Use case for the sweep: bookings still 'confirmed' after their class ended (plus a
    grace period for late check-ins) become no-shows. The caller commits. Returns booking ids."""
    cutoff = clock.now() - NO_SHOW_GRACE
    bookings = session.scalars(
        select(Booking)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(Booking.status == "confirmed", ClassSession.status == "scheduled", ClassSession.ends_at <= cutoff)
        .with_for_update(of=Booking)
    ).all()
    for booking in bookings:
        _apply_no_show(session, booking, "no-show sweep")
    return [b.id for b in bookings]
