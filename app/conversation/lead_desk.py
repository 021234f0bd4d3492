"""``SqlLeadDesk``: the intro-lead part of the bot's port, over ``app.booking.leads``.

The dialogue (``bot.dialogue.intro`` and ``bot.dialogue.matching``) reaches it as
``desk.leads()``. Each acting method is one use case inside the turn's one transaction (the
engine commits); a refused use case has undone its own writes (``use_case``), and the
refusal comes back as an ``Outcome`` kind for the dialogue to put into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app import clock
from app.booking import leads
from app.booking.appointments import book_appointment, free_slots
from app.booking.errors import BookingError
from app.models import (
    Booking,
    BookingRequest,
    ClassSession,
    IntroOffer,
    Lead,
    LeadMatch,
    Location,
    OutboxMessage,
    Staff,
)
from app.notify.leads import next_offer_key
from app.payments.checkout import start_checkout
from app.payments.errors import PaymentError
from bot.desk import Outcome
from bot.nlu.catalog import NamedEntry
from bot.replies import Words

NEXT_CHOICES = 3
NEXT_OFFER_OPEN = timedelta(days=3)  # a YES after that is read as anything else


class SqlLeadDesk:
    def __init__(self, desk) -> None:  # app.conversation.desk.SqlDesk
        self.desk = desk
        self.db = desk.db

    # ------------------------------------------------------------------ prospects
    def offer_links(self) -> Outcome:
        """A lead and a checkout link per active intro offer (at most three); none when a
        checkout can't be started (then no lead is kept either)."""
        offers = self.db.scalars(
            select(IntroOffer).where(IntroOffer.active.is_(True)).order_by(IntroOffer.price, IntroOffer.id).limit(3)
        ).all()
        if not offers:
            return Outcome(False, "none")
        client = self.desk.client()
        form = leads.LeadForm(
            name=(client.name if client and client.name else "New client"),
            phone=self.desk.phone,
            email=client.email if client else None,
        )
        links: list[tuple[str, Decimal, str]] = []
        try:
            with self.db.begin_nested():  # all the links or none: a failed checkout undoes the leads made
                for offer in offers:
                    lead = self.db.scalars(
                        select(Lead).where(
                            Lead.phone == self.desk.phone, Lead.status == "new", Lead.intro_offer_id == offer.id
                        )
                    ).first()
                    if lead is None:
                        lead = leads.create_lead(self.db, offer, form)
                    payment = start_checkout(self.db, item=offer, client_id=lead.client_id, lead_id=lead.id)
                    links.append((offer.name, offer.price, payment.checkout_url))
        except PaymentError:
            return Outcome(False, "unavailable")
        return Outcome(True, "links", {"offers": links})

    def awaiting_preferences(self) -> dict[str, Any] | None:
        lead = leads.awaiting_preferences(self.db, self.desk.phone)
        if lead is None:
            return None
        locations = [NamedEntry(loc.id, loc.name) for loc in self.db.scalars(select(Location).order_by(Location.id))]
        keys = [
            NamedEntry(loc.id, loc.key)
            for loc in self.db.scalars(select(Location).order_by(Location.id))
            if loc.key.lower() != loc.name.lower()
        ]
        return {
            "id": lead.id,
            "prefs": dict(lead.preferences or {}),
            "goals": lead.goals,
            "locations": locations,
            "aliases": keys,
        }

    def save_preferences(self, lead_id: int, prefs: dict[str, Any]) -> None:
        leads.save_preferences(self.db, lead_id, prefs)

    def preferences_in(self, lead_id: int, prefs: dict[str, Any]) -> None:
        leads.preferences_in(self.db, lead_id, prefs)

    # ------------------------------------------------------------------ owners
    def open_question(self, lead_name: str | None = None) -> int | None:
        match = leads.open_question(self.db, lead_name)
        return match.id if match is not None else None

    def _proposed(self, request: BookingRequest) -> Outcome:
        staff = self.db.get(Staff, request.staff_id)
        lead = self.db.get(Lead, request.lead_id)
        location = self.db.get(Location, request.location_id)
        return Outcome(
            True,
            "asked",
            {
                "instructor": staff.name,
                "lead": Words.short_name(lead.name),
                "at": request.proposed_start,
                "location": location.name,
            },
        )

    def choose_option(self, match_id: int, number: int) -> Outcome:
        try:
            request = leads.choose_option(self.db, match_id, number, actor=self._actor())
        except leads.MatchRefused as exc:
            return _refused(exc)
        return self._proposed(request)

    def choose_slot(self, match_id: int, staff_id: int, starts: Sequence[datetime]) -> Outcome:
        match = self.db.get(LeadMatch, match_id)
        if match is None:
            return Outcome(False, "no_open")
        try:
            request = leads.choose_slot(self.db, match.lead_id, staff_id, starts, actor=self._actor())
        except leads.MatchRefused as exc:
            return _refused(exc)
        return self._proposed(request)

    def _actor(self) -> str:
        return f"staff:{self.desk.person.staff_id}"

    # ------------------------------------------------------------------ instructors
    def pending_requests(self) -> int:
        if self.desk.person.staff_id is None:
            return 0
        return len(leads.pending_requests(self.db, self.desk.person.staff_id))

    def answer_request(self, nth: int, accept: bool) -> Outcome:
        pending = leads.pending_requests(self.db, self.desk.person.staff_id)
        if not 1 <= nth <= len(pending):
            return Outcome(False, "range", {"count": len(pending)})
        try:
            answered = leads.answer_request(self.db, pending[nth - 1].id, accept, actor=self._actor())
        except leads.MatchRefused as exc:
            return Outcome(False, exc.kind)
        return Outcome(
            True,
            answered.kind,
            {"lead": Words.short_name(answered.lead_name), "at": answered.starts_at, "location": answered.location},
        )

    # ------------------------------------------------------------------ the next session
    def next_session_offer(self) -> dict[str, Any] | None:
        """The lead's offer to book again with their first instructor, if it was sent and is open."""
        lead = self.db.scalars(
            select(Lead).where(Lead.phone == self.desk.phone, Lead.status == "attended").order_by(Lead.id.desc())
        ).first()
        if lead is None or lead.staff_id is None:
            return None
        sent = self.db.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.dedupe_key == next_offer_key(lead.id),
                OutboxMessage.created_at >= clock.now() - NEXT_OFFER_OPEN,
            )
        ).first()
        if sent is None:
            return None
        booked_again = self.db.scalars(
            select(ClassSession.id)
            .join(Booking, Booking.session_id == ClassSession.id)
            .where(
                Booking.client_id == lead.client_id,
                Booking.status == "confirmed",
                ClassSession.instructor_id == lead.staff_id,
                ClassSession.starts_at > clock.now(),
            )
        ).first()
        if booked_again is not None:
            return None
        return {"lead_id": lead.id, "staff_id": lead.staff_id, "instructor": self.db.get(Staff, lead.staff_id).name}

    def next_session_times(self, lead_id: int) -> tuple[list[datetime], str]:
        """Up to three free slots with the first instructor, at the first session's location;
        the same time a week after the first session comes first when it is free."""
        lead = self.db.get(Lead, lead_id)
        first = self._first_session(lead)
        offer = self.db.get(IntroOffer, lead.intro_offer_id)
        now = clock.now()
        slots = free_slots(
            self.db,
            offer.class_type_id,
            start=now,
            end=now + timedelta(days=14),
            staff_id=lead.staff_id,
            location_id=first.location_id,
        )
        times = [s.starts_at for s in slots]
        again = first.starts_at + timedelta(days=7)
        while again <= now:
            again += timedelta(days=7)
        ordered = ([again] if again in times else []) + [t for t in times if t != again]
        return [t.astimezone(self.desk.tz) for t in ordered[:NEXT_CHOICES]], self.db.get(
            Location, first.location_id
        ).name

    def _first_session(self, lead: Lead) -> ClassSession:
        request = self.db.scalars(
            select(BookingRequest)
            .where(BookingRequest.lead_id == lead.id, BookingRequest.status == "booked")
            .order_by(BookingRequest.id)
        ).first()
        return self.db.get(ClassSession, request.session_id)

    def book_next(self, lead_id: int, at: datetime) -> Outcome:
        lead = self.db.get(Lead, lead_id)
        first = self._first_session(lead)
        offer = self.db.get(IntroOffer, lead.intro_offer_id)
        staff = self.db.get(Staff, lead.staff_id)
        location = self.db.get(Location, first.location_id)
        try:
            book_appointment(
                self.db,
                lead.client_id,
                offer.class_type_id,
                lead.staff_id,
                first.location_id,
                at,
                source=self.desk.channel,
                actor=f"client:{self.desk.phone}",
            )
        except BookingError as exc:
            return Outcome(False, "gone", {"reason": str(exc)})
        left = leads.intro_sessions_left(self.db, lead.client_id)
        return Outcome(True, "booked", {"instructor": staff.name, "at": at, "location": location.name, "left": left})


def _refused(exc: leads.MatchRefused) -> Outcome:
    """An owner's pick that can't be acted on; a refusal about the lead names them short ("Jane D.")."""
    reason = Words.short_name(exc.lead_name) if exc.lead_name is not None else exc.reason
    return Outcome(False, exc.kind, {"reason": reason})


__all__ = ["SqlLeadDesk"]
