"""The payment settings in force: the Flask app's when there is one, else the environment."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context, has_request_context, request

from app.config import Settings
from app.payments.errors import PaymentsUnavailable


def current() -> Settings:
    """Inside a request, the app's settings; in jobs, the CLI and the simulator, the environment."""
    if has_app_context() and isinstance(current_app.config.get("FRONTDESK"), Settings):
        return current_app.config["FRONTDESK"]
    return Settings()


def base_url(settings: Settings, given: str | None = None) -> str:
    """Where this server is reachable from a phone, for the links texted to clients:
    ``given``, else ``PUBLIC_BASE_URL``, else the host the current request came to (behind
    ``TRUSTED_PROXY_HOPS`` proxies, the public one), else, in demo mode only, where
    ``./scripts/demo`` serves. Raises ``PaymentsUnavailable`` when none applies: a link to
    nowhere is never texted."""
    if given or settings.public_base_url:
        return str(given or settings.public_base_url).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    if demo_payments(settings):
        return f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    raise PaymentsUnavailable("this server doesn't know its public address yet (PUBLIC_BASE_URL)")


def stripe_enabled(settings: Settings) -> bool:
    return bool(settings.stripe_secret_key)


def demo_payments(settings: Settings) -> bool:
    """The labelled demo checkout: no Stripe keys and ``FRONTDESK_DEMO_PAYMENTS=1``, never by default."""
    return not stripe_enabled(settings) and settings.demo_payments


def require_payments(settings: Settings) -> None:
    """Raise ``PaymentsUnavailable`` unless Stripe or the explicit demo can take the payment:
    a production server that lost its key fails closed, it never gives packs away."""
    if not stripe_enabled(settings) and not settings.demo_payments:
        raise PaymentsUnavailable("card payments aren't set up yet: the studio can take payment at the desk")


def application_fee_percent(settings: Settings) -> Decimal:
    """``STRIPE_APPLICATION_FEE_PERCENT`` (0-100); a bad value is a configuration error."""
    try:
        percent = Decimal(str(settings.stripe_application_fee_percent or "0"))
    except InvalidOperation as exc:
        raise ValueError(
            f"STRIPE_APPLICATION_FEE_PERCENT must be a number, got {settings.stripe_application_fee_percent!r}"
        ) from exc
    if not Decimal("0") <= percent <= Decimal("100"):
        raise ValueError("STRIPE_APPLICATION_FEE_PERCENT must be between 0 and 100")
    return percent
