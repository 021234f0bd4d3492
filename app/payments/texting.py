"""Buying by text: the desk's ``buy`` turns a package into a payment link for the client."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Package, Payment
from app.payments.checkout import start_checkout
from app.payments.errors import PaymentError
from bot.desk import Outcome

log = logging.getLogger(__name__)


def checkout_for_client(session: Session, client_id: int | None, package_id: int) -> Outcome:
    """Use case: a payment link for ``package_id`` (the caller commits). The same client asking
    again for the same package while a link is open gets that link again, not a second payment.
    When no link can be made, nothing is written and the outcome says why."""
    package = session.get(Package, package_id)
    if package is None or not package.active or client_id is None:
        return Outcome(False, "unknown")
    payment = session.scalars(
        select(Payment)
        .where(
            Payment.kind == "package",
            Payment.client_id == client_id,
            Payment.package_id == package_id,
            Payment.status == "open",
            Payment.paid_at.is_(None),
            Payment.amount == package.price,
        )
        .order_by(Payment.id.desc())
    ).first()
    if payment is None:
        try:
            with session.begin_nested():
                payment = start_checkout(session, item=package, client_id=client_id)
        except PaymentError as exc:
            log.warning("no payment link for package %s: %s", package_id, exc.reason)
            return Outcome(False, "unavailable", {"reason": exc.reason})
    return Outcome(True, "checkout", {"name": package.name, "price": package.price, "url": payment.checkout_url})
