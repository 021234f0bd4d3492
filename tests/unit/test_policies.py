"""The studio's cancel rules as pure arithmetic (``app.booking.policies``), on transient rows.

``Policy`` and ``ClassSession`` are built in memory and never added to a session; no
database is opened. ``load_policy`` is given a stand-in session with no policy row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.booking.policies import (
    CancelTerms,
    cancel_terms,
    free_cancel_deadline,
    load_policy,
)
from app.models import ClassSession, Policy

START = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # Wed 25 Nov 2026 18:00 (London = UTC in November)
DEADLINE = START - timedelta(hours=12)


def policy(late_cancel: str = "forfeit_credit", fee: Decimal | None = Decimal(0), hours: int = 12) -> Policy:
    return Policy(booking_window_days=14, cancel_window_hours=hours, late_cancel=late_cancel, late_cancel_fee=fee)


def session(starts_at: datetime = START, moved_at: datetime | None = None) -> ClassSession:
    return ClassSession(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), capacity=10, moved_at=moved_at)


def test_free_cancel_deadline_is_the_window_before_the_start():
    assert free_cancel_deadline(policy(), session()) == DEADLINE
    assert free_cancel_deadline(policy(hours=24), session()) == START - timedelta(days=1)
    assert free_cancel_deadline(policy(hours=0), session()) == START


def test_inside_the_window_refunds_everything():
    terms = cancel_terms(policy(), session(), 1, DEADLINE - timedelta(minutes=1))
    assert terms == CancelTerms(late=False, free_until=DEADLINE, consequence="refund", credits_back=1, fee=Decimal(0))


def test_the_deadline_itself_is_still_free():
    assert cancel_terms(policy(), session(), 1, DEADLINE).late is False
    assert cancel_terms(policy(), session(), 1, DEADLINE + timedelta(seconds=1)).late is True


def test_in_window_refunds_what_was_spent_even_under_a_fee_rule():
    terms = cancel_terms(policy("fee", Decimal(5)), session(), 2, DEADLINE - timedelta(hours=3))
    assert (terms.late, terms.consequence, terms.credits_back, terms.fee) == (False, "refund", 2, Decimal(0))


def test_late_with_forfeit_keeps_the_credit():
    terms = cancel_terms(policy("forfeit_credit"), session(), 1, START - timedelta(hours=2))
    assert terms == CancelTerms(
        late=True, free_until=DEADLINE, consequence="forfeit_credit", credits_back=0, fee=Decimal(0)
    )


def test_late_with_a_fee_charges_it_and_gives_the_credit_back():
    terms = cancel_terms(policy("fee", Decimal("5.00")), session(), 1, START - timedelta(hours=2))
    assert terms == CancelTerms(late=True, free_until=DEADLINE, consequence="fee", credits_back=1, fee=Decimal("5.00"))


def test_late_with_a_fee_rule_but_no_amount_charges_nothing():
    terms = cancel_terms(policy("fee", None), session(), 1, START - timedelta(hours=2))
    assert (terms.late, terms.consequence, terms.fee, terms.credits_back) == (True, "fee", Decimal(0), 1)


def test_late_with_no_penalty_refunds_and_charges_nothing():
    terms = cancel_terms(policy("none", Decimal(5)), session(), 1, START - timedelta(hours=2))
    assert terms == CancelTerms(late=True, free_until=DEADLINE, consequence="none", credits_back=1, fee=Decimal(0))


def test_a_membership_booking_spent_nothing_and_gets_nothing_back():
    assert cancel_terms(policy("none"), session(), 0, START - timedelta(hours=2)).credits_back == 0
    assert cancel_terms(policy(), session(), 0, DEADLINE - timedelta(hours=1)).credits_back == 0


@pytest.mark.parametrize("spent", [1, 3])
def test_a_fee_rule_returns_every_credit_spent(spent):
    assert cancel_terms(policy("fee", Decimal(5)), session(), spent, START - timedelta(hours=1)).credits_back == spent


def test_a_booking_made_inside_the_window_is_late_at_once():
    """Current behaviour: booking 9h before a class with a 12h window gives no grace period;
    cancelling a minute later is already a late cancel."""
    booked_at = START - timedelta(hours=9)
    terms = cancel_terms(policy(), session(), 1, booked_at + timedelta(minutes=1), booked_at=booked_at)
    assert terms.late is True and terms.consequence == "forfeit_credit" and terms.free_until == DEADLINE


def test_booked_before_the_studio_moved_the_class_is_free_until_it_starts():
    moved_at = START - timedelta(days=1)
    booked_at = moved_at - timedelta(days=2)
    terms = cancel_terms(
        policy("fee", Decimal(5)), session(moved_at=moved_at), 1, START - timedelta(hours=1), booked_at=booked_at
    )
    assert terms == CancelTerms(late=False, free_until=START, consequence="refund", credits_back=1, fee=Decimal(0))


def test_booked_at_the_moment_of_the_move_still_counts_as_before_it():
    moved_at = START - timedelta(days=1)
    terms = cancel_terms(policy(), session(moved_at=moved_at), 1, START - timedelta(hours=1), booked_at=moved_at)
    assert terms.late is False and terms.free_until == START


def test_booked_after_the_move_keeps_the_usual_window():
    moved_at = START - timedelta(days=2)
    terms = cancel_terms(
        policy(), session(moved_at=moved_at), 1, START - timedelta(hours=1), booked_at=moved_at + timedelta(hours=1)
    )
    assert terms.late is True and terms.free_until == DEADLINE


def test_a_moved_class_without_booked_at_keeps_the_usual_window():
    terms = cancel_terms(policy(), session(moved_at=START - timedelta(days=1)), 1, START - timedelta(hours=1))
    assert terms.late is True and terms.free_until == DEADLINE


def test_after_the_start_is_late_too():
    """The arithmetic alone; refusing to cancel a started class is the booking core's job."""
    assert cancel_terms(policy(), session(), 1, START + timedelta(minutes=5)).late is True


class _NoPolicyRow:
    """A session stand-in whose studio has no policy row (no database behind it)."""

    info = {"frontdesk.studio_id": 1}

    def scalars(self, _statement):
        return SimpleNamespace(first=lambda: None)


def test_load_policy_defaults_when_the_studio_has_none():
    p = load_policy(_NoPolicyRow())
    assert (p.booking_window_days, p.cancel_window_hours, p.late_cancel, p.late_cancel_fee) == (
        14,
        12,
        "forfeit_credit",
        Decimal(0),
    )
    assert (p.waitlist_mode, p.waitlist_offer_minutes, p.fill_to_forgive, p.reminder_hours) == (
        "offer",
        30,
        False,
        [24, 2],
    )
    assert free_cancel_deadline(p, session()) == DEADLINE
