"""Intro-offer leads: from a form or a text, through payment, to a first 1:1 session.

The lifecycle (``Lead.status``): new -> paid -> preferences -> matched -> booked ->
attended -> converted. Use cases here run inside the caller's transaction (``use_case``)
and never commit: the outermost caller does. Whoever must be told something is told
through a recorded event (``app.booking.events``: ``LeadPaid``, ``OwnersAsked``,
``InstructorAsked``, ``IntroBooked``, ``NextSessionOffered``); the handlers write the texts.
Working-hours maths is in ``app.booking.working_hours``, the board's figures in
``app.booking.lead_board``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, matching
from app.booking.appointments import book_appointment, free_slots
from app.booking.atomic import use_case
from app.booking.errors import BookingError, InvalidRequest, NotFound
from app.booking.events import (
    InstructorAsked,
    IntroBooked,
    LeadPaid,
    NextSessionOffered,
    OwnersAsked,
    record,
)
from app.booking.policies import load_policy
from app.booking.rows import row
from app.booking.working_hours import (
    add_working_hours,
    day_of,
    escalation_stages,
    match_hours_of,
    reply_hours_of,
)
from app.models import (
    Booking,
    BookingRequest,
    ClassSession,
    ClassType,
    Client,
    ClientPackage,
    IntroOffer,
    Lead,
    LeadMatch,
    Location,
    Staff,
    Studio,
)
from app.tenancy import SCOPE

STAGES = ("new", "paid", "preferences", "matched", "booked", "attended", "converted")
OPEN_FOR_MATCHING = ("paid", "preferences")


@dataclass(frozen=True)
class LeadForm:
    """What a prospect gives us: checked by ``create_lead``; phone already E.164."""

    name: str
    phone: str
    email: str | None = None
    goals: str | None = None


def _studio(session: Session) -> Studio:
    studio_id = session.info.get(SCOPE)
    if studio_id is None:
        raise RuntimeError("lead use cases run in a studio session")
    return row(session, Studio, studio_id)


@use_case
def create_lead(session: Session, offer: IntroOffer, form: LeadForm) -> Lead:
    """A new lead for ``offer``."""
    if not form.name.strip():
        raise InvalidRequest("a lead needs a name")
    if not offer.active:
        raise InvalidRequest(f"{offer.name} is no longer offered")
    lead = Lead(
        name=form.name.strip(),
        phone=form.phone,
        email=(form.email or None),
        goals=(form.goals or None),
        intro_offer_id=offer.id,
        status="new",
        preferences={},
    )
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


@use_case
def lead_paid(session: Session, lead_id: int, *, paid_at: datetime) -> None:
    """The lead paid for its intro offer. Idempotent.

    Marks the lead paid, links (or creates) the client for its phone, grants the offer's
    sessions as credits for the offer's class type only, and records ``LeadPaid`` (the
    first text asks for location, days and times, and goals). Raises ``NotFound`` for an
    unknown lead (or one of another studio) and ``InvalidRequest`` when the lead has no
    offer to grant.
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
    # the ledger primitive, so the grant is the intro kind and source, for the offer's class type only
    credits._open_pack(
        session,
        client.id,
        name=offer.name,
        kind="intro",
        credits=offer.sessions,
        valid_days=None,
        class_type_id=offer.class_type_id,
        package_id=None,
        source="intro",
        actor="payment",
    )
    record(session, [LeadPaid(lead.id, client.id)])
    session.flush()


# --------------------------------------------------------------------------- preferences


class MatchRefused(BookingError):
    """An owner's or instructor's answer that can't be acted on; ``kind`` says why.

    ``lead_name`` names the lead when the refusal is about it (``already_matched``, ``unpaid``).
    """

    def __init__(self, kind: str, reason: str = "", *, lead_name: str | None = None) -> None:
        super().__init__(reason or kind)
        self.kind = kind  # no_open | range | already_matched | unpaid | slot | unknown_lead | no_request
        self.reason = reason
        self.lead_name = lead_name


def awaiting_preferences(session: Session, phone: str) -> Lead | None:
    """The paid lead of this phone still telling us what suits them."""
    return session.scalars(
        select(Lead).where(Lead.phone == phone, Lead.status == "paid").order_by(Lead.paid_at.desc(), Lead.id.desc())
    ).first()


