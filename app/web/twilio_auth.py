"""Twilio webhook signature checks, shared by the inbound and status-callback routes.

Twilio signs the full public URL it called plus the POST form. Behind a proxy the URL
Flask sees is not that one, so it is rebuilt from ``PUBLIC_BASE_URL`` + path + query.
Turning the check off takes ``TWILIO_SKIP_SIGNATURE=1`` (development only; never a default).
"""

from __future__ import annotations

import functools
import os

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator


def public_url() -> str:
    settings = current_app.config["FRONTDESK"]
    base = (settings.public_base_url or request.host_url).rstrip("/")
    query = request.query_string.decode()
    return base + request.path + (f"?{query}" if query else "")


def signature_ok() -> bool:
    settings = current_app.config["FRONTDESK"]
    if current_app.config.get("TWILIO_SKIP_SIGNATURE") or os.environ.get("TWILIO_SKIP_SIGNATURE") == "1":
        current_app.logger.warning("Twilio signature check is OFF (TWILIO_SKIP_SIGNATURE)")
        return True
    if not settings.twilio_auth_token:
        current_app.logger.error("TWILIO_AUTH_TOKEN is not set: refusing the webhook")
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    signature = request.headers.get("X-Twilio-Signature", "")
    return validator.validate(public_url(), request.form, signature)


def twilio_signed(view):
    """Refuse (403) any request whose X-Twilio-Signature does not verify; nothing is written."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not signature_ok():
            abort(403)
        return view(*args, **kwargs)

    return wrapped
