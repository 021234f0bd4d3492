"""A late-cancel or no-show fee: the amount owed is in the ledger already; this asks for it.

``fee_charged`` handles the core's ``FeeCharged`` event inside the use case's transaction
(cancel, no-show): ``ask_for_fee`` adds a
``fee`` Payment and a text with its link (dedupe key ``fee:booking:<id>``), in the same
transaction. No network call happens here; the Checkout Session is made when the link is
opened (``GET /pay/<token>``), so a booking's row locks are never held while Stripe answers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.booking.events import FeeCharged
from app.booking.rows import row
from app.messaging import send_rules
from app.messaging.outbox import enqueue
from app.messaging.send_rules import SendRule
from app.models import Booking, ClassSession, ClassType, Client, OutboxMessage, Payment, Studio
from app.notify.addressing import address, channel_for, sender
from app.notify.views import studio_view
from app.payments.checkout import new_payment
from app.payments.fulfil import fee_outstanding
from bot.replies import Words

WHAT = {"late_cancel": "late-cancel fee", "no_show": "no-show fee"}


def ask_for_fee(session: Session, booking: Booking, amount: Decimal, reason: str) -> Payment | None:
    """Open a fee payment for ``booking`` and text the client its link. Joins the caller's
    transaction; a second call for the same booking returns the open one."""
    if amount is None or Decimal(amount) <= 0:
        return None
    existing = session.scalars(
        select(Payment).where(Payment.kind == "fee", Payment.booking_id == booking.id, Payment.status == "open")
    ).first()
    if existing is not None:
        return existing
    studio = row(session, Studio, booking.studio_id)
    client = row(session, Client, booking.client_id)
    class_session = row(session, ClassSession, booking.session_id)
    class_type = row(session, ClassType, class_session.class_type_id)
    channel = channel_for(session, client.phone)
    words = Words(studio_view(studio), channel)
    what = WHAT.get(reason, "fee")
    item = f"{what[0].upper()}{what[1:]}: {class_type.name}, {words.when(class_session.starts_at)}"
    payment = new_payment(
        session, kind="fee", item_name=item, amount=amount, client_id=client.id, booking_id=booking.id
    )
    to = address(channel, client.phone)
    enqueue(
        session,
        dedupe_key=f"fee:booking:{booking.id}",
        kind="fee_link",
        to_addr=to,
        body=words.fee_link(
            f"{what} for {class_type.name}, {words.when(class_session.starts_at)}", amount, payment.checkout_url
        ),
        channel=channel,
        client_id=client.id,
        from_addr=sender(studio, channel),
        about=send_rules.about("payment", payment.id),
    )
    return payment


def fee_charged(session: Session, event: FeeCharged) -> None:
    """Handler: a fee recorded by the core gets its payment link (subscribed in bootstrap)."""
    booking = session.get(Booking, event.booking_id)
    if booking is not None:
        ask_for_fee(session, booking, event.amount, event.kind)


def fee_link_still_due(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Send-time check of a ``fee_link`` text (registered in bootstrap): it goes only while
    its payment is open and something is still owed (a fee waived or paid meanwhile: dropped)."""
    payment_id = send_rules.about_id(row, "payment")
    if payment_id is not None:
        payment = session.get(Payment, payment_id)
    else:  # written before texts named what they are about: ``fee:booking:<id>``
        booking_id = row.dedupe_key.rsplit(":", 1)[-1]
        payment = (
            session.scalars(
                select(Payment)
                .where(Payment.kind == "fee", Payment.booking_id == int(booking_id))
                .order_by(Payment.id.desc())
            ).first()
            if booking_id.isdigit()
            else None
        )
    if payment is None:
        return "the fee payment no longer exists"
    if payment.paid_at is not None:
        return "the fee has been paid"
    if payment.status not in ("open", "expired"):  # an expired checkout is made afresh from the link
        return f"the fee payment is {payment.status.replace('_', ' ')}"
    if fee_outstanding(session, payment) <= 0:
        return "nothing is owed any more (the fee was waived or settled)"
    return None


FEE_LINK_RULE = ("fee_link", SendRule(fee_link_still_due))