@use_case
def save_preferences(session: Session, lead_id: int, prefs: dict[str, Any]) -> Lead:
    """Keep what the lead has told us so far."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    lead.preferences = dict(prefs)
    session.flush()
    return lead


@use_case
def preferences_in(session: Session, lead_id: int, prefs: dict[str, Any]) -> LeadMatch:
    """The lead told us everything: store it, rank instructors, ask the owners."""
    lead = session.scalars(select(Lead).where(Lead.id == lead_id).with_for_update()).first()
    if lead is None:
        raise NotFound("lead", lead_id)
    lead.preferences = dict(prefs)
    if prefs.get("goals"):
        if not lead.goals:
            lead.goals = prefs["goals"]
        elif prefs["goals"] not in lead.goals:
            lead.goals = f"{lead.goals}; {prefs['goals']}"[:1000]
    if lead.status == "paid":
        lead.status = "preferences"
    return ask_owners(session, lead)


def _excluded_staff(session: Session, lead: Lead) -> set[int]:
    return {
        staff_id
        for staff_id in session.scalars(
            select(BookingRequest.staff_id).where(
                BookingRequest.lead_id == lead.id, BookingRequest.status.in_(("declined", "expired"))
            )
        )
        if staff_id is not None
    }


def _ranked(session: Session, lead: Lead, offer: IntroOffer) -> list[dict[str, Any]]:
    """The top instructors and times for the lead, leaving out those who declined or let it lapse."""
    found = matching.top_matches(
        session, offer.class_type_id, lead.preferences or {}, lead.goals, exclude_staff=_excluded_staff(session, lead)
    )
    return [{"staff_id": c.staff_id, "location_id": c.location_id, "starts_at": c.starts_at.isoformat()} for c in found]


@use_case
def ask_owners(session: Session, lead: Lead, because: str | None = None, request_id: int | None = None) -> LeadMatch:
    """A new numbered question to owners and managers (``OwnersAsked``; see it for ``because``).

    Any earlier open question about this lead is closed: "2" always means the newest list.
    """
    for old in session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead.id, LeadMatch.status == "open")):
        old.status = "closed"
    offer = row(session, IntroOffer, lead.intro_offer_id)
    match = LeadMatch(lead_id=lead.id, status="open", options=_ranked(session, lead, offer))
    session.add(match)
    session.flush()
    record(session, [OwnersAsked(lead.id, match.id, because, request_id)])
    return match


def open_match(session: Session, lead_id: int) -> LeadMatch | None:
    """The lead's open question (the newest, should there be several)."""
    return session.scalars(
        select(LeadMatch).where(LeadMatch.lead_id == lead_id, LeadMatch.status == "open").order_by(LeadMatch.id.desc())
    ).first()


def options_for(session: Session, lead: Lead) -> list[dict[str, Any]]:
    """The owner's current choices for a lead: the open question's, else freshly ranked."""
    question = open_match(session, lead.id)
    if question is not None:
        return list(question.options)
    offer = session.get(IntroOffer, lead.intro_offer_id) if lead.intro_offer_id else None
    if offer is None:
        return []
    return _ranked(session, lead, offer)


# --------------------------------------------------------------------------- owners choose


def open_question(session: Session, lead_name: str | None = None) -> LeadMatch | None:
    """The newest open match question, or the newest one about the lead named ``lead_name``."""
    rows = session.execute(
        select(LeadMatch, Lead)
        .join(Lead, Lead.id == LeadMatch.lead_id)
        .where(LeadMatch.status == "open", Lead.status.in_(OPEN_FOR_MATCHING))
        .order_by(LeadMatch.created_at.desc(), LeadMatch.id.desc())
    ).all()
    if lead_name is None:
        return rows[0][0] if rows else None
    names = {m.id: lead.name for m, lead in rows}
    best = process.extractOne(
        lead_name.lower(), {k: v.lower() for k, v in names.items()}, scorer=fuzz.WRatio, score_cutoff=80
    )
    if best is None:
        return None
    return next(m for m, _ in rows if m.id == best[2])


@use_case
def choose_option(session: Session, match_id: int, number: int, *, actor: str) -> BookingRequest:
    """The owner picked option ``number`` (1-based) of a question."""
    match = session.scalars(select(LeadMatch).where(LeadMatch.id == match_id).with_for_update()).first()
    if match is None or match.status != "open":
        raise MatchRefused("no_open")
    if not 1 <= number <= len(match.options):
        raise MatchRefused("range", str(len(match.options)))
    option = match.options[number - 1]
    lead = row(session, Lead, match.lead_id)
    return propose(
        session,
        lead,
        option["staff_id"],
        option["location_id"],
        [datetime.fromisoformat(option["starts_at"])],
        actor=actor,
    )


