"""Booking events into texts to clients: who is told what, through which channel.

Each handler runs inside the transaction that recorded the event, so the text commits
with the change or not at all; dedupe keys name the event, so a replay adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import events as ev
from app.booking import waitlist
from app.messaging.outbox import enqueue
from app.messaging.send_rules import about as about_row
from app.models import Booking, ClassSession, Client, Conversation, Location, WaitlistEntry
from app.notify import offer_rules
from app.notify.addressing import route, studio_of
from app.notify.views import session_view, session_view_by_id, studio_view
from bot.desk import SessionView
from bot.dialogue.base import State
from bot.replies import Words

ClientEvent = (
    ev.WaitlistOffered
    | ev.WaitlistEnrolled
    | ev.WaitlistSkipped
    | ev.OfferExpired
    | ev.SpotGone
    | ev.PenaltyWaived
    | ev.WaitlistDropped
)


def _text(session: Session, client: Client, *, key: str, kind: str, body: str, about: str, valid_until=None) -> None:
    channel, to, sender = route(session, client)
    enqueue(
        session,
        dedupe_key=key,
        kind=kind,
        to_addr=to,
        body=body,
        channel=channel,
        client_id=client.id,
        from_addr=sender,
        valid_until=valid_until,
        about=about,
    )


def _about(session: Session, event: ClientEvent) -> tuple[Client, Words, SessionView] | None:
    client = session.get(Client, event.client_id)
    if client is None:
        return None
    studio = studio_of(session)
    channel, _, _ = route(session, client)
    view = session_view_by_id(session, event.session_id, ZoneInfo(studio.timezone))
    assert view is not None
    return client, Words(studio_view(studio), channel), view


def _offered_at(session: Session, entry_id: int):
    """When this offer was made (an entry offered again after a broadcast spot went gets a new text)."""
    entry = session.get(WaitlistEntry, entry_id)
    return entry.offered_at if entry is not None and entry.offered_at is not None else clock.now()


def waitlist_offered(session: Session, event: ev.WaitlistOffered) -> None:
    """The offer text. Its reply-by time is re-counted from when it actually goes and the
    claim window starts then (``app.notify.offer_rules``), so it has no ``valid_until``:
    the send-time check decides whether it may still go."""
    about = _about(session, event)
    if about is None:
        return
    client, words, view = about
    body = words.broadcast_offer(view, event.expires_at) if event.broadcast else words.offer(view, event.expires_at)
    _text(
        session,
        client,
        key=f"offer:entry:{event.entry_id}:{_offered_at(session, event.entry_id):%Y%m%d%H%M%S%f}",
        kind="waitlist_offer",
        body=body,
        about=about_row("waitlist_entry", event.entry_id),
    )


def waitlist_enrolled(session: Session, event: ev.WaitlistEnrolled) -> None:
    """Auto-enrolment: "you're booked", free to cancel for a while after this text goes. The
    text is re-written and its grace starts when it actually goes (``app.notify.offer_rules``)."""
    if about := _about(session, event):
        client, words, view = about
        booking = session.get(Booking, event.booking_id)
        assert booking is not None
        _text(
            session,
            client,
            key=f"enrolled:entry:{event.entry_id}",
            kind="waitlist_enrolled",
            body=offer_rules.enrolment_text(session, booking, words, view, clock.now()),
            about=about_row("waitlist_entry", event.entry_id),
        )


def waitlist_skipped(session: Session, event: ev.WaitlistSkipped) -> None:
    """Told why the spot went past them; a client skipped because they cannot be texted is not texted."""
    if event.reason == waitlist.UNREACHABLE:
        return
    if about := _about(session, event):
        client, words, view = about
        body = words.skipped_overlap(view) if event.reason == waitlist.OVERLAP else words.skipped(view, event.reason)
        _text(
            session,
            client,
            key=f"skipped:entry:{event.entry_id}",
            kind="waitlist_skipped",
            body=body,
            about=about_row("waitlist_entry", event.entry_id),
        )


def offer_expired(session: Session, event: ev.OfferExpired) -> None:
    """An offer that ran out. Passed on: the client is told so. Nobody else got it: the spot
    is still open, and the client's conversation then expects YES to book it."""
    if about := _about(session, event):
        client, words, view = about
        _text(
            session,
            client,
            key=f"lapsed:entry:{event.entry_id}",
            kind="offer_expired",
            body=words.offer_lapsed_notice(view) if event.passed_on else words.offer_ended(view),
            about=about_row("waitlist_entry", event.entry_id),
        )
        if not event.passed_on:
            class_session = session.get(ClassSession, event.session_id)
            assert class_session is not None
            _expect(session, client, State.CONFIRM_BOOK, {"session_id": event.session_id}, class_session.starts_at)


def spot_gone(session: Session, event: ev.SpotGone) -> None:
    if about := _about(session, event):
        client, words, view = about
        _text(
            session,
            client,
            key=f"spot_gone:entry:{event.entry_id}:{clock.now():%Y%m%d%H%M%S}",
            kind="spot_gone",
            body=words.spot_gone(view),
            about=about_row("waitlist_entry", event.entry_id),
        )


def penalty_waived(session: Session, event: ev.PenaltyWaived) -> None:
    if about := _about(session, event):
        client, words, view = about
        _text(
            session,
            client,
            key=f"forgiven:booking:{event.booking_id}",
            kind="late_cancel_forgiven",
            body=words.forgiven(view),
            about=about_row("booking", event.booking_id),
        )


