"""Stripe events, verified or built by the demo page, handled once per studio.

``handle_event`` is the one path: the webhook hands it the event Stripe signed, the demo
checkout hands it the same shape of event it builds itself. Each event is recorded in
``stripe_events`` (unique per studio) in the same transaction as its effect, so a replayed
or duplicated delivery finds the row and changes nothing.

Which studio? From the event's ``account`` (the connected account, mapped to its studio)
and the object's ``metadata.studio_id`` (set by us on every Checkout Session and payment
intent); both must agree when both are there. A payment is found by ``metadata.payment_id``
only if its recorded Checkout Session id matches the event's, so metadata on a session
made elsewhere can never pay for ours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.db import Database, on_commit
from app.models import Payment, StripeEvent, Studio
from app.payments.fulfil import complete_payment, flag, locked
from app.payments.money import from_minor, to_minor
from app.payments.refunds import apply_refund

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    result: str  # handled | duplicate | ignored | unknown_studio
    studio_id: int | None = None
    payment_id: int | None = None


class BadEvent(ValueError):
    """A body that is not the shape of a Stripe event; the webhook answers 400."""


def check_event(event: Any) -> dict:
    """``event`` when it has what every Stripe event has: a string ``id`` and ``type`` and a
    ``data.object`` mapping (https://docs.stripe.com/api/events/object). Raises ``BadEvent``."""
    if not isinstance(event, dict):
        raise BadEvent("the body is not a JSON object")
    for key in ("id", "type"):
        if not isinstance(event.get(key), str) or not event[key]:
            raise BadEvent(f"no {key}")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise BadEvent("no data.object")
    if "\x00" in json.dumps(event, ensure_ascii=False):
        raise BadEvent("a NUL byte in the event")
    return event


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _studio_by_account(db: Database, account: str) -> int | None:
    with db.unscoped() as s:
        return s.scalars(select(Studio.id).where(Studio.stripe_account_id == account)).first()


def resolve_studio(db: Database, event: dict) -> int | None:
    obj = event["data"]["object"]
    account = event.get("account")
    if event["type"] == "account.updated":
        return _studio_by_account(db, account or obj.get("id"))
    claimed = _int((obj.get("metadata") or {}).get("studio_id"))
    if account:
        owner = _studio_by_account(db, account)
        if owner is None or (claimed is not None and claimed != owner):
            log.warning("stripe event %s: account %s does not match studio %s", event.get("id"), account, claimed)
            return None
        return owner
    if claimed is not None:
        return claimed
    intent = obj.get("payment_intent")
    if intent:  # a platform charge without our metadata: find it by its payment intent
        with db.system("stripe webhook: the studio of a payment intent") as s:
            return s.scalars(select(Payment.studio_id).where(Payment.stripe_payment_intent == intent)).first()
    return None


def _payment_for_session(s: Session, obj: dict) -> Payment | None:
    payment_id = _int((obj.get("metadata") or {}).get("payment_id"))
    if payment_id is None:
        return None
    payment = s.get(Payment, payment_id)
    if payment is None or payment.stripe_checkout_id != obj.get("id"):
        log.warning("stripe checkout session %s does not belong to payment %s", obj.get("id"), payment_id)
        return None
    return payment


def _completed(s: Session, event: dict, obj: dict) -> int | None:
    payment = _payment_for_session(s, obj)
    if payment is None:
        return None
    if obj.get("payment_status") not in ("paid", "no_payment_required"):
        return payment.id  # e.g. a bank debit still clearing: async_payment_succeeded follows
    payment = complete_payment(s, payment.id, provider_ref=obj.get("payment_intent"))
    total, currency = obj.get("amount_total"), (obj.get("currency") or payment.currency).upper()
    if total is not None and (total != to_minor(payment.amount, payment.currency) or currency != payment.currency):
        flag(s, payment, f"Stripe collected {from_minor(total, currency)} {currency}, not the price asked.")
    return payment.id


def _expired(s: Session, event: dict, obj: dict) -> int | None:
    payment = _payment_for_session(s, obj)
    if payment is None:
        return None
    payment = locked(s, payment.id)
    if payment.status == "open" and payment.paid_at is None:  # a late 'expired' never undoes a payment
        payment.status, payment.expired_at = "expired", clock.now()
    return payment.id


def _refunded(s: Session, event: dict, obj: dict) -> int | None:
    payment = None
    intent = obj.get("payment_intent")
    if intent:
        payment = s.scalars(select(Payment).where(Payment.stripe_payment_intent == intent)).first()
    if payment is None:
        payment_id = _int((obj.get("metadata") or {}).get("payment_id"))
        payment = s.get(Payment, payment_id) if payment_id else None
        if payment is not None and payment.stripe_payment_intent not in (None, intent):
            payment = None
    if payment is None:
        return None
    payment = locked(s, payment.id)
    if intent and not payment.stripe_payment_intent:
        payment.stripe_payment_intent = intent
    apply_refund(s, payment, from_minor(obj.get("amount_refunded") or 0, payment.currency), actor="stripe")
    return payment.id


def _account_updated(s: Session, event: dict, obj: dict) -> int | None:
    studio = s.get(Studio, s.info.get("frontdesk.studio_id"))
    if studio is not None and studio.stripe_account_id == obj.get("id"):
        studio.stripe_charges_enabled = bool(obj.get("charges_enabled"))
    return None


HANDLERS: dict[str, Callable[[Session, dict, dict], int | None]] = {
    "checkout.session.completed": _completed,
    "checkout.session.async_payment_succeeded": _completed,
    "checkout.session.expired": _expired,
    "charge.refunded": _refunded,
    "account.updated": _account_updated,
}


def handle_event(db: Database, event: dict, *, after_commit: Callable[[int], None] | None = None) -> Outcome:
    """Apply one event and record it, in one transaction. Unknown types are acknowledged only.

    ``after_commit(studio_id)`` (the delivery kick for the texts the event wrote) runs once that
    transaction has committed, only for a handled event, and its failure is logged, never raised.
    """
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return Outcome("ignored")
    studio_id = resolve_studio(db, event)
    if studio_id is None:
        return Outcome("unknown_studio")
    with db.studio(studio_id) as s:
        if s.get(Studio, studio_id) is None:
            return Outcome("unknown_studio")
        seen = s.scalars(select(StripeEvent.id).where(StripeEvent.event_id == event["id"])).first()
        if seen is not None:
            return Outcome("duplicate", studio_id)
        payment_id = handler(s, event, event["data"]["object"])
        s.add(StripeEvent(studio_id=studio_id, event_id=event["id"], kind=event["type"], payment_id=payment_id))
        try:
            s.flush()
        except IntegrityError:  # the same event delivered twice at once: the other one won
            s.rollback()
            return Outcome("duplicate", studio_id)
        if after_commit is not None:
            on_commit(s, lambda: after_commit(studio_id))
        return Outcome("handled", studio_id, payment_id)
