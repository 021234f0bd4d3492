"""No-show review events into texts to clients (issue 11, "No-shows and fees").

``NoShowSettled``: the review window closed and the studio's rule applied; the client gets
ONE text saying what happened and how to dispute it. When the rule is a fee, the
``FeeCharged`` recorded just before it has already written the fee link (``fee:booking:<id>``,
still pending in this transaction): that text is reworded to say the same, link included,
so the client gets one text, not two. ``NoShowWaived`` after the client was told: they
hear it was waived. Each handler runs in the transaction that recorded the event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.booking import events as ev
from app.messaging import send_rules
from app.messaging.outbox import enqueue
from app.messaging.send_rules import SendRule
from app.models import Booking, Client, OutboxMessage, Payment
from app.notify import staff
from app.notify.addressing import route, studio_of
from app.notify.views import session_view_by_id, studio_view
from bot.replies import Words


def _words_for(session: Session, client: Client) -> tuple[Words, str, str, str | None]:
    studio = studio_of(session)
    channel, to, sender = route(session, client)
    return Words(studio_view(studio), channel), channel, to, sender


def no_show_settled(session: Session, event: ev.NoShowSettled) -> None:
    client = session.get(Client, event.client_id)
    if client is None:
        return
    words, channel, to, sender = _words_for(session, client)
    view = session_view_by_id(session, event.session_id, words.tz)
    assert view is not None, "a settled booking's class exists"
    if event.rule == "fee":
        fee_text = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"fee:booking:{event.booking_id}")
        ).first()
        payment = session.scalars(
            select(Payment)
            .where(Payment.kind == "fee", Payment.booking_id == event.booking_id, Payment.status == "open")
            .order_by(Payment.id.desc())
        ).first()
        if fee_text is not None and fee_text.status == "pending" and payment is not None:
            body = words.no_show_settled(view, event.rule, event.fee, event.credits_spent, payment.checkout_url)
            if body is not None:
                fee_text.body = body  # one text: what happened, the link, how to dispute it
            return
    body = words.no_show_settled(view, event.rule, event.fee, event.credits_spent)
    if body is None:
        return  # nothing was taken: nothing to tell
    enqueue(
        session,
        dedupe_key=f"no_show:booking:{event.booking_id}",
        kind="no_show_settled",
        to_addr=to,
        body=body,
        channel=channel,
        client_id=client.id,
        from_addr=sender,
        about=f"booking:{event.booking_id}",
    )


def no_show_waived(session: Session, event: ev.NoShowWaived) -> None:
    """Only a client already told of the penalty hears it was waived (a text still waiting,
    for quiet hours say, is dropped at send time instead: ``no_show_text_still_true``)."""
    if not event.settled:
        return
    told = session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key.in_((f"no_show:booking:{event.booking_id}", f"fee:booking:{event.booking_id}")),
            OutboxMessage.status.in_(("sent", "delivered")),
        )
    ).first()
    if told is None:
        return
    client = session.get(Client, event.client_id)
    if client is None:
        return
    words, channel, to, sender = _words_for(session, client)
    view = session_view_by_id(session, event.session_id, ZoneInfo(words.studio.timezone))
    assert view is not None, "a waived booking's class exists"
    enqueue(
        session,
        dedupe_key=f"no_show_waived:booking:{event.booking_id}",
        kind="no_show_waived",
        to_addr=to,
        body=words.no_show_waived(view),
        channel=channel,
        client_id=client.id,
        from_addr=sender,
        about=f"booking:{event.booking_id}",
    )


HANDLERS: dict[type, Callable[[Session, Any], None]] = {
    ev.NoShowSettled: no_show_settled,
    ev.NoShowWaived: no_show_waived,
    ev.RunningLate: staff.running_late,  # issue 13: the instructor hears a client is running late
}


def no_show_text_still_true(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Send-time check of a ``no_show_settled`` text (held by quiet hours, say): staff may
    have waived the no-show or checked the client in meanwhile."""
    booking_id = send_rules.about_id(row, "booking")
    booking = session.get(Booking, booking_id) if booking_id is not None else None
    if booking is None:
        return "the booking no longer exists"
    if booking.status != "no_show":
        return f"the booking is {booking.status.replace('_', ' ')} now"
    if booking.penalty_waived:
        return "the no-show was waived"
    return None


SEND_RULE = ("no_show_settled", SendRule(no_show_text_still_true))
