"""Configuration from environment variables only; every one is documented in the README."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("FRONTDESK_INSTANCE", Path.cwd() / "instance"))


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'frontdesk.db'}"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or default_database_url()


def migration_database_url() -> str:
    """Migrations run as the tables' owner; the app runs as a role that RLS applies to."""
    return os.environ.get("MIGRATION_DATABASE_URL") or database_url()


@dataclass
class Settings:
    database_url: str = field(default_factory=database_url)
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY", "dev-only-secret"))
    public_base_url: str | None = field(default_factory=lambda: os.environ.get("PUBLIC_BASE_URL") or None)
    twilio_account_sid: str | None = field(default_factory=lambda: os.environ.get("TWILIO_ACCOUNT_SID") or None)
    twilio_auth_token: str | None = field(default_factory=lambda: os.environ.get("TWILIO_AUTH_TOKEN") or None)
    stripe_secret_key: str | None = field(default_factory=lambda: os.environ.get("STRIPE_SECRET_KEY") or None)
    stripe_webhook_secret: str | None = field(default_factory=lambda: os.environ.get("STRIPE_WEBHOOK_SECRET") or None)
    # the platform's cut of each Connect payment, in percent (issue 6)
    stripe_application_fee_percent: str = field(
        default_factory=lambda: os.environ.get("STRIPE_APPLICATION_FEE_PERCENT") or "0"
    )
    openai_api_key: str | None = field(default_factory=lambda: os.environ.get("OPENAI_API_KEY") or None)
    openai_base_url: str | None = field(default_factory=lambda: os.environ.get("OPENAI_BASE_URL") or None)
