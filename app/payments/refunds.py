"""Giving money back: Stripe refunds, and taking back the credits the client has not used.

Ledger rows are never deleted: unused credits of a refunded pack leave through an ``adjust``
row, and the pack is marked ``refunded`` so a membership stops covering classes. Credits
already spent on bookings stay spent.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from app import clock
from app.audit import record, snapshot
from app.booking import credits
from app.models import ClientPackage, CreditEntry, Payment
from app.payments import stripe_api
from app.payments.errors import NotRefundable
from app.payments.fulfil import flag, locked
from app.payments.money import to_minor
from app.payments.settings import current, stripe_enabled

REFUNDABLE = ("paid",)


def apply_refund(session: Session, payment: Payment, refunded: Decimal, *, actor: str) -> bool:
    """Record that ``refunded`` (the running total) has gone back to the client. Joins the
    caller's transaction. Idempotent: a total already recorded changes nothing (False)."""
    refunded = Decimal(refunded).quantize(Decimal("0.01"))
    if refunded <= (payment.amount_refunded or 0):
        return False
    payment.amount_refunded, payment.refunded_at = refunded, clock.now()
    full = refunded >= payment.amount
    payment.status = "refunded" if full else "partially_refunded"
    if payment.paid_at is None:
        return True  # refunded before we heard it was paid: completion will grant nothing
    if not full:
        flag(session, payment, "Partly refunded: adjust the client's credits by hand if needed.")
        return True
    _reverse(session, payment, actor)
    return True


def _reverse(session: Session, payment: Payment, actor: str) -> None:
    if payment.kind == "fee":
        session.add(
            CreditEntry(
                studio_id=payment.studio_id,
                client_id=payment.client_id,
                booking_id=payment.booking_id,
                kind="adjust",
                credits=0,
                note=f"fee payment {payment.id} refunded: fee forgiven",
                actor=actor,
            )
        )
        return
    if payment.client_package_id is None:
        return
    pack = session.get(ClientPackage, payment.client_package_id)
    if pack is None:
        return
    left = credits.remaining_by_pack(session, pack.client_id).get(pack.id, 0)
    if left > 0 and not pack.unlimited:
        session.add(
            CreditEntry(
                studio_id=pack.studio_id,
                client_id=pack.client_id,
                client_package_id=pack.id,
                kind="adjust",
                credits=-left,
                note=f"refunded: {left} unused credit{'s' if left != 1 else ''} of {pack.name}",
                actor=actor,
            )
        )
    pack.status = "refunded"


def refund_payment(session: Session, payment_id: int, *, actor: str) -> Payment:
    """Use case (admin): refund a paid payment in full, take back unused credits, audit; the caller commits.

    Stripe is asked first with an idempotency key, so a double click or a retry refunds once;
    when Stripe refuses nothing is written. Without Stripe keys (the demo) it is recorded only.
    """
    payment = locked(session, payment_id)
    if payment.status not in REFUNDABLE:
        raise NotRefundable(f"a payment that is {payment.status.replace('_', ' ')} can't be refunded")
    before = snapshot(payment)
    settings = current()
    if stripe_enabled(settings) and payment.stripe_payment_intent:
        params: dict = {
            "payment_intent": payment.stripe_payment_intent,
            "amount": to_minor(payment.amount, payment.currency),
            "metadata": {"studio_id": str(payment.studio_id), "payment_id": str(payment.id)},
        }
        if payment.stripe_account:
            params["refund_application_fee"] = True
        session.rollback()  # nothing written yet: end the transaction so no lock is held while Stripe answers
        stripe_api.create_refund(
            settings, params, idempotency_key=f"refund:payment:{payment.id}", account=payment.stripe_account
        )
        payment = locked(session, payment_id)
    apply_refund(session, payment, payment.amount, actor=actor)  # no-op if the webhook got here first
    record(
        session,
        actor=actor,
        action="refund",
        entity="payment",
        entity_id=payment.id,
        before=before,
        after=snapshot(payment),
    )
    return payment
