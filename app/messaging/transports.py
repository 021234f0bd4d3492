"""Where a text physically goes: Twilio (SMS and WhatsApp) or the console.

A transport sends one outbox row and returns the provider's message id, or raises
``SendFailed`` saying whether trying again could help.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException

from app.config import Settings
from app.models import OutboxMessage

log = logging.getLogger("frontdesk.texts")

# Twilio errors that no retry can fix, with words staff can read
PERMANENT = {
    "21211": "not a valid phone number",
    "21408": "texting this country is not enabled",
    "21610": "the client has opted out (replied STOP)",
    "21614": "not a mobile number",
    "30003": "the phone is unreachable or switched off",
    "30004": "the message was blocked by the recipient",
    "30005": "unknown or inactive number",
    "30006": "a landline or a carrier that can't receive texts",
    "30007": "filtered by the carrier as spam",
}


@dataclass
class SendFailed(Exception):
    code: str | None
    reason: str
    retry: bool


class Transport(Protocol):
    def send(self, message: OutboxMessage, status_callback: str | None = None) -> str: ...


class ConsoleTransport:
    """The embedded default: the text is logged at DEBUG (and printed when asked), never sent.

    Its message ids are unique across processes and restarts (a uuid), as Twilio's are: the
    message log keeps one row per provider id."""

    def __init__(self, echo: bool = False) -> None:
        self.echo = echo
        self.sent: list[OutboxMessage] = []

    def send(self, message: OutboxMessage, status_callback: str | None = None) -> str:
        sid = f"CONSOLE{uuid.uuid4().hex}"
        log.debug(
            "text %s -> %s: %s", message.from_addr, message.to_addr, message.body
        )  # INFO carries no phone or body
        if self.echo:
            print(f"[text to {message.to_addr}] {message.body}", flush=True)
        self.sent.append(message)
        return sid


class TwilioTransport:
    """Twilio's REST API through the official client (tests mock its HTTP with ``responses``)."""

    def __init__(self, account_sid: str, auth_token: str, client=None) -> None:
        # twilio.rest loads every Twilio API module: import it only when a real transport is made
        from twilio.rest import Client

        self.client = client or Client(account_sid, auth_token)

    def send(self, message: OutboxMessage, status_callback: str | None = None) -> str:
        params: dict = {"to": message.to_addr, "from_": message.from_addr}
        if message.content_sid:
            params["content_sid"] = message.content_sid
            params["content_variables"] = json.dumps(message.content_variables or {})
        else:
            params["body"] = message.body
        if status_callback:
            params["status_callback"] = status_callback
        if message.valid_until is not None and message.sent_at is not None:
            seconds = int((message.valid_until - message.sent_at).total_seconds())
            params["validity_period"] = max(1, min(seconds, 36000))
        try:
            return self.client.messages.create(**params).sid
        except requests.ConnectionError as exc:  # never reached Twilio (incl. connect timeouts): safe to retry
            raise SendFailed(None, "could not reach Twilio", retry=True) from exc
        except TwilioRestException as exc:
            code = str(exc.code) if exc.code else None
            if code in PERMANENT:
                raise SendFailed(code, PERMANENT[code], retry=False) from exc
            retry = exc.status >= 500 or exc.status == 429
            raise SendFailed(code, (exc.msg or "Twilio refused the message")[:300], retry=retry) from exc


def transport_from_env(echo: bool = False) -> Transport:
    """Twilio when its credentials are set, else the console (the embedded default).
    ``FRONTDESK_TRANSPORT=module:Class`` names another (tests, a staging sink)."""
    named = os.environ.get("FRONTDESK_TRANSPORT")
    if named:
        module, _, attr = named.partition(":")
        return getattr(importlib.import_module(module), attr)()
    settings = Settings()
    if settings.twilio_account_sid and settings.twilio_auth_token:
        return TwilioTransport(settings.twilio_account_sid, settings.twilio_auth_token)
    return ConsoleTransport(echo=echo)


def status_callback_url() -> str | None:
    base = Settings().public_base_url
    return f"{base.rstrip('/')}/twilio/status" if base else None