@use_case
def choose_slot(
    session: Session,
    lead_id: int,
    staff_id: int,
    starts: Sequence[datetime],
    *,
    actor: str,
    location_id: int | None = None,
) -> BookingRequest:
    """The owner named an instructor and a time ("Tom thu 8am")."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    if location_id is None:
        location_id = (lead.preferences or {}).get("location_id")
    return propose(session, lead, staff_id, location_id, starts, actor=actor)


def _free_at(
    session: Session, class_type_id: int, staff_id: int, location_id: int | None, starts: Sequence[datetime]
) -> tuple[datetime, int] | None:
    """The first of ``starts`` (alternative readings of one time) at which the instructor is free."""
    class_type = row(session, ClassType, class_type_id)
    taken = set(
        session.execute(
            select(BookingRequest.staff_id, BookingRequest.proposed_start).where(BookingRequest.status == "proposed")
        ).all()
    )
    for at in starts:
        at = at.astimezone(UTC)
        slots = free_slots(
            session,
            class_type_id,
            start=at,
            end=at + timedelta(minutes=class_type.duration_min),
            staff_id=staff_id,
            step_minutes=15,
        )
        for slot in sorted(slots, key=lambda s: s.location_id != location_id):
            if slot.starts_at == at and (staff_id, at) not in taken:
                return at, slot.location_id
    return None


@use_case
def propose(
    session: Session, lead: Lead, staff_id: int, location_id: int | None, starts: Sequence[datetime], *, actor: str
) -> BookingRequest:
    """Ask the instructor to take the lead at a free time (``InstructorAsked``).

    Raises ``MatchRefused``: ``already_matched`` when the lead is not waiting for a match,
    ``slot`` when the instructor isn't free then (or isn't there)."""
    lead = session.scalars(select(Lead).where(Lead.id == lead.id).with_for_update()).one()
    if lead.paid_at is None:
        raise MatchRefused("unpaid", lead_name=lead.name)
    if lead.status not in OPEN_FOR_MATCHING:
        raise MatchRefused("already_matched", lead_name=lead.name)
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise MatchRefused("slot", "that instructor isn't on the team")
    offer = row(session, IntroOffer, lead.intro_offer_id)
    found = _free_at(session, offer.class_type_id, staff_id, location_id, starts)
    if found is None:
        raise MatchRefused("slot", f"{staff.name.split()[0]} isn't free for a 1:1 then")
    at, location_id = found
    now = clock.now()
    policy = load_policy(session)
    request = BookingRequest(
        client_id=lead.client_id,
        class_type_id=offer.class_type_id,
        staff_id=staff_id,
        location_id=location_id,
        lead_id=lead.id,
        preferences=dict(lead.preferences or {}),
        proposed_start=at,
        status="proposed",
        notes=f"proposed by {actor}",
        respond_by=add_working_hours(now, reply_hours_of(policy), _studio(session).timezone, day_of(policy)),
    )
    session.add(request)
    lead.status, lead.staff_id, lead.matched_at = "matched", staff_id, now
    for match in session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead.id, LeadMatch.status == "open")):
        match.status, match.answered_by, match.answered_at = "answered", actor, now
    session.flush()
    record(session, [InstructorAsked(request.id)])
    return request


# --------------------------------------------------------------------------- instructors answer


def pending_requests(session: Session, staff_id: int) -> list[BookingRequest]:
    """Requests waiting for this instructor's Y/N, oldest first (a bare Y answers the first)."""
    return list(
        session.scalars(
            select(BookingRequest)
            .where(
                BookingRequest.staff_id == staff_id,
                BookingRequest.status == "proposed",
                BookingRequest.lead_id.is_not(None),
            )
            .order_by(BookingRequest.created_at, BookingRequest.id)
        )
    )


@dataclass(frozen=True)
class Answered:
    kind: str  # booked | declined | slot_gone
    lead_name: str
    starts_at: datetime
    location: str


def intro_sessions_left(session: Session, client_id: int) -> int:
    packs = credits.packs(session, client_id)
    return sum(pb.remaining for pb in packs if pb.pack.kind == "intro" and pb.remaining > 0)


