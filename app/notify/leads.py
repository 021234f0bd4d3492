"""Lead events into texts: the welcome to a lead who paid, numbered questions and reminders
to owners and managers, requests to instructors, the booked notices, the next-session offer.

Handlers run inside the transaction that recorded the event, so a text commits with the
change or not at all; each dedupe key names the event, so a replay adds nothing. Texts to
clients go where they last talked to us (``addressing.route``); texts to staff go by SMS
from the studio's number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import events as ev
from app.booking import leads
from app.booking.rows import row
from app.messaging.outbox import enqueue
from app.models import (
    BookingRequest,
    Client,
    IntroOffer,
    Lead,
    LeadMatch,
    Location,
    OutboxMessage,
    Staff,
)
from app.notify.addressing import route, studio_of
from app.notify.staff import reachable_staff
from app.notify.views import studio_view
from bot.nlu.preferences import when_label
from bot.replies import Words

MATCHERS = ("owner", "manager")  # who decides matches (and is told how they went)


def words_for(session: Session, channel: str = "sms") -> Words:
    """The studio's words on ``channel``, for the studio of a studio session."""
    return Words(studio_view(studio_of(session)), channel)


def next_offer_key(lead_id: int) -> str:
    """The dedupe key of a lead's next-session offer (the dialogue checks it was sent)."""
    return f"intro:next:lead:{lead_id}"


def _text_client(session: Session, client: Client, *, key: str, kind: str, body_for: Callable[[Words], str]) -> None:
    channel, to, sender = route(session, client)
    enqueue(
        session,
        dedupe_key=key,
        kind=kind,
        to_addr=to,
        body=body_for(words_for(session, channel)),
        channel=channel,
        client_id=client.id,
        from_addr=sender,
    )


def _text_staff(session: Session, member: Staff, *, key: str, kind: str, body: str) -> None:
    assert member.phone is not None, "staff are texted only when they have a phone"
    enqueue(
        session,
        dedupe_key=key,
        kind=kind,
        to_addr=member.phone,
        body=body,
        channel="sms",
        staff_id=member.id,
        from_addr=studio_of(session).sms_number,
    )


def _option_line(session: Session, words: Words, option: dict[str, Any]) -> str:
    staff = row(session, Staff, option["staff_id"])
    location = row(session, Location, option["location_id"])
    return words.intro_option(staff.name, datetime.fromisoformat(option["starts_at"]), location.name)


def _lead_where(session: Session, lead: Lead) -> tuple[str, str]:
    prefs = lead.preferences or {}
    location = row(session, Location, prefs["location_id"]).name if prefs.get("location_id") else "any location"
    return location, when_label(prefs.get("days_label"), prefs.get("times_label"))


# --------------------------------------------------------------------------- handlers


def lead_paid(session: Session, event: ev.LeadPaid) -> None:
    """Welcome the lead and ask for location, days and times, and goals."""
    lead = row(session, Lead, event.lead_id)
    client = row(session, Client, event.client_id)
    offer = row(session, IntroOffer, lead.intro_offer_id)
    locations = [loc.name for loc in session.scalars(select(Location).order_by(Location.id))]
    first = (lead.name or "").split(" ")[0] or None
    _text_client(
        session,
        client,
        key=f"intro:welcome:lead:{lead.id}",
        kind="intro_welcome",
        body_for=lambda w: w.intro_welcome(first, offer.name, locations),
    )


def _why_back(session: Session, words: Words, lead: Lead, event: ev.OwnersAsked) -> str | None:
    if event.because is None:
        return None
    if event.because == "taken":
        return words.intro_taken_reason(lead.name)
    request = row(session, BookingRequest, event.request_id)
    staff = row(session, Staff, request.staff_id)
    if event.because == "declined":
        return words.intro_declined_reason(staff.name, lead.name)
    return words.intro_expired_reason(staff.name, lead.name)


