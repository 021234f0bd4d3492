"""Payment refusals, in words an owner or a client can be shown."""

from __future__ import annotations


class PaymentError(Exception):
    """Base of every payment refusal."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PaymentsUnavailable(PaymentError):
    """The studio cannot take card payments yet (Stripe onboarding unfinished)."""


class StripeFailed(PaymentError):
    """Stripe refused or could not be reached; nothing was recorded."""


class NotRefundable(PaymentError):
    """The payment is not in a state that can be refunded."""
