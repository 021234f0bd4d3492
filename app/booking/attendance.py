"""Check-in, no-shows and their review window.

A booking nobody checked in is an *unconfirmed no-show* once its class has ended: a state,
not a fee (still ``confirmed``, or ``no_show`` when staff marked it, and not yet settled).
During the studio's review window (class end + ``Policy.no_show_review_hours``) staff can
check the client in or waive the no-show; marking a no-show records it, but its penalty
still waits. When the window closes, ``sweep_no_shows`` settles every booking left: the
studio's no-show rule applies (the credit is kept, or a fee is charged: ``FeeCharged``),
``no_show_settled_at`` is set, and ``NoShowSettled`` tells the client once, with how to
dispute it. A settled booking is never settled again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits
from app.booking.atomic import use_case
from app.booking.errors import InvalidRequest, NotCancellable, NotFound
from app.booking.events import FeeCharged, NoShowSettled, NoShowWaived, record
from app.booking.policies import load_policy
from app.models import Booking, ClassSession, CreditEntry, Policy

NO_SHOW_GRACE = timedelta(minutes=15)  # the shortest review window: late check-ins at the desk
PENALTIES = ("forfeit", "fee")  # ledger kinds that mean a no-show (or late cancel) was already penalised


def _booking(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking", booking_id)
    return booking


def review_window(policy: Policy) -> timedelta:
    """How long after a class ends staff have to check in or waive before any penalty."""
    return max(timedelta(hours=policy.no_show_review_hours or 0), NO_SHOW_GRACE)


def review_ends(policy: Policy, class_session: ClassSession) -> datetime:
    return class_session.ends_at + review_window(policy)


def fees_charged(policy: Policy) -> tuple[Decimal | None, Decimal | None]:
    """The studio's (late-cancel fee, no-show fee), each only when its rule is a fee: what a
    confirmation and a reminder mention, so keeping a booking is informed consent."""
    late = Decimal(policy.late_cancel_fee) if policy.late_cancel == "fee" and policy.late_cancel_fee else None
    no_show = Decimal(policy.no_show_fee) if policy.no_show == "fee" and policy.no_show_fee else None
    return late, no_show


@use_case
def check_in(session: Session, booking_id: int, *, actor: str | None = None) -> Booking:
    """Use case: mark a client present. Also corrects a no-show: during the review window
    nothing was charged yet; after it, a fee charged is waived. The caller commits."""
    booking = _booking(session, booking_id)
    if booking.status not in ("confirmed", "no_show"):
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    if booking.penalty_waived:
        raise NotCancellable(booking_id, "the no-show was waived and the credit returned")
    if booking.status == "no_show" and booking.no_show_settled_at is not None:
        _undo_no_show(session, booking, "no-show reversed: checked in", actor)
    booking.status, booking.checked_in_at = "attended", clock.now()
    return booking


@use_case
def undo_attendance(session: Session, booking_id: int, *, actor: str | None = None) -> Booking:
    """Use case: staff take back a check-in or a no-show mark made by mistake: the booking is
    ``confirmed`` again (an unconfirmed no-show once its class has ended, settled by the sweep
    when the review window closes, as if never marked). The caller commits.

    Refused (``NotCancellable`` with the reason, nothing written): a booking neither checked
    in nor marked a no-show; a waived no-show; a no-show already settled (its rule applied
    and the client told: check the client in, which reverses a fee, or waive it instead);
    a check-in that corrected a settled no-show (undoing it would need the penalty again)."""
    booking = _booking(session, booking_id)
    if booking.status not in ("attended", "no_show"):
        raise NotCancellable(booking_id, f"nothing to undo: the booking is {booking.status.replace('_', ' ')}")
    if booking.penalty_waived:
        raise NotCancellable(booking_id, "the no-show was waived and the credit returned")
    if booking.no_show_settled_at is not None:
        raise NotCancellable(
            booking_id, "the no-show was already settled and the client told: check them in or waive it instead"
        )
    booking.status, booking.checked_in_at = "confirmed", None
    session.flush()
    return booking


def _undo_no_show(session: Session, booking: Booking, note: str, actor: str | None) -> None:
    fees = session.scalars(
        select(CreditEntry).where(CreditEntry.booking_id == booking.id, CreditEntry.kind == "fee")
    ).all()
    waived = session.scalars(
        select(CreditEntry).where(CreditEntry.booking_id == booking.id, CreditEntry.kind == "fee_waived")
    ).all()
    if waived:
        return
    for fee in fees:
        if fee.amount is not None:  # a fee is always recorded with its amount (credits.record_fee)
            credits.record_fee_waived(session, booking, fee.amount, note, actor)


@use_case
def mark_no_show(session: Session, booking_id: int, *, actor: str | None = None) -> Booking:
    """Use case: staff say the client did not come. Recorded at once; the studio's no-show
    rule waits for the end of the review window (applied now if it has already closed).
    The caller commits."""
    booking = _booking(session, booking_id)
    if booking.status != "confirmed":
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    booking.status = "no_show"
    class_session = session.get(ClassSession, booking.session_id)
    assert class_session is not None, "a booking's session exists"
    if review_ends(load_policy(session), class_session) <= clock.now():
        _settle(session, booking, actor)
    return booking


@use_case
def waive_no_show(session: Session, booking_id: int, *, actor: str | None = None) -> Booking:
    """Use case: staff forgive a no-show, during the review window or after it. Nothing is
    charged (a fee already charged is waived) and the credit goes back to the client. The
    booking stays a no-show, marked waived and settled. The caller commits."""
    booking = _booking(session, booking_id)
    if booking.penalty_waived and booking.status == "no_show":
        raise NotCancellable(booking_id, "the no-show is already waived")
    if booking.status not in ("confirmed", "no_show"):
        raise NotCancellable(booking_id, f"the booking is {booking.status.replace('_', ' ')}")
    class_session = session.get(ClassSession, booking.session_id)
    assert class_session is not None, "a booking's session exists"
    if class_session.ends_at > clock.now() and booking.status == "confirmed":
        raise InvalidRequest("the class hasn't ended yet")
    settled = booking.no_show_settled_at is not None
    if settled:
        _undo_no_show(session, booking, "no-show waived", actor)
    if booking.credits_spent and _credits_held(session, booking) < 0:  # not given back at settling
        credits.record_refund(session, booking, "no-show waived: credit back", actor)
    booking.status, booking.penalty_waived, booking.no_show_settled_at = "no_show", True, clock.now()
    record(session, [NoShowWaived(booking.id, booking.client_id, booking.session_id, settled)])
    return booking


def _credits_held(session: Session, booking: Booking) -> int:
    """The booking's net credits on the ledger: negative while its credit is spent."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(CreditEntry.credits), 0)).where(CreditEntry.booking_id == booking.id)
        )
        or 0
    )


