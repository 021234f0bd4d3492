"""Texts to staff: hand-offs and alerts to the people who run the studio."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking.events import RunningLate
from app.messaging.outbox import enqueue
from app.models import ClassSession, ClassType, Client, Staff, Studio
from app.notify.addressing import studio_of
from app.notify.views import studio_view
from bot.desk import Person
from bot.replies import Words, fit_sms

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


# --------------------------------------------------------------------------- running late (issue 13)


def instructor_reachable(staff: Staff | None) -> bool:
    """Can the class's instructor be texted: active, with a phone."""
    return staff is not None and staff.active and bool(staff.phone)


def late_text_key(booking_id: int) -> str:
    """One running-late text per booking, however often the client says so."""
    return f"late:booking:{booking_id}"


def running_late_text(words: Words, who: str, minutes: int | None, class_name: str, starts_at: datetime) -> str:
    """``Maria is running ~10 min late for Vinyasa Flow 18:00.``: GSM-7, one segment."""
    late = f"running ~{minutes} min late" if minutes else "running late"
    return fit_sms(f"{who} is {late} for {class_name} {words.time(starts_at)}.")


def running_late(session: Session, event: RunningLate) -> None:
    """Handler: text the class's instructor that a client is running late, when they can be
    reached (``instructor_reachable``); valid until the class ends, deduped per booking."""
    class_session = session.get(ClassSession, event.session_id)
    if class_session is None or class_session.instructor_id is None:
        return
    instructor = session.get(Staff, class_session.instructor_id)
    if not instructor_reachable(instructor):
        return
    assert instructor is not None and instructor.phone is not None, "instructor_reachable: a phone"
    client = session.get(Client, event.client_id)
    class_type = session.get(ClassType, class_session.class_type_id)
    studio = studio_of(session)
    who = ((client.name or "").split(" ")[0] or client.phone) if client is not None else "A client"
    words = Words(studio_view(studio), "sms")
    enqueue(
        session,
        dedupe_key=late_text_key(event.booking_id),
        kind="running_late",
        to_addr=instructor.phone,
        body=running_late_text(
            words, who, event.minutes, class_type.name if class_type else "class", class_session.starts_at
        ),
        channel="sms",
        staff_id=instructor.id,
        from_addr=studio.sms_number,
        valid_until=class_session.ends_at,
        about=f"booking:{event.booking_id}",
    )
