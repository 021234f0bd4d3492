"""Who a text goes to and from: the one place for the channel and WhatsApp address rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Client, Conversation, Studio


def channel_for(session: Session, phone: str) -> str:
    """The channel the client last talked to us on; ``"sms"`` when they never have."""
    last = session.scalars(
        select(Conversation.channel).where(Conversation.phone == phone).order_by(Conversation.updated_at.desc())
    ).first()
    return last if last is not None else "sms"


def address(channel: str, phone: str) -> str:
    """Twilio's address for ``phone`` (E.164) on ``channel``: ``whatsapp:+44…`` or ``+44…``."""
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def sender(studio: Studio, channel: str) -> str | None:
    """The studio's number on ``channel`` (None when it has none there)."""
    if channel == "whatsapp":
        return address("whatsapp", studio.whatsapp_number) if studio.whatsapp_number else None
    return studio.sms_number


def studio_of(session: Session) -> Studio:
    """The studio of a studio-scoped session. Raises ``RuntimeError`` in any other session."""
    studio_id = session.info.get("frontdesk.studio_id")
    if studio_id is None:
        raise RuntimeError("texts are written in a studio session")
    studio = session.get(Studio, studio_id)
    assert studio is not None
    return studio


def route(session: Session, client: Client) -> tuple[str, str, str | None]:
    """(channel, to, from) for texting ``client`` where they last talked to us; by SMS instead
    when they opted out of WhatsApp only (a STOP on one channel is not a STOP on both)."""
    channel = channel_for(session, client.phone)
    if channel == "whatsapp" and client.opted_out("whatsapp") and not client.opted_out("sms"):
        channel = "sms"
    return channel, address(channel, client.phone), sender(studio_of(session), channel)