def _settle(session: Session, booking: Booking, actor: str | None) -> None:
    """The review is over: the studio's no-show rule applies, once, and the client is told.

    As for a late cancel (``policies.cancel_terms``): ``forfeit_credit`` keeps the credit;
    ``fee`` charges the fee and gives the credit back (never both); ``none`` gives it back."""
    policy = load_policy(session)
    booking.status, booking.no_show_settled_at = "no_show", clock.now()
    fee = policy.no_show_fee if policy.no_show == "fee" and policy.no_show_fee else None
    events: list = []
    if policy.no_show == "forfeit_credit":
        credits.record_forfeit(session, booking, "no-show: credit kept", actor)
    else:
        if booking.credits_spent:
            credits.record_refund(session, booking, f"no-show ({policy.no_show}): credit back", actor)
        if fee is not None:
            credits.record_fee(session, booking, fee, "no-show fee", actor)
            events.append(FeeCharged(booking.id, booking.client_id, fee, "no_show"))
    rule = "fee" if fee is not None else policy.no_show
    events.append(NoShowSettled(booking.id, booking.client_id, booking.session_id, rule, fee, booking.credits_spent))
    record(session, events)


def pending_no_shows(session: Session, now: datetime | None = None) -> list[tuple[Booking, datetime]]:
    """Unconfirmed no-shows still inside their review window, with when each window closes:
    the class has ended, nobody checked the client in, nothing was settled or waived."""
    now = now or clock.now()
    window = review_window(load_policy(session))
    rows = session.execute(
        select(Booking, ClassSession.ends_at)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(
            Booking.status.in_(("confirmed", "no_show")),
            Booking.no_show_settled_at.is_(None),
            Booking.penalty_waived.is_(False),
            ClassSession.status == "scheduled",
            ClassSession.ends_at <= now,
            ClassSession.ends_at > now - window,
        )
        .order_by(ClassSession.ends_at, Booking.id)
    ).all()
    return [(b, ends_at + window) for b, ends_at in rows]


@use_case
def sweep_no_shows(session: Session) -> list[int]:
    """Use case for the sweep: every booking not checked in and not waived whose class's
    review window has closed is settled as a no-show (``_settle``). The caller commits.
    Returns booking ids. A booking already penalised on the ledger is never settled again."""
    cutoff = clock.now() - review_window(load_policy(session))
    penalised = exists().where(CreditEntry.booking_id == Booking.id, CreditEntry.kind.in_(PENALTIES))
    bookings = session.scalars(
        select(Booking)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(
            or_(Booking.status == "confirmed", Booking.status == "no_show"),
            Booking.no_show_settled_at.is_(None),
            Booking.penalty_waived.is_(False),
            ~penalised,
            ClassSession.status == "scheduled",
            ClassSession.ends_at <= cutoff,
        )
        .order_by(Booking.id)
        .with_for_update(of=Booking)
    ).all()
    for booking in bookings:
        _settle(session, booking, "no-show sweep")
    return [b.id for b in bookings]
