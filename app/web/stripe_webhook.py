"""``POST /stripe/webhook``: Stripe's signed events (platform and connected accounts).

The signature is checked on the raw body with the library's ``construct_event``; a missing,
tampered or stale signature is a 400 and nothing is written; "stale" is judged both ways, so a
timestamp more than ``TOLERANCE`` seconds in the future is refused too (the library checks only
the past). A signed body that is not an event (no ``id``, ``type`` or ``data.object``) is a 400,
logged, with nothing written. ``STRIPE_WEBHOOK_SECRET`` may
list several secrets, comma-separated: a platform's own endpoint and its Connect endpoint
(events from the studios' accounts) are signed with different secrets. Everything else is handed to
``app.payments.events.handle_event`` and acknowledged with a 200 (replays included), so
Stripe stops retrying; an error while handling is a 500 and Stripe retries later. The texts
an event wrote are kicked for delivery once its transaction has committed; a kick that fails
(Redis down) is logged and never turns the acknowledgement into a 500.
"""

from __future__ import annotations

import json
import logging
import time

import stripe
from flask import Blueprint, Response, current_app, jsonify, request

from app.db import get_db
from app.payments.events import BadEvent, check_event, handle_event

bp = Blueprint("stripe_webhook", __name__)
log = logging.getLogger(__name__)


TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # seconds, Stripe's own default (300)


def _timestamp(header: str) -> int | None:
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _verified(payload: bytes, secret: str) -> bool:
    """True when ``Stripe-Signature`` is a signature of exactly this body by ``secret``, made
    within ``TOLERANCE`` seconds of now (wall time, as Stripe signs) in either direction."""
    header = request.headers.get("Stripe-Signature", "")
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, TOLERANCE)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        log.info("stripe signature not verified with one secret: %s", exc)
        return False
    signed_at = _timestamp(header)
    if signed_at is None or signed_at > time.time() + TOLERANCE:
        log.warning("stripe signature timestamp %s is in the future; refused", signed_at)
        return False
    return True


@bp.post("/stripe/webhook")
def webhook() -> Response:
    secrets = [x.strip() for x in (current_app.config["FRONTDESK"].stripe_webhook_secret or "").split(",") if x.strip()]
    if not secrets:
        return Response("STRIPE_WEBHOOK_SECRET is not set\n", status=400, mimetype="text/plain")
    payload = request.get_data()
    if not any(_verified(payload, secret) for secret in secrets):
        return Response("invalid Stripe signature\n", status=400, mimetype="text/plain")
    try:
        event = check_event(json.loads(payload))
    except (ValueError, BadEvent) as exc:  # json's errors are ValueErrors
        log.warning("signed stripe body refused: %s", exc)
        return Response(f"not a Stripe event: {exc}\n", status=400, mimetype="text/plain")
    outcome = handle_event(get_db(), event, after_commit=current_app.extensions.get("frontdesk.deliver"))
    if outcome.result == "unknown_studio":
        log.warning("stripe event for no studio we know; acknowledged and ignored")
    return jsonify(result=outcome.result)