@use_case
def answer_request(session: Session, request_id: int, accept: bool, *, actor: str) -> Answered:
    """The instructor said Y or N.

    Y books the 1:1 with the lead's intro credit (``book_appointment``; ``IntroBooked``
    tells the client and the owners); N, or a slot that has gone meanwhile, sends the
    owners the next options (``OwnersAsked``)."""
    request = session.scalars(select(BookingRequest).where(BookingRequest.id == request_id).with_for_update()).first()
    if request is None or request.status != "proposed":
        raise MatchRefused("no_request")
    lead = row(session, Lead, request.lead_id)
    staff = row(session, Staff, request.staff_id)
    location = row(session, Location, request.location_id)
    at = request.proposed_start
    assert at is not None, "a lead's request is made with its time (propose)"
    if not accept:
        request.status = "declined"
        _back_to_owners(session, lead, "declined", request)
        return Answered("declined", lead.name, at, location.name)
    cost = row(session, ClassType, request.class_type_id).credits
    left = max(intro_sessions_left(session, request.client_id) - cost, 0)
    try:
        # its own savepoint: nested in this use case, book_appointment would join it, and a
        # refusal must undo only the booking, so the request can still go back to the owners
        with session.begin_nested():
            booking = book_appointment(
                session,
                request.client_id,
                request.class_type_id,
                staff.id,
                location.id,
                at,
                source="intro",
                actor=actor,
            )
    except BookingError as exc:  # taken meanwhile, outside the window, no credit left
        request.status, request.notes = "cancelled", f"could not book: {exc}"[:1000]
        _back_to_owners(session, lead, "taken", request)
        return Answered("slot_gone", lead.name, at, location.name)
    request.status = "booked"
    lead.status = "booked"
    request.session_id = booking.session_id
    session.flush()
    record(session, [IntroBooked(request.id, booking.id, left)])
    return Answered("booked", lead.name, at, location.name)


def _back_to_owners(session: Session, lead: Lead, because: str, request: BookingRequest) -> None:
    lead.status, lead.staff_id = "preferences", None
    session.flush()
    ask_owners(session, lead, because, request.id)


# --------------------------------------------------------------------------- what falls due


@use_case
def expire_requests(session: Session) -> int:
    """Instructor requests unanswered past ``respond_by``: the owners get the next options."""
    now = clock.now()
    due = session.scalars(
        select(BookingRequest)
        .where(
            BookingRequest.status == "proposed", BookingRequest.lead_id.is_not(None), BookingRequest.respond_by <= now
        )
        .with_for_update()
    ).all()
    for request in due:
        request.status = "expired"
        _back_to_owners(session, row(session, Lead, request.lead_id), "expired", request)
    return len(due)


def escalations_due(session: Session) -> list[tuple[Lead, str]]:
    """(lead, stage) for each reminder now due about a paid lead still without an instructor
    (``working_hours.escalation_stages``). Read-only: saying each stage once is the
    reminder's own business (its dedupe key), however often this is asked."""
    now = clock.now()
    policy = load_policy(session)
    tz, day, hours = _studio(session).timezone, day_of(policy), match_hours_of(policy)
    waiting = session.scalars(select(Lead).where(Lead.status.in_(OPEN_FOR_MATCHING), Lead.paid_at.is_not(None))).all()
    return [
        (lead, stage)
        for lead in waiting
        if lead.paid_at is not None  # always, by the query: for the type checker
        for stage in escalation_stages(lead.paid_at, now, tz, day, hours)
    ]


def first_session_attended(query: Select, now: datetime) -> Select:
    """``query`` (of ``Lead`` columns) narrowed to leads whose first session was attended
    and is over, so the next one is due to be offered; the due-work tick asks it across
    studios (``jobs.due``), ``offer_next_sessions`` in one studio's scope."""
    return (
        query.join(BookingRequest, BookingRequest.lead_id == Lead.id)
        .join(ClassSession, ClassSession.id == BookingRequest.session_id)
        .join(Booking, (Booking.session_id == ClassSession.id) & (Booking.client_id == Lead.client_id))
        .where(
            Lead.status == "booked",
            BookingRequest.status == "booked",
            Booking.status == "attended",
            ClassSession.ends_at <= now,
        )
    )


@use_case
def offer_next_sessions(session: Session) -> int:
    """After the first session is attended (checked in) and over: offer to book the next
    with the same instructor (``NextSessionOffered``). Returns offers made."""
    rows = session.scalars(first_session_attended(select(Lead), clock.now())).all()
    for lead in rows:
        lead.status = "attended"
        record(session, [NextSessionOffered(lead.id)])
    return len(rows)


@use_case
def mark_converted(session: Session) -> int:
    """Leads whose client has since taken a package or membership (anything but the intro)."""
    bought = (
        select(ClientPackage.id)
        .where(
            ClientPackage.client_id == Lead.client_id,
            ClientPackage.kind != "intro",
            ClientPackage.created_at >= Lead.paid_at,
        )
        .exists()
    )
    rows = session.scalars(select(Lead).where(Lead.status.in_(("booked", "attended")), bought)).all()
    for lead in rows:
        lead.status = "converted"
    session.flush()
    return len(rows)
