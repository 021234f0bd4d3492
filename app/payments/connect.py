"""Stripe Connect: each studio takes payments into its own Stripe account.

Standard accounts with direct charges: the studio owns a full Stripe account (its own
dashboard, payouts, disputes and refunds), Checkout Sessions are created on that account with
the ``Stripe-Account`` header, and the platform's cut is the ``application_fee_amount``.
Express accounts suit destination charges, where the platform is the merchant of record;
a studio selling its own classes should be the merchant, so Standard it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.audit import record
from app.booking.rows import row
from app.models import Studio
from app.payments import stripe_api
from app.payments.errors import PaymentsUnavailable
from app.payments.settings import current, stripe_enabled


@dataclass(frozen=True)
class ConnectStatus:
    stripe_configured: bool
    account_id: str | None
    charges_enabled: bool

    @property
    def stage(self) -> str:
        """demo | not_connected | onboarding | ready"""
        if not self.stripe_configured:
            return "demo"
        if not self.account_id:
            return "not_connected"
        return "ready" if self.charges_enabled else "onboarding"


def status(session: Session, studio_id: int) -> ConnectStatus:
    studio = row(session, Studio, studio_id)
    return ConnectStatus(stripe_enabled(current()), studio.stripe_account_id, bool(studio.stripe_charges_enabled))


def onboarding_link(session: Session, studio_id: int, *, return_url: str, refresh_url: str, actor: str) -> str:
    """Use case: the owner connects (or goes on connecting) the studio's Stripe account.

    Creates the Standard account once (idempotency key ``connect:studio:<id>``; recorded and
    audited, committed), then an Account Link for Stripe's hosted onboarding. Returns its URL.
    """
    settings = current()
    if not stripe_enabled(settings):
        raise PaymentsUnavailable("Stripe is not configured on this server (STRIPE_SECRET_KEY)")
    studio = row(session, Studio, studio_id)
    if not studio.stripe_account_id:
        params: dict = {
            "type": "standard",
            "business_profile": {"name": studio.name},
            "metadata": {"studio_id": str(studio.id)},
        }
        if studio.contact_email:
            params["email"] = studio.contact_email
        account = stripe_api.create_account(settings, params, idempotency_key=f"connect:studio:{studio.id}")
        studio.stripe_account_id = account.id
        studio.stripe_charges_enabled = bool(getattr(account, "charges_enabled", False))
        record(
            session,
            actor=actor,
            action="connect",
            entity="stripe_account",
            entity_id=account.id,
            after={"stripe_account_id": account.id},
        )
        session.commit()  # the new account is kept even if the link request below fails (a retry reuses it)
    link = stripe_api.create_account_link(
        settings,
        {
            "account": studio.stripe_account_id,
            "type": "account_onboarding",
            "refresh_url": refresh_url,
            "return_url": return_url,
        },
    )
    return link.url


def refresh(session: Session, studio_id: int) -> ConnectStatus:
    """Use case: back from onboarding, read whether the account can take charges (the caller commits).
    (``account.updated`` webhooks keep it current afterwards.)"""
    studio = row(session, Studio, studio_id)
    settings = current()
    if stripe_enabled(settings) and studio.stripe_account_id:
        account = stripe_api.retrieve_account(settings, studio.stripe_account_id)
        studio.stripe_charges_enabled = bool(getattr(account, "charges_enabled", False))
    return status(session, studio_id)
