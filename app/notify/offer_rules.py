"""Waitlist offer texts, re-checked just before they go (``app.messaging.send_rules``).

An offer's claim window starts when its text actually goes: quiet hours, a retry or a busy
worker may hold it back, and a client must never be told an offer "has passed on" that
they never saw. So just before the text goes:

- ``still_true`` asks the core whether the offer may still go (``waitlist.recheck_offer``:
  still offered, class not started, outside the waitlist cutoff, the client reachable and
  free at that time). When not, the core has already withdrawn the offer and freed the
  spot by the rules, and the text is dropped with the reason. When it may, the body is
  written again with the reply-by time counted from now.
- ``sent`` starts the claim window (``waitlist.offer_delivered``) in the same transaction
  that records the text as sent.

An auto-enrolment's "you're booked" text (``waitlist_enrolled``) is re-checked the same way:
dropped when the booking no longer stands, written again from now, and when it goes the
booking's free-cancel grace starts (``booking.enrolment_texted``, ``booking.enrolment_grace``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.booking import booking as booking_svc
from app.booking import credits, rows, waitlist
from app.booking.attendance import fees_charged
from app.booking.policies import free_cancel_deadline, load_policy
from app.messaging import send_rules
from app.messaging.send_rules import SendRule
from app.models import Booking, ClassSession, OutboxMessage, WaitlistEntry
from app.notify.addressing import studio_of
from app.notify.views import session_view_by_id, studio_view
from bot.desk import BalanceView, SessionView
from bot.replies import Words

KIND = "waitlist_offer"


def still_true(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    entry_id = send_rules.about_id(row, "waitlist_entry")
    if entry_id is None:  # written before offers named their entry: send as written
        return None
    reason = waitlist.recheck_offer(session, entry_id, now)
    if reason is not None:
        return reason
    entry = session.get(WaitlistEntry, entry_id)
    assert entry is not None  # recheck_offer said it is open
    deadline = waitlist.offer_deadline(session, entry, now)
    studio = studio_of(session)
    view = session_view_by_id(session, entry.session_id, ZoneInfo(studio.timezone))
    if view is None:
        return "the class is gone"
    words = Words(studio_view(studio), row.channel)
    broadcast = load_policy(session).waitlist_mode == "broadcast"
    old = row.body
    row.body = words.broadcast_offer(view, deadline) if broadcast else words.offer(view, deadline)
    if row.content_variables == {"1": old}:  # a WhatsApp template carrying the old words
        row.content_variables = {"1": row.body}
    row.valid_until = deadline  # the carrier may not deliver it after the offer has run out
    return None


def sent(session: Session, row: OutboxMessage, now: datetime) -> None:
    entry_id = send_rules.about_id(row, "waitlist_entry")
    if entry_id is not None:
        waitlist.offer_delivered(session, entry_id, now)


RULE = SendRule(still_true=still_true, sent=sent)

ENROLLED = "waitlist_enrolled"


def enrolment_text(session: Session, booking: Booking, words: Words, view: SessionView, now: datetime) -> str:
    """The "you're booked" text of an auto-enrolment as it reads when it goes at ``now``: free to
    cancel for the studio's offer minutes after it (or until the usual deadline when later),
    then the studio's late-cancel rule."""
    policy = load_policy(session)
    class_session = rows.row(session, ClassSession, booking.session_id)
    b = credits.balance(session, booking.client_id)
    balance = BalanceView(b.credits, b.unlimited, b.expires_at.astimezone(words.tz) if b.expires_at else None, b.owed)
    late_fee = Decimal(policy.late_cancel_fee or 0) if policy.late_cancel == "fee" else Decimal("0")
    return words.waitlist_enrolled(
        view,
        balance,
        minutes=policy.waitlist_offer_minutes or 0,
        free_until=free_cancel_deadline(policy, class_session),
        now=now,
        consequence=policy.late_cancel,
        fee=late_fee,
        fees=fees_charged(policy),
    )


def _enrolled_booking(session: Session, row: OutboxMessage) -> tuple[WaitlistEntry, Booking] | None:
    entry_id = send_rules.about_id(row, "waitlist_entry")
    entry = session.get(WaitlistEntry, entry_id) if entry_id is not None else None
    booking = session.get(Booking, entry.booking_id) if entry is not None and entry.booking_id else None
    return (entry, booking) if entry is not None and booking is not None else None


def enrolled_still_true(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Goes only while the booking stands and the class has not started; written again from now
    (its free-cancel grace counts from when it goes)."""
    found = _enrolled_booking(session, row)
    if found is None:
        return None  # written before enrolment texts named their entry: send as written
    _, booking = found
    if booking.status != "confirmed":
        return f"the booking is no longer confirmed ({booking.status.replace('_', ' ')})"
    class_session = rows.row(session, ClassSession, booking.session_id)
    if class_session.status != "scheduled" or class_session.starts_at <= now:
        return "the class has started or was cancelled"
    studio = studio_of(session)
    view = session_view_by_id(session, booking.session_id, ZoneInfo(studio.timezone))
    if view is None:
        return "the class is gone"
    old = row.body
    row.body = enrolment_text(session, booking, Words(studio_view(studio), row.channel), view, now)
    if row.content_variables == {"1": old}:  # a WhatsApp template carrying the old words
        row.content_variables = {"1": row.body}
    return None


def enrolled_sent(session: Session, row: OutboxMessage, now: datetime) -> None:
    """The free-cancel grace of the enrolment starts now (``booking.enrolment_texted``)."""
    found = _enrolled_booking(session, row)
    if found is not None:
        booking_svc.enrolment_texted(session, found[0].id, now)


ENROLLED_RULE = SendRule(still_true=enrolled_still_true, sent=enrolled_sent)


def register() -> None:
    send_rules.register(KIND, RULE)
    send_rules.register(ENROLLED, ENROLLED_RULE)
