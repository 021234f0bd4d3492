"""A payment that succeeded: mark it paid and deliver what was bought, exactly once.

The Payment row is locked while this runs, and ``paid_at`` is the guard: the webhook, a
replayed event and the demo page may all arrive, but only the first fulfils.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, spots
from app.booking.errors import NotFound
from app.booking.leads import lead_paid
from app.booking.rows import row
from app.messaging.outbox import enqueue
from app.models import (
    ClassSession,
    Client,
    ClientPackage,
    Conversation,
    CreditEntry,
    IntroOffer,
    Lead,
    Package,
    Payment,
    Studio,
)
from app.notify.addressing import address, channel_for, sender
from app.notify.staff import OWNERS, reachable_staff
from app.notify.views import session_view, studio_view
from bot.desk import BalanceView
from bot.replies import Words


def locked(session: Session, payment_id: int) -> Payment:
    """The payment, row-locked and re-read (a copy loaded earlier in the session may be stale)."""
    payment = session.scalars(
        select(Payment).where(Payment.id == payment_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if payment is None:
        raise NotFound("payment", payment_id)
    return payment


def complete_payment(session: Session, payment_id: int, *, provider_ref: str | None = None) -> Payment:
    """Idempotent: the first call marks it paid and fulfils it (a package: granted through
    app/booking/credits; an intro offer: app.booking.leads.lead_paid; a fee: settles the
    amount owed); later calls change nothing. The caller commits, then kicks outbox delivery.

    A payment refunded before its completion arrived (events out of order) is recorded as
    paid-and-refunded and grants nothing. A package or offer that was withdrawn or deleted
    meanwhile is still recorded, and flagged to the owner.
    """
    payment = locked(session, payment_id)
    if payment.paid_at is not None:
        return payment
    now = clock.now()
    payment.paid_at = now
    if provider_ref and not payment.stripe_payment_intent:
        payment.stripe_payment_intent = provider_ref
    if payment.status in ("refunded", "partially_refunded"):
        flag(session, payment, "The refund arrived before the payment: nothing was granted.")
        return payment
    payment.status = "paid"
    if payment.kind == "package":
        _grant_package(session, payment)
    elif payment.kind == "intro_offer":
        _intro_offer_paid(session, payment, now)
    elif payment.kind == "fee":
        _settle_fee(session, payment)
    session.flush()
    return payment


def _grant_package(session: Session, payment: Payment) -> None:
    package = session.get(Package, payment.package_id) if payment.package_id else None
    if package is None or payment.client_id is None:
        flag(session, payment, "The package no longer exists: grant it by hand or refund.")
        return
    pack = credits.add_package(session, payment.client_id, package, source="payment", actor=f"payment:{payment.id}")
    payment.client_package_id = pack.id
    if not package.active:
        flag(session, payment, "The package is no longer on sale; it was granted as it stands.")
    session.flush()
    client = session.get(Client, payment.client_id)
    _tell_client(session, payment, client, "package_paid")


def _intro_offer_paid(session: Session, payment: Payment, now: datetime) -> None:
    offer = session.get(IntroOffer, payment.intro_offer_id) if payment.intro_offer_id else None
    if offer is None or payment.lead_id is None:
        flag(session, payment, "The intro offer no longer exists: book the client by hand or refund.")
        return

    before = session.scalar(select(func.max(ClientPackage.id))) or 0
    lead_paid(session, payment.lead_id, paid_at=now)

    lead = session.get(Lead, payment.lead_id)
    if lead is not None and lead.client_id is not None:
        payment.client_id = payment.client_id or lead.client_id
        granted = session.scalars(
            select(ClientPackage.id)
            .where(ClientPackage.client_id == lead.client_id, ClientPackage.id > before)
            .order_by(ClientPackage.id)
        ).first()
        payment.client_package_id = granted
    if not offer.active:
        flag(session, payment, "The intro offer is no longer on sale; the lead was still taken on.")


def fee_outstanding(session: Session, payment: Payment) -> Decimal:
    """What is still owed for the payment's booking (fees minus waivers and payments)."""
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
            CreditEntry.booking_id == payment.booking_id,
            CreditEntry.client_id == payment.client_id,
            CreditEntry.amount.is_not(None),
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def _settle_fee(session: Session, payment: Payment) -> None:
    owed = fee_outstanding(session, payment)
    if owed < payment.amount:
        flag(session, payment, "The fee had already been waived or paid: refund the client.")
        if owed <= 0:
            return
    session.add(
        CreditEntry(
            studio_id=payment.studio_id,
            client_id=payment.client_id,
            booking_id=payment.booking_id,
            kind="fee_paid",
            credits=0,
            amount=-min(owed, payment.amount),
            note=f"fee paid online (payment {payment.id})",
            actor=f"payment:{payment.id}",
        )
    )
    session.flush()
    _tell_client(session, payment, session.get(Client, payment.client_id), "fee_paid")


