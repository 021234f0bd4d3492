"""Configuration from environment variables only; every one is documented in the README."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("FRONTDESK_INSTANCE", Path.cwd() / "instance"))


# Settings a demo instance keeps in ``instance/frontdesk.env`` (written by ./scripts/demo), so
# that every command run on that instance (``frontdesk chat`` in another terminal too) sees
# them; the environment wins. Only these two: both are demo-only switches.
INSTANCE_SETTINGS = ("FRONTDESK_DEMO_PAYMENTS", "FRONTDESK_LOG_RESET_LINKS")


def _setting(name: str) -> str | None:
    value = os.environ.get(name)
    if value is not None or name not in INSTANCE_SETTINGS:
        return value
    path = INSTANCE_DIR / "frontdesk.env"
    if not path.is_file():
        return None
    for line in path.read_text().splitlines():
        key, _, found = line.strip().partition("=")
        if key == name:
            return found.strip()
    return None


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'frontdesk.db'}"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or default_database_url()


def migration_database_url() -> str:
    """Migrations run as the tables' owner; the app runs as a role that RLS applies to."""
    return os.environ.get("MIGRATION_DATABASE_URL") or database_url()


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


@dataclass
class Settings:
    database_url: str = field(default_factory=database_url)
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY", "dev-only-secret"))
    public_base_url: str | None = field(default_factory=lambda: os.environ.get("PUBLIC_BASE_URL") or None)
    twilio_account_sid: str | None = field(default_factory=lambda: os.environ.get("TWILIO_ACCOUNT_SID") or None)
    twilio_auth_token: str | None = field(default_factory=lambda: os.environ.get("TWILIO_AUTH_TOKEN") or None)
    stripe_secret_key: str | None = field(default_factory=lambda: os.environ.get("STRIPE_SECRET_KEY") or None)
    # the labelled demo checkout when there are no Stripe keys: only when asked for (./scripts/demo)
    demo_payments: bool = field(default_factory=lambda: _setting("FRONTDESK_DEMO_PAYMENTS") == "1")
    stripe_webhook_secret: str | None = field(default_factory=lambda: os.environ.get("STRIPE_WEBHOOK_SECRET") or None)
    # the platform's cut of each Connect payment, in percent (issue 6)
    stripe_application_fee_percent: str = field(
        default_factory=lambda: os.environ.get("STRIPE_APPLICATION_FEE_PERCENT") or "0"
    )
    # how many proxies in front of the app append X-Forwarded-For (0: trust none; Heroku: 1)
    trusted_proxy_hops: int = field(default_factory=lambda: _int_env("TRUSTED_PROXY_HOPS", 0))
    # email (password reset links): app/mail.py
    smtp_host: str | None = field(default_factory=lambda: os.environ.get("SMTP_HOST") or None)
    smtp_port: int = field(default_factory=lambda: _int_env("SMTP_PORT", 587))
    smtp_user: str | None = field(default_factory=lambda: os.environ.get("SMTP_USER") or None)
    smtp_password: str | None = field(default_factory=lambda: os.environ.get("SMTP_PASSWORD") or None)
    smtp_from: str | None = field(default_factory=lambda: os.environ.get("SMTP_FROM") or None)
    smtp_security: str = field(default_factory=lambda: os.environ.get("SMTP_SECURITY") or "starttls")
    # development only: write password-reset links to the log when neither email nor SMS can carry them
    log_reset_links: bool = field(default_factory=lambda: _setting("FRONTDESK_LOG_RESET_LINKS") == "1")
    openai_api_key: str | None = field(default_factory=lambda: os.environ.get("OPENAI_API_KEY") or None)
    openai_base_url: str | None = field(default_factory=lambda: os.environ.get("OPENAI_BASE_URL") or None)
