"""Asking for money: a ``Payment`` row and the Checkout Session that collects it.

The link that is texted is ``Payment.checkout_url``: a short address on this server
(``/pay/<token>``) that sends the phone on to Stripe Checkout, or to the demo checkout page
when there is no ``STRIPE_SECRET_KEY``. A Stripe Checkout URL is several hundred characters,
too long for a two-segment SMS, and lives 24 hours; the short link stays valid and makes a
fresh Checkout Session when the last one expired.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.booking.errors import NotFound
from app.config import Settings
from app.models import IntroOffer, Package, Payment, Studio
from app.payments import money, stripe_api
from app.payments.errors import PaymentError, PaymentsUnavailable
from app.payments.fulfil import fee_outstanding
from app.payments.settings import application_fee_percent, base_url, current, require_payments, stripe_enabled


def _token(studio_id: int) -> str:
    """``<studio id>-<random>``: the studio id lets a link be opened in its studio's scope."""
    return f"{studio_id}-{secrets.token_urlsafe(12)}"


def studio_of(token: str) -> int | None:
    head, _, rest = token.partition("-")
    return int(head) if head.isdigit() and rest else None


def _studio(session: Session) -> Studio:
    studio = session.get(Studio, session.info.get("frontdesk.studio_id"))
    if studio is None:
        raise PaymentError("payments need a studio session")
    return studio


def new_payment(
    session: Session, *, kind: str, item_name: str, amount: Decimal, base_url_: str | None = None, **refs
) -> Payment:
    """A Payment row with its token and short link (joins the caller's transaction)."""
    studio = _studio(session)
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise PaymentError("there is nothing to pay")
    settings = current()
    require_payments(settings)
    token = _token(studio.id)
    payment = Payment(
        studio_id=studio.id,
        kind=kind,
        item_name=item_name[:200],
        amount=amount,
        currency=studio.currency,
        status="open",
        token=token,
        attempts=0,
        checkout_url=f"{base_url(settings, base_url_)}/pay/{token}",
        **refs,
    )
    if not stripe_enabled(settings):
        payment.stripe_checkout_id = demo_checkout_id(token)
    session.add(payment)
    session.flush()
    return payment


def demo_checkout_id(token: str) -> str:
    return f"cs_demo_{token}"


def start_checkout(
    session: Session,
    *,
    item: Package | IntroOffer,
    client_id: int | None = None,
    lead_id: int | None = None,
    base_url: str | None = None,
) -> Payment:
    """A Payment row (status 'open', amount and currency from the item and studio) plus a Stripe
    Checkout Session (mode payment, on the studio's connected account with the platform's
    application fee) or, with no STRIPE_SECRET_KEY, a demo checkout link on this server.
    Returns the row; ``payment.checkout_url`` is the link to text. The caller commits.

    Raises ``PaymentsUnavailable`` when the studio's Stripe account cannot take charges yet
    and ``StripeFailed`` when Stripe refuses; nothing is left behind either way (the row is
    flushed in the caller's transaction, which the caller rolls back).
    """
    if isinstance(item, Package):
        kind, refs = "package", {"package_id": item.id}
    elif isinstance(item, IntroOffer):
        kind, refs = "intro_offer", {"intro_offer_id": item.id}
    else:
        raise PaymentError(f"cannot sell a {type(item).__name__}")
    if client_id is None and lead_id is None:
        raise PaymentError("a payment needs a client or a lead")
    payment = new_payment(
        session,
        kind=kind,
        item_name=item.name,
        amount=item.price,
        base_url_=base_url,
        client_id=client_id,
        lead_id=lead_id,
        **refs,
    )
    settings = current()
    if stripe_enabled(settings):
        create_stripe_session(session, payment, settings)
    return payment


def create_stripe_session(session: Session, payment: Payment, settings: Settings) -> Payment:
    """Make a Checkout Session for ``payment`` (again, when the last one expired)."""
    studio = _studio(session)
    if studio.stripe_account_id and not studio.stripe_charges_enabled:
        raise PaymentsUnavailable("the studio's Stripe account can't take payments yet")
    minor = money.to_minor(payment.amount, payment.currency)
    metadata = {"studio_id": str(studio.id), "payment_id": str(payment.id), "kind": payment.kind}
    intent: dict = {"metadata": metadata, "description": payment.item_name}
    account = studio.stripe_account_id
    fee = money.percent_of(minor, application_fee_percent(settings)) if account else 0
    if account and fee > 0:
        intent["application_fee_amount"] = fee
    base = payment.checkout_url.rsplit("/pay/", 1)[0]
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": minor,
                    "product_data": {"name": payment.item_name},
                },
            }
        ],
        "metadata": metadata,
        "client_reference_id": f"{studio.id}-{payment.id}",
        "payment_intent_data": intent,
        "success_url": f"{base}/pay/{payment.token}/done",
        "cancel_url": f"{base}/pay/{payment.token}/cancelled",
    }
    attempt = payment.attempts + 1
    key = f"checkout:payment:{payment.id}" + (f":{attempt}" if attempt > 1 else "")
    created = stripe_api.create_checkout_session(settings, params, idempotency_key=key, account=account)
    payment.stripe_checkout_id, payment.stripe_url = created.id, created.url
    payment.stripe_account, payment.application_fee = account, fee or None
    payment.attempts, payment.status, payment.expired_at = attempt, "open", None
    session.flush()
    return payment


@dataclass(frozen=True)
class Destination:
    """Where the short link sends the phone: Stripe, the demo page, or a page saying why not."""

    kind: str  # stripe | demo | paid | closed | nothing_owed
    url: str | None = None


def by_token(session: Session, token: str) -> Payment:
    payment = session.scalars(select(Payment).where(Payment.token == token)).first()
    if payment is None:
        raise NotFound("payment", token)
    return payment


def destination(session: Session, token: str) -> Destination:
    """Use case behind ``GET /pay/<token>`` (the view commits a fresh Checkout Session)."""
    payment = by_token(session, token)
    if payment.paid_at is not None:
        return Destination("paid")
    if payment.status in ("refunded", "partially_refunded"):
        return Destination("closed")
    if payment.kind == "fee":
        if fee_outstanding(session, payment) <= 0:
            return Destination("nothing_owed")
    settings = current()
    require_payments(settings)
    if not stripe_enabled(settings):
        return Destination("demo")
    if payment.stripe_url is None or payment.status == "expired":
        create_stripe_session(session, payment, settings)
    return Destination("stripe", payment.stripe_url)
