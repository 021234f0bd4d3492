"""Texts to staff: hand-offs and alerts to the people who run the studio."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.messaging.outbox import enqueue
from app.models import Staff, Studio
from app.notify.views import studio_view
from bot.desk import Person
from bot.replies import Words

DESK_ROLES = ("owner", "manager", "front_desk")  # who hears a client's hand-off
OWNERS = ("owner", "manager")  # who hears about money and the day's figures


def reachable_staff(session: Session, roles: tuple[str, ...] = DESK_ROLES) -> list[Staff]:
    """Active staff in ``roles`` with a phone, oldest first: who is texted about a client."""
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.role.in_(roles), Staff.active.is_(True), Staff.phone.is_not(None))
            .order_by(Staff.id)
        )
    )


def forward_to_staff(session: Session, studio: Studio, person: Person, phone: str, text: str) -> bool:
    """A client asked for a person: text the desk staff. False when nobody has a phone."""
    staff = reachable_staff(session)
    if not staff:
        return False
    words = Words(studio_view(studio), "sms")
    who = person.client_name or "A client"
    stamp = clock.now().strftime("%Y%m%d%H%M%S")
    for member in staff:
        assert member.phone is not None, "reachable_staff gives staff with a phone"
        enqueue(
            session,
            dedupe_key=f"handoff:{phone}:{stamp}:staff:{member.id}",
            kind="handoff",
            to_addr=member.phone,
            body=words.staff_forward(who, phone, text),
            channel="sms",
            staff_id=member.id,
            from_addr=studio.sms_number,
        )
    return True
