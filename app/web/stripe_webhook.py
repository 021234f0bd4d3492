"""``POST /stripe/webhook``: Stripe's signed events (platform and connected accounts).

The signature is checked on the raw body with the library's ``construct_event``; a missing,
tampered or stale signature is a 400 and nothing is written. ``STRIPE_WEBHOOK_SECRET`` may
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

import stripe
from flask import Blueprint, Response, current_app, jsonify, request

from app.db import get_db
from app.payments.events import handle_event

bp = Blueprint("stripe_webhook", __name__)
log = logging.getLogger(__name__)


def _verified(payload: bytes, secret: str) -> bool:
    """True when ``Stripe-Signature`` is a fresh signature of exactly this body by ``secret``."""
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        log.info("stripe signature not verified with one secret: %s", exc)
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
    outcome = handle_event(get_db(), json.loads(payload), after_commit=current_app.extensions.get("frontdesk.deliver"))
    if outcome.result == "unknown_studio":
        log.warning("stripe event for no studio we know; acknowledged and ignored")
    return jsonify(result=outcome.result)
