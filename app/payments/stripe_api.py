"""The Stripe calls Frontdesk makes, through the official library (``stripe.StripeClient``).

Every call that a retry might repeat carries a deterministic idempotency key, and calls for a
studio with a connected account carry ``stripe_account`` (the ``Stripe-Account`` header):
Connect direct charges, so the money lands in the studio's own account.
"""

from __future__ import annotations

from typing import Any

import stripe

from app.config import Settings
from app.payments.errors import StripeFailed

TIMEOUT_SECONDS = 20


def client(settings: Settings) -> stripe.StripeClient:
    if not settings.stripe_secret_key:
        raise StripeFailed("Stripe is not configured (STRIPE_SECRET_KEY)")
    return stripe.StripeClient(
        settings.stripe_secret_key, max_network_retries=2, http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS)
    )


def _options(idempotency_key: str | None, account: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    if account:
        options["stripe_account"] = account
    return options


def _call(what: str, fn, params: dict[str, Any], options: dict[str, Any]):
    try:
        return fn(params=params, options=options)
    except stripe.StripeError as exc:
        message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
        raise StripeFailed(f"Stripe could not {what}: {message}") from exc


def create_checkout_session(
    settings: Settings, params: dict[str, Any], *, idempotency_key: str, account: str | None
) -> stripe.checkout.Session:
    return _call(
        "start the checkout", client(settings).v1.checkout.sessions.create, params, _options(idempotency_key, account)
    )


def create_refund(
    settings: Settings, params: dict[str, Any], *, idempotency_key: str, account: str | None
) -> stripe.Refund:
    return _call("refund the payment", client(settings).v1.refunds.create, params, _options(idempotency_key, account))


def create_account(settings: Settings, params: dict[str, Any], *, idempotency_key: str) -> stripe.Account:
    return _call("create the account", client(settings).v1.accounts.create, params, _options(idempotency_key, None))


def create_account_link(settings: Settings, params: dict[str, Any]) -> stripe.AccountLink:
    return _call("start onboarding", client(settings).v1.account_links.create, params, {})


def retrieve_account(settings: Settings, account_id: str) -> stripe.Account:
    try:
        return client(settings).v1.accounts.retrieve(account_id)
    except stripe.StripeError as exc:
        raise StripeFailed(f"Stripe could not read the account: {exc}") from exc