def waitlist_dropped(session: Session, event: ev.WaitlistDropped) -> None:
    """Auto mode: one text for the waitlists the client came off because they clash."""
    if about := _about(session, event):
        client, words, view = about
        tz = ZoneInfo(studio_of(session).timezone)
        dropped = [session_view_by_id(session, sid, tz) for sid in event.dropped_session_ids]
        _text(
            session,
            client,
            key=f"dropped:entry:{event.entry_ids[0]}:session:{event.session_id}",
            kind="waitlist_dropped",
            body=words.waitlists_dropped(view, [d for d in dropped if d is not None]),
            about=about_row("waitlist_entry", event.entry_ids[0]),
        )


def session_cancelled(session: Session, event: ev.SessionCancelled) -> None:
    """Everyone booked or waiting is told once."""
    studio = studio_of(session)
    tz = ZoneInfo(studio.timezone)
    class_session = session.get(ClassSession, event.session_id)
    assert class_session is not None
    client_ids = [session.get(Booking, b).client_id for b in event.booking_ids]  # type: ignore[union-attr]
    client_ids += [session.get(WaitlistEntry, w).client_id for w in event.waitlist_entry_ids]  # type: ignore[union-attr]
    for client_id in dict.fromkeys(client_ids):
        client = session.get(Client, client_id)
        assert client is not None
        channel, _, _ = route(session, client)
        view = session_view(session, class_session, tz)
        _text(
            session,
            client,
            key=f"session_cancelled:{class_session.id}:client:{client.id}",
            kind="session_cancelled",
            body=Words(studio_view(studio), channel).session_cancelled(view),
            about=about_row("session", class_session.id),
        )


def session_moved(session: Session, event: ev.SessionMoved) -> None:
    """Tell each booked client (and each one waiting) the new time, in the location's
    timezone. A booked client's conversation then expects "C": it cancels that booking,
    free of charge because the studio moved it (see ``policies.cancel_terms``)."""
    studio = studio_of(session)
    class_session = session.get(ClassSession, event.session_id)
    assert class_session is not None
    location = session.get(Location, class_session.location_id)
    assert location is not None
    local = replace(studio_view(studio), timezone=location.timezone)
    view = session_view(session, class_session, ZoneInfo(studio.timezone))
    now = clock.now()
    told: list[tuple[Booking | WaitlistEntry | None, str]] = [
        (session.get(Booking, b), "booking") for b in event.booking_ids
    ]
    told += [(session.get(WaitlistEntry, w), "waitlist") for w in event.waitlist_entry_ids]
    for row, what in told:
        assert row is not None
        client = session.get(Client, row.client_id)
        assert client is not None
        channel, _, _ = route(session, client)
        body = Words(local, channel).session_moved(view, event.old_starts_at, waiting=what == "waitlist")
        _text(
            session,
            client,
            key=f"moved:{class_session.id}:{event.version}:{what}:{row.id}",
            kind="session_moved",
            body=body,
            about=about_row("session", class_session.id),
            valid_until=class_session.starts_at,
        )
        if what != "booking":
            continue
        _expect(session, client, State.REMINDED, {"booking_id": row.id}, class_session.starts_at, now)


def _expect(
    session: Session, client: Client, state: State, context: dict, until: datetime, now: datetime | None = None
) -> None:
    """After a text that asks for a reply ("reply YES to book it", "C cancels"), the client's
    conversation expects it, until ``until``."""
    channel, _, _ = route(session, client)
    conv = session.scalars(
        select(Conversation).where(Conversation.phone == client.phone, Conversation.channel == channel)
    ).first()
    if conv is None:
        conv = Conversation(phone=client.phone, channel=channel, client_id=client.id)
        session.add(conv)
    conv.state, conv.context = state.value, context
    conv.expires_at, conv.updated_at = until, now or clock.now()


def booking_moved(session: Session, event: ev.BookingMoved) -> None:
    """Staff moved a client's booking (the admin's "Move booking"): the client is told the new
    class once. A client who moved it by text has the reply already: no second text."""
    if event.source in ("sms", "whatsapp"):
        return
    client = session.get(Client, event.client_id)
    if client is None:
        return
    studio = studio_of(session)
    tz = ZoneInfo(studio.timezone)
    old = session_view_by_id(session, event.from_session_id, tz)
    new = session_view_by_id(session, event.to_session_id, tz)
    assert old is not None and new is not None, "both classes of a move exist"
    channel, _, _ = route(session, client)
    words = Words(studio_view(studio), channel)
    was = f"{old.class_name} {words.when(old.starts_at)}"
    body = f"Your booking has moved: you're now booked into {words.session(new)} instead of {was}."
    new_session = session.get(ClassSession, event.to_session_id)
    _text(
        session,
        client,
        key=f"booking_moved:booking:{event.to_booking_id}",
        kind="booking_moved",
        body=words.out(body),
        about=about_row("booking", event.to_booking_id),
        valid_until=new_session.starts_at if new_session is not None else None,
    )


HANDLERS: dict[type, Callable[[Session, Any], None]] = {
    ev.WaitlistOffered: waitlist_offered,
    ev.WaitlistEnrolled: waitlist_enrolled,
    ev.WaitlistSkipped: waitlist_skipped,
    ev.OfferExpired: offer_expired,
    ev.SpotGone: spot_gone,
    ev.WaitlistDropped: waitlist_dropped,
    ev.PenaltyWaived: penalty_waived,
    ev.SessionCancelled: session_cancelled,
    ev.SessionMoved: session_moved,
    ev.BookingMoved: booking_moved,  # issue 13: staff moved a client's booking
}
