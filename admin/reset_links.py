"""Carrying a password-reset link to the person who asked for it.

By email when SMTP is configured (``app.mail``); otherwise by text to the staff member's
phone through the outbox (delivered after commit, valid for the link's hour). With neither,
the link is written to the log only when ``FRONTDESK_LOG_RESET_LINKS=1`` (the demo and
development); in production it is never logged, and the operator is told why nothing went.
The page says the same thing whatever happened, so it never tells a visitor whether an
email has an account.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from admin.accounts import RESET_MAX_AGE, ResetRequest
from app import clock, mail
from app.config import Settings
from app.db import Database
from app.messaging.outbox import enqueue

log = logging.getLogger(__name__)


def send_reset_link(db: Database, settings: Settings, reset: ResetRequest, link: str) -> str:
    """Send ``link`` to the person in ``reset``; returns how: email | sms | log | none."""
    if mail.configured(settings):
        try:
            mail.send(
                settings,
                to=reset.email,
                subject="Reset your Frontdesk password",
                body=(
                    f"Hi {reset.name},\n\nTo choose a new password, open this link within the hour:\n{link}\n\n"
                    "If you didn't ask for this, ignore this email; your password stays as it is.\n"
                ),
            )
            return "email"
        except mail.MailFailed:
            log.exception("password reset for staff %s: email failed", reset.staff_id)
    if reset.phone:
        with db.studio(reset.studio_id) as s:
            enqueue(
                s,
                dedupe_key=f"password_reset:{reset.staff_id}:{reset.token[-24:]}",
                kind="password_reset",
                to_addr=reset.phone,
                body=f"Frontdesk: to reset your password, open {link} within the hour. Didn't ask? Ignore this.",
                staff_id=reset.staff_id,
                valid_until=clock.now() + timedelta(seconds=RESET_MAX_AGE),
            )
        return "sms"
    if settings.log_reset_links:
        log.warning("password reset link: %s (logged because FRONTDESK_LOG_RESET_LINKS=1)", link)
        return "log"
    log.error(
        "password reset for staff %s not sent: set SMTP_HOST to email it, or give them a phone to text it",
        reset.staff_id,
    )
    return "none"
