"""Intro-offer leads: from a form or a text, through payment, to a first 1:1 session.

The lifecycle (``Lead.status``): new -> paid -> preferences -> matched -> booked ->
attended -> converted. Use cases here join the caller's transaction unless they say
they commit; every text they cause is an outbox row with a dedupe key naming the event,
so a retried call sends nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits
from app.booking.errors import InvalidRequest, NotFound
from app.messaging.outbox import enqueue
from app.models import Client, IntroOffer, Lead, Location, Studio
from bot.replies import Words

STAGES = ("new", "paid", "preferences", "matched", "booked", "attended", "converted")
OPEN_FOR_MATCHING = ("paid", "preferences")


@dataclass(frozen=True)
class LeadForm:
    """What a prospect gives us: checked by ``create_lead``; phone already E.164."""

    name: str
    phone: str
    email: str | None = None
    goals: str | None = None


def studio_of(session: Session) -> Studio:
    studio_id = session.info.get("frontdesk.studio_id")
    if studio_id is None:
        raise RuntimeError("lead use cases run in a studio session")
    return session.get(Studio, studio_id)


def words_for(session: Session, channel: str = "sms") -> Words:
    from app.conversation.desk import studio_view

    return Words(studio_view(studio_of(session)), channel)


def text_client(session: Session, client: Client, *, key: str, kind: str, body_for) -> None:
    """Queue a text to a client on the channel they last used (SMS if never)."""
    from app.conversation.notify import _to, channel_for, sender

    studio = studio_of(session)
    channel = channel_for(session, client.phone)
    body = body_for(words_for(session, channel))
    enqueue(session, dedupe_key=key, kind=kind, to_addr=_to(channel, client.phone), body=body, channel=channel,
            client_id=client.id, from_addr=sender(studio, channel))


def create_lead(session: Session, offer: IntroOffer, form: LeadForm) -> Lead:
    """A new lead for ``offer`` (joins the caller's transaction; the caller commits)."""
    if not form.name.strip():
        raise InvalidRequest("a lead needs a name")
    if not offer.active:
        raise InvalidRequest(f"{offer.name} is no longer offered")
    lead = Lead(name=form.name.strip(), phone=form.phone, email=(form.email or None), goals=(form.goals or None),
                intro_offer_id=offer.id, status="new", preferences={})
    client = session.scalars(select(Client).where(Client.phone == form.phone)).first()
    if client is not None:
        lead.client_id = client.id
    session.add(lead)
    session.flush()
    return lead


def _client_for(session: Session, lead: Lead) -> Client:
    client = session.get(Client, lead.client_id) if lead.client_id else None
    if client is None:
        client = session.scalars(select(Client).where(Client.phone == lead.phone)).first()
    if client is None:
        client = Client(phone=lead.phone, name=lead.name, email=lead.email)
        session.add(client)
        session.flush()
    else:
        client.name = client.name or lead.name
        client.email = client.email or lead.email
    return client


def lead_paid(session: Session, lead_id: int, *, paid_at: datetime) -> None:
    """The lead paid for its intro offer. Idempotent; the caller commits and kicks delivery.

    Marks the lead paid, links (or creates) the client for its phone, grants the offer's
    sessions as credits for the offer's class type only, and queues the first text asking
    for location, days and times, and goals (dedupe key ``intro:welcome:lead:<id>``).
    Raises ``NotFound`` for an unknown lead (or one of another studio) and
    ``InvalidRequest`` when the lead has no offer to grant.
    """
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    if lead.paid_at is not None:
        return
    offer = session.get(IntroOffer, lead.intro_offer_id) if lead.intro_offer_id else None
    if offer is None:
        raise InvalidRequest("this lead has no intro offer to grant")
    client = _client_for(session, lead)
    lead.client_id = client.id
    lead.paid_at = paid_at
    if lead.status == "new":
        lead.status = "paid"
    # A non-committing ledger primitive: the grant commits with the payment or not at all.
    credits._open_pack(session, client.id, name=offer.name, kind="intro", credits=offer.sessions, valid_days=None,
                       class_type_id=offer.class_type_id, package_id=None, source="intro", actor="payment")
    locations = [loc.name for loc in session.scalars(select(Location).order_by(Location.id))]
    first = (lead.name or "").split(" ")[0] or None
    text_client(session, client, key=f"intro:welcome:lead:{lead.id}", kind="intro_welcome",
                body_for=lambda w: w.intro_welcome(first, offer.name, locations))
    session.flush()