def _tell_client(session: Session, payment: Payment, client: Client | None, kind: str) -> None:
    if client is None:
        return
    studio = row(session, Studio, payment.studio_id)
    channel = channel_for(session, client.phone)
    words = Words(studio_view(studio), channel)
    if kind == "fee_paid":
        body = words.fee_paid(payment.amount)
    else:
        b = credits.balance(session, client.id)
        body = words.package_paid(
            payment.item_name, payment.amount, BalanceView(b.credits, b.unlimited, b.expires_at, b.owed)
        )
        again = _class_to_offer_again(session, client, channel)
        if again is not None:
            body = words.out(f"{body} {words.book_now_question(session_view(session, again, words.tz))}")
    to = address(channel, client.phone)
    enqueue(
        session,
        dedupe_key=f"paid:payment:{payment.id}",
        kind="payment_received",
        to_addr=to,
        body=body,
        channel=channel,
        client_id=client.id,
        from_addr=sender(studio, channel),
    )


def _class_to_offer_again(session: Session, client: Client, channel: str) -> ClassSession | None:
    """The class the client wanted when they found they were short of credits (issue 13):
    named in the conversation as ``then_book``. Offered again only while it can still be
    booked; the conversation then waits for YES (CONFIRM_BOOK) for the usual 30 minutes."""
    conv = session.scalars(
        select(Conversation).where(Conversation.phone == client.phone, Conversation.channel == channel)
    ).first()
    wanted = (conv.context or {}).get("then_book") if conv is not None else None
    if conv is None or not isinstance(wanted, int):
        return None
    class_session = session.get(ClassSession, wanted)
    now = clock.now()
    if class_session is None or class_session.status != "scheduled" or class_session.starts_at <= now:
        return None
    if spots.taken(session, class_session.id, now) >= class_session.capacity:
        return None
    conv.state = "confirm_book"
    conv.context = {"session_id": class_session.id}
    conv.expires_at = now + timedelta(minutes=30)
    conv.version = (conv.version or 0) + 1
    return class_session


def flag(session: Session, payment: Payment, note: str) -> None:
    """Mark the payment for the owner's attention and text the owner and managers (once each)."""
    payment.needs_attention = True
    payment.attention_note = ((payment.attention_note + " ") if payment.attention_note else "") + note
    payment.attention_note = payment.attention_note[:500]
    studio = row(session, Studio, payment.studio_id)
    words = Words(studio_view(studio), "sms")
    client = session.get(Client, payment.client_id) if payment.client_id else None
    who = (client.name or client.phone) if client else "A client"
    if client is None and payment.lead_id is not None:
        lead = session.get(Lead, payment.lead_id)
        who = lead.name if lead is not None else who
    staff = reachable_staff(session, OWNERS)
    body = words.staff_payment_attention(who, payment.item_name, payment.amount, note)
    for member in staff:
        assert member.phone is not None, "reachable_staff gives staff with a phone"
        enqueue(
            session,
            dedupe_key=f"payment:attention:{payment.id}:{len(payment.attention_note)}:staff:{member.id}",
            kind="payment_attention",
            to_addr=member.phone,
            body=body,
            channel="sms",
            staff_id=member.id,
            from_addr=studio.sms_number,
        )
