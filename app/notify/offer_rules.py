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
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.booking import waitlist
from app.booking.policies import load_policy
from app.messaging import send_rules
from app.messaging.send_rules import SendRule
from app.models import OutboxMessage, WaitlistEntry
from app.notify.addressing import studio_of
from app.notify.views import session_view_by_id, studio_view
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


def register() -> None:
    send_rules.register(KIND, RULE)
