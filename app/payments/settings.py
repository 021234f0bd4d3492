"""The payment settings in force: the Flask app's when there is one, else the environment."""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context

from app.config import Settings


def current() -> Settings:
    """Inside a request, the app's settings; in jobs, the CLI and the simulator, the environment."""
    if has_app_context() and isinstance(current_app.config.get("FRONTDESK"), Settings):
        return current_app.config["FRONTDESK"]
    return Settings()


def base_url(settings: Settings, given: str | None = None) -> str:
    """Where this server is reachable from a phone: ``PUBLIC_BASE_URL`` (the demo: localhost)."""
    demo = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"  # where ./scripts/demo serves
    return (given or settings.public_base_url or demo).rstrip("/")


def stripe_enabled(settings: Settings) -> bool:
    return bool(settings.stripe_secret_key)


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