def owners_asked(session: Session, event: ev.OwnersAsked) -> None:
    """The question's numbered options to every owner and manager with a phone."""
    lead = row(session, Lead, event.lead_id)
    match = row(session, LeadMatch, event.match_id)
    words = words_for(session)
    location, when = _lead_where(session, lead)
    lines = [_option_line(session, words, o) for o in match.options]
    reason = _why_back(session, words, lead, event)
    body = words.intro_owner_options(lead.name, location, when, lead.goals, lines, reason)
    for member in reachable_staff(session, MATCHERS):
        _text_staff(
            session, member, key=f"intro:options:match:{match.id}:staff:{member.id}", kind="intro_options", body=body
        )


def instructor_asked(session: Session, event: ev.InstructorAsked) -> None:
    """The instructor (when they have a phone) is asked to reply Y or N."""
    request = row(session, BookingRequest, event.request_id)
    staff = row(session, Staff, request.staff_id)
    if not staff.phone:
        return
    lead = row(session, Lead, request.lead_id)
    location = row(session, Location, request.location_id)
    assert request.proposed_start is not None, "a lead's request is made with its time (leads.propose)"
    _text_staff(
        session,
        staff,
        key=f"intro:request:{request.id}",
        kind="intro_request",
        body=words_for(session).intro_instructor_request(
            Words.short_name(lead.name), request.proposed_start, location.name
        ),
    )


def intro_booked(session: Session, event: ev.IntroBooked) -> None:
    """The client gets the time, place and intro sessions left; the owners get who took whom."""
    request = row(session, BookingRequest, event.request_id)
    lead = row(session, Lead, request.lead_id)
    staff = row(session, Staff, request.staff_id)
    location = row(session, Location, request.location_id)
    client = row(session, Client, request.client_id)
    at = request.proposed_start
    assert at is not None, "a lead's request is made with its time (leads.propose)"
    _text_client(
        session,
        client,
        key=f"intro:booked:request:{request.id}",
        kind="intro_booked",
        body_for=lambda w: w.intro_client_booked(staff.name, at, location.name, location.address, event.sessions_left),
    )
    body = words_for(session).intro_owner_booked(staff.name, Words.short_name(lead.name), at, location.name)
    for member in reachable_staff(session, MATCHERS):
        _text_staff(
            session, member, key=f"intro:booked:request:{request.id}:staff:{member.id}", kind="intro_booked", body=body
        )


def next_session_offered(session: Session, event: ev.NextSessionOffered) -> None:
    """Offer the lead the next session with their first instructor."""
    lead = row(session, Lead, event.lead_id)
    client = row(session, Client, lead.client_id)
    staff = row(session, Staff, lead.staff_id)
    _text_client(
        session,
        client,
        key=next_offer_key(lead.id),
        kind="intro_next",
        body_for=lambda w: w.intro_next_offer(staff.name),
    )


HANDLERS: dict[type, Callable[[Session, Any], None]] = {
    ev.LeadPaid: lead_paid,
    ev.OwnersAsked: owners_asked,
    ev.InstructorAsked: instructor_asked,
    ev.IntroBooked: intro_booked,
    ev.NextSessionOffered: next_session_offered,
}


# --------------------------------------------------------------------------- reminders (a sweep, not an event)


def remind_owners(session: Session) -> int:
    """Remind the owners of paid leads still without an instructor. Returns texts queued.

    The core says which reminders are due (``leads.escalations_due``); each reminder's
    dedupe key (``intro:escalate:<stage>:lead:<id>:staff:<id>``) makes it once only,
    however often the sweep runs."""
    now = clock.now()
    words = words_for(session)
    queued = 0
    for lead, stage in leads.escalations_due(session):
        question = leads.open_match(session, lead.id)
        lines = [_option_line(session, words, o) for o in question.options] if question else []
        assert lead.paid_at is not None, "reminders are about paid leads (escalations_due)"
        ago = int((now - lead.paid_at).total_seconds() // 3600)
        body = words.intro_owner_reminder(lead.name, ago, lines)
        for member in reachable_staff(session, MATCHERS):
            key = f"intro:escalate:{stage}:lead:{lead.id}:staff:{member.id}"
            before = session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first()
            if before is None:
                _text_staff(session, member, key=key, kind="intro_reminder", body=body)
                queued += 1
    return queued
