"""The studio's rules, and the arithmetic that applies them to one booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import transaction_cache
from app.models import ClassSession, Policy
from app.tenancy import SCOPE


def load_policy(session: Session) -> Policy:
    """The studio's policy row, read once per transaction; the defaults (not saved) when
    the studio has none yet. Call it in a studio session (a sweep's system session spans
    studios: load each studio's policy in its own scope)."""
    scoped = session.info.get(SCOPE) is not None  # one studio: its policy can be kept
    cache = transaction_cache(session) if scoped else {}
    if (policy := cache.get("policy")) is not None:
        return policy
    policy = session.scalars(select(Policy)).first()
    if policy is not None:
        cache["policy"] = policy
        return policy
    return Policy(
        booking_window_days=14,
        cancel_window_hours=12,
        late_cancel="forfeit_credit",
        late_cancel_fee=Decimal("0"),
        no_show="forfeit_credit",
        no_show_fee=Decimal("0"),
        waitlist_mode="offer",
        waitlist_offer_minutes=30,
        fill_to_forgive=False,
        reminder_hours=[24, 2],
        no_show_review_hours=12,
        waitlist_cutoff_minutes=60,
        overlap_rule="ask",
        late_arrival_minutes=None,
        self_check_in=False,
        check_in_opens_minutes=30,
    )


@dataclass(frozen=True)
class CancelTerms:
    """What cancelling a booking now would cost, for the client to agree to."""

    late: bool
    free_until: datetime  # the last moment a cancel is free
    consequence: str  # refund | forfeit_credit | fee | none
    credits_back: int  # credits returned to the client
    fee: Decimal  # money owed when consequence is "fee"


def free_cancel_deadline(policy: Policy, class_session: ClassSession) -> datetime:
    return class_session.starts_at - timedelta(hours=policy.cancel_window_hours)


def cancel_terms(
    policy: Policy, class_session: ClassSession, credits_spent: int, now: datetime, *, booked_at: datetime | None = None
) -> CancelTerms:
    """``booked_at``: a booking made before the studio moved the class may be cancelled
    free until it starts (the client did not choose the new time)."""
    deadline = free_cancel_deadline(policy, class_session)
    if booked_at is not None and class_session.moved_at is not None and booked_at <= class_session.moved_at:
        deadline = class_session.starts_at
    if now <= deadline:
        return CancelTerms(False, deadline, "refund", credits_spent, Decimal("0"))
    rule = policy.late_cancel
    fee = Decimal(policy.late_cancel_fee or 0) if rule == "fee" else Decimal("0")
    credits_back = 0 if rule == "forfeit_credit" else credits_spent
    return CancelTerms(True, deadline, rule, credits_back, fee)


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """Is local wall time ``local`` inside the studio's quiet hours (which may cross midnight)?"""
    if start is None or end is None or start == end:
        return False
    return start <= local < end if start < end else (local >= start or local < end)


def quiet_end(now: datetime, tz: str, start: time, end: time) -> datetime:
    """The instant, after ``now``, when the quiet hours ``now`` falls in end (in ``tz``)."""
    local = now.astimezone(ZoneInfo(tz))
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end).replace(tzinfo=ZoneInfo(tz)).astimezone(now.tzinfo)
