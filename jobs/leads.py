"""Intro leads, swept: unanswered instructor requests, owner reminders, next-session offers,
conversions. The database says what is due; every step is idempotent (outbox dedupe keys,
status changes), so running it late or twice sends nothing twice. The caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.booking import leads
from app.booking.working_hours import day_of, escalation_points, match_hours_of
from app.models import BookingRequest, Lead, Policy, Studio
from app.notify.leads import remind_owners


def run_leads(session: Session) -> int:
    """Everything due for one studio (a studio session). Returns how many things happened."""
    return (
        leads.expire_requests(session)
        + remind_owners(session)
        + leads.offer_next_sessions(session)
        + leads.mark_converted(session)
    )


def due_points(session: Session, after: datetime, until: datetime) -> list[datetime]:
    """Moments in (after, until] when lead work falls due, across studios (a system session):
    the simulator stops its clock there so texts go out when a real deployment sends them."""
    points = list(
        session.scalars(
            select(BookingRequest.respond_by).where(
                BookingRequest.status == "proposed",
                BookingRequest.respond_by > after,
                BookingRequest.respond_by <= until,
            )
        )
    )
    policies = {p.studio_id: p for p in session.scalars(select(Policy))}
    zones = dict(session.execute(select(Studio.id, Studio.timezone)).all())
    for lead in session.scalars(
        select(Lead).where(Lead.status.in_(leads.OPEN_FOR_MATCHING), Lead.paid_at.is_not(None))
    ):
        if lead.paid_at is None:  # the query asks for paid leads
            continue
        policy = policies.get(lead.studio_id)
        points += escalation_points(lead.paid_at, zones[lead.studio_id], day_of(policy), match_hours_of(policy))
    return [p for p in points if p is not None and after < p <= until]
