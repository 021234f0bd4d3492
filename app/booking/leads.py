"""Intro-offer leads: from a form or a text, through payment, to a first 1:1 session.

The lifecycle (``Lead.status``): new -> paid -> preferences -> matched -> booked ->
attended -> converted. Use cases here join the caller's transaction unless they say
they commit; every text they cause is an outbox row with a dedupe key naming the event,
so a retried call sends nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.booking import credits, matching
from app.booking.appointments import book_appointment, free_slots
from app.booking.errors import BookingError, InvalidRequest, NotFound
from app.booking.policies import load_policy
from app.messaging.outbox import enqueue
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
    OutboxMessage,
    Staff,
    Studio,
)
from bot.nlu.preferences import when_label
from bot.replies import Words

STAGES = ("new", "paid", "preferences", "matched", "booked", "attended", "converted")
OPEN_FOR_MATCHING = ("paid", "preferences")
DEFAULT_WORKING = (time(7), time(20))
DEFAULT_MATCH_HOURS = 4
DEFAULT_REPLY_HOURS = 2


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


# --------------------------------------------------------------------------- working hours


def working_day(session: Session) -> tuple[time, time]:
    """The studio's working hours (local), in which owners and instructors are expected to answer."""
    policy = load_policy(session)
    return policy.working_start or DEFAULT_WORKING[0], policy.working_end or DEFAULT_WORKING[1]


def working_hours_between(start: datetime, end: datetime, tz: str, day: tuple[time, time]) -> float:
    """Hours of [start, end) that fall inside the daily working window, in ``tz``."""
    zone = ZoneInfo(tz)
    if end <= start:
        return 0.0
    total = timedelta()
    d = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while d <= last:
        a = datetime.combine(d, day[0], zone)
        b = datetime.combine(d, day[1], zone)
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total += hi - lo
        d += timedelta(days=1)
    return total.total_seconds() / 3600


def add_working_hours(start: datetime, hours: float, tz: str, day: tuple[time, time]) -> datetime:
    """The instant ``hours`` working hours after ``start`` (time outside the window doesn't count)."""
    zone = ZoneInfo(tz)
    left = timedelta(hours=hours)
    at = start.astimezone(zone)
    while True:
        a = datetime.combine(at.date(), day[0], zone)
        b = datetime.combine(at.date(), day[1], zone)
        if at < a:
            at = a
        if at < b:
            if at + left <= b:
                return (at + left).astimezone(UTC)
            left -= b - at
        at = datetime.combine(at.date() + timedelta(days=1), day[0], zone)


# --------------------------------------------------------------------------- telling staff


def managers(session: Session) -> list[Staff]:
    """Who decides matches: active owners and managers with a phone."""
    return list(session.scalars(select(Staff).where(
        Staff.role.in_(("owner", "manager")), Staff.active.is_(True), Staff.phone.is_not(None)).order_by(Staff.id)))


def text_staff(session: Session, member: Staff, *, key: str, kind: str, body: str) -> None:
    studio = studio_of(session)
    enqueue(session, dedupe_key=key, kind=kind, to_addr=member.phone, body=body, channel="sms",
            staff_id=member.id, from_addr=studio.sms_number)


def short(lead: Lead) -> str:
    return Words.short_name(lead.name)


# --------------------------------------------------------------------------- preferences


class MatchRefused(BookingError):
    """An owner's or instructor's answer that can't be acted on; ``kind`` says why."""

    def __init__(self, kind: str, reason: str = "") -> None:
        super().__init__(reason or kind)
        self.kind = kind  # no_open | range | already_matched | unpaid | slot | unknown_lead | no_request
        self.reason = reason


def awaiting_preferences(session: Session, phone: str) -> Lead | None:
    """The paid lead of this phone still telling us what suits them."""
    return session.scalars(select(Lead).where(Lead.phone == phone, Lead.status == "paid")
                           .order_by(Lead.paid_at.desc(), Lead.id.desc())).first()


def save_preferences(session: Session, lead_id: int, prefs: dict[str, Any]) -> Lead:
    """Keep what the lead has told us so far. Commit."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    lead.preferences = dict(prefs)
    session.commit()
    return lead


def preferences_in(session: Session, lead_id: int, prefs: dict[str, Any]) -> LeadMatch:
    """The lead told us everything: store it, rank instructors, text the owners. Commit."""
    lead = session.scalars(select(Lead).where(Lead.id == lead_id).with_for_update()).first()
    if lead is None:
        raise NotFound("lead", lead_id)
    lead.preferences = dict(prefs)
    if prefs.get("goals") and not lead.goals:
        lead.goals = prefs["goals"]
    elif prefs.get("goals") and prefs["goals"] not in lead.goals:
        lead.goals = f"{lead.goals}; {prefs['goals']}"[:1000]
    if lead.status == "paid":
        lead.status = "preferences"
    match = ask_owners(session, lead)
    session.commit()
    return match


def _option_line(session: Session, words: Words, option: dict[str, Any]) -> str:
    staff = session.get(Staff, option["staff_id"])
    location = session.get(Location, option["location_id"])
    return words.intro_option(staff.name, datetime.fromisoformat(option["starts_at"]), location.name)


def _lead_where(session: Session, lead: Lead) -> tuple[str, str]:
    prefs = lead.preferences or {}
    location = session.get(Location, prefs["location_id"]).name if prefs.get("location_id") else "any location"
    return location, when_label(prefs.get("days_label"), prefs.get("times_label"))


def _excluded_staff(session: Session, lead: Lead) -> set[int]:
    return set(session.scalars(select(BookingRequest.staff_id).where(
        BookingRequest.lead_id == lead.id, BookingRequest.status.in_(("declined", "expired")))).all())


def ask_owners(session: Session, lead: Lead, reason: str | None = None) -> LeadMatch:
    """A new numbered question to owners and managers (joins the caller's transaction).

    Any earlier open question about this lead is closed: "2" always means the newest list.
    """
    for old in session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead.id, LeadMatch.status == "open")):
        old.status = "closed"
    offer = session.get(IntroOffer, lead.intro_offer_id)
    found = matching.top_matches(session, offer.class_type_id, lead.preferences or {}, lead.goals,
                                 exclude_staff=_excluded_staff(session, lead))
    match = LeadMatch(lead_id=lead.id, status="open", options=[
        {"staff_id": c.staff_id, "location_id": c.location_id, "starts_at": c.starts_at.isoformat()} for c in found])
    session.add(match)
    session.flush()
    words = words_for(session)
    location, when = _lead_where(session, lead)
    lines = [_option_line(session, words, o) for o in match.options]
    body = words.intro_owner_options(lead.name, location, when, lead.goals, lines, reason)
    for member in managers(session):
        text_staff(session, member, key=f"intro:options:match:{match.id}:staff:{member.id}", kind="intro_options",
                   body=body)
    return match


# --------------------------------------------------------------------------- owners choose


def open_question(session: Session, lead_name: str | None = None) -> LeadMatch | None:
    """The newest open match question, or the newest one about the lead named ``lead_name``."""
    rows = session.execute(select(LeadMatch, Lead).join(Lead, Lead.id == LeadMatch.lead_id)
                           .where(LeadMatch.status == "open", Lead.status.in_(OPEN_FOR_MATCHING))
                           .order_by(LeadMatch.created_at.desc(), LeadMatch.id.desc())).all()
    if lead_name is None:
        return rows[0][0] if rows else None
    names = {m.id: lead.name for m, lead in rows}
    best = process.extractOne(lead_name.lower(), {k: v.lower() for k, v in names.items()}, scorer=fuzz.WRatio,
                              score_cutoff=80)
    if best is None:
        return None
    return next(m for m, _ in rows if m.id == best[2])


def choose_option(session: Session, match_id: int, number: int, *, actor: str) -> BookingRequest:
    """The owner picked option ``number`` (1-based) of a question. Commit."""
    match = session.scalars(select(LeadMatch).where(LeadMatch.id == match_id).with_for_update()).first()
    if match is None or match.status != "open":
        raise MatchRefused("no_open")
    if not 1 <= number <= len(match.options):
        raise MatchRefused("range", str(len(match.options)))
    option = match.options[number - 1]
    lead = session.get(Lead, match.lead_id)
    return propose(session, lead, option["staff_id"], option["location_id"],
                   [datetime.fromisoformat(option["starts_at"])], actor=actor)


def choose_slot(session: Session, lead_id: int, staff_id: int, starts: Sequence[datetime], *, actor: str,
                location_id: int | None = None) -> BookingRequest:
    """The owner named an instructor and a time ("Tom thu 8am"). Commit."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    if location_id is None:
        location_id = (lead.preferences or {}).get("location_id")
    return propose(session, lead, staff_id, location_id, starts, actor=actor)


def _free_at(session: Session, class_type_id: int, staff_id: int, location_id: int | None,
             starts: Sequence[datetime]) -> tuple[datetime, int] | None:
    """The first of ``starts`` (alternative readings of one time) at which the instructor is free."""
    class_type = session.get(ClassType, class_type_id)
    taken = set(session.execute(select(BookingRequest.staff_id, BookingRequest.proposed_start).where(
        BookingRequest.status == "proposed")).all())
    for at in starts:
        at = at.astimezone(UTC)
        slots = free_slots(session, class_type_id, start=at, end=at + timedelta(minutes=class_type.duration_min),
                           staff_id=staff_id, step_minutes=15)
        for slot in sorted(slots, key=lambda s: s.location_id != location_id):
            if slot.starts_at == at and (staff_id, at) not in taken:
                return at, slot.location_id
    return None


def propose(session: Session, lead: Lead, staff_id: int, location_id: int | None, starts: Sequence[datetime], *,
            actor: str) -> BookingRequest:
    """Ask the instructor to take the lead at a free time. Commit.

    Raises ``MatchRefused``: ``already_matched`` when the lead is not waiting for a match,
    ``slot`` when the instructor isn't free then (or isn't there)."""
    lead = session.scalars(select(Lead).where(Lead.id == lead.id).with_for_update()).one()
    if lead.paid_at is None:
        raise MatchRefused("unpaid", short(lead))
    if lead.status not in OPEN_FOR_MATCHING:
        raise MatchRefused("already_matched", short(lead))
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise MatchRefused("slot", "that instructor isn't on the team")
    offer = session.get(IntroOffer, lead.intro_offer_id)
    found = _free_at(session, offer.class_type_id, staff_id, location_id, starts)
    if found is None:
        raise MatchRefused("slot", f"{staff.name.split()[0]} isn't free for a 1:1 then")
    at, location_id = found
    now = clock.now()
    studio = studio_of(session)
    policy = load_policy(session)
    request = BookingRequest(client_id=lead.client_id, class_type_id=offer.class_type_id, staff_id=staff_id,
                             location_id=location_id, lead_id=lead.id, preferences=dict(lead.preferences or {}),
                             proposed_start=at, status="proposed", notes=f"proposed by {actor}",
                             respond_by=add_working_hours(now, policy.instructor_reply_hours or DEFAULT_REPLY_HOURS,
                                                          studio.timezone, working_day(session)))
    session.add(request)
    lead.status, lead.staff_id, lead.matched_at = "matched", staff_id, now
    for match in session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead.id, LeadMatch.status == "open")):
        match.status, match.answered_by, match.answered_at = "answered", actor, now
    session.flush()
    location = session.get(Location, location_id)
    if staff.phone:
        text_staff(session, staff, key=f"intro:request:{request.id}", kind="intro_request",
                   body=words_for(session).intro_instructor_request(short(lead), at, location.name))
    session.commit()
    return request


# --------------------------------------------------------------------------- instructors answer


def pending_requests(session: Session, staff_id: int) -> list[BookingRequest]:
    """Requests waiting for this instructor's Y/N, oldest first (a bare Y answers the first)."""
    return list(session.scalars(select(BookingRequest).where(
        BookingRequest.staff_id == staff_id, BookingRequest.status == "proposed", BookingRequest.lead_id.is_not(None))
        .order_by(BookingRequest.created_at, BookingRequest.id)))


@dataclass(frozen=True)
class Answered:
    kind: str  # booked | declined | slot_gone
    lead: str
    starts_at: datetime
    location: str


def intro_sessions_left(session: Session, client_id: int) -> int:
    packs = credits.packs(session, client_id)
    return sum(pb.remaining for pb in packs if pb.pack.kind == "intro" and pb.remaining > 0)


def answer_request(session: Session, request_id: int, accept: bool, *, actor: str) -> Answered:
    """The instructor said Y or N. Commit.

    Y books the 1:1 with the lead's intro credit (``book_appointment``) and tells the client
    and the owners; N, or a slot that has gone meanwhile, sends the owners the next options."""
    request = session.scalars(select(BookingRequest).where(BookingRequest.id == request_id).with_for_update()).first()
    if request is None or request.status != "proposed":
        raise MatchRefused("no_request")
    lead = session.get(Lead, request.lead_id)
    staff = session.get(Staff, request.staff_id)
    location = session.get(Location, request.location_id)
    at = request.proposed_start
    if not accept:
        request.status = "declined"
        _back_to_owners(session, lead, words_for(session).intro_declined_reason(staff.name, lead.name))
        session.commit()
        return Answered("declined", short(lead), at, location.name)
    client = session.get(Client, request.client_id)
    cost = session.get(ClassType, request.class_type_id).credits
    left = max(intro_sessions_left(session, client.id) - cost, 0)
    request.status = "booked"
    lead.status = "booked"
    text_client(session, client, key=f"intro:booked:request:{request.id}", kind="intro_booked",
                body_for=lambda w: w.intro_client_booked(staff.name, at, location.name, location.address, left))
    body = words_for(session).intro_owner_booked(staff.name, short(lead), at, location.name)
    for member in managers(session):
        text_staff(session, member, key=f"intro:booked:request:{request.id}:staff:{member.id}", kind="intro_booked",
                   body=body)
    try:  # commits the request, the lead and the texts with the booking, or nothing
        booking = book_appointment(session, client.id, request.class_type_id, staff.id, location.id, at,
                                   source="intro", actor=actor)
    except BookingError as exc:  # taken meanwhile, outside the window, no credit left
        session.rollback()
        request = session.get(BookingRequest, request_id)
        lead = session.get(Lead, request.lead_id)
        request.status, request.notes = "cancelled", f"could not book: {exc}"[:1000]
        _back_to_owners(session, lead, words_for(session).intro_taken_reason(lead.name))
        session.commit()
        return Answered("slot_gone", short(lead), at, location.name)
    request.session_id = booking.session_id
    session.commit()
    return Answered("booked", short(lead), at, location.name)


def _back_to_owners(session: Session, lead: Lead, reason: str) -> None:
    lead.status, lead.staff_id = "preferences", None
    session.flush()
    ask_owners(session, lead, reason)


# --------------------------------------------------------------------------- what falls due


def expire_requests(session: Session) -> int:
    """Instructor requests unanswered past ``respond_by``: the owners get the next options. Commit."""
    now = clock.now()
    due = session.scalars(select(BookingRequest).where(
        BookingRequest.status == "proposed", BookingRequest.lead_id.is_not(None),
        BookingRequest.respond_by <= now).with_for_update()).all()
    for request in due:
        request.status = "expired"
        lead = session.get(Lead, request.lead_id)
        staff = session.get(Staff, request.staff_id)
        _back_to_owners(session, lead, words_for(session).intro_expired_reason(staff.name, lead.name))
    session.commit()
    return len(due)


def escalation_stages(paid_at: datetime, now: datetime, tz: str, day: tuple[time, time],
                      match_hours: int) -> list[str]:
    """Which reminders are due for a lead paid at ``paid_at``: "<N>h" after N working hours,
    "24h" a day after payment (only the later one when both fall due at once)."""
    if now - paid_at >= timedelta(hours=24):
        return ["24h"]
    if working_hours_between(paid_at, now, tz, day) >= match_hours:
        return [f"{match_hours}h"]
    return []


def escalate(session: Session) -> int:
    """Remind the owners of paid leads still without an instructor. Commit. Returns texts queued.

    Each reminder's dedupe key (``intro:escalate:<stage>:lead:<id>:staff:<id>``) makes it
    once only, however often the sweep runs."""
    now = clock.now()
    studio = studio_of(session)
    policy = load_policy(session)
    hours = policy.lead_match_hours or DEFAULT_MATCH_HOURS
    day = working_day(session)
    words = words_for(session)
    queued = 0
    waiting = session.scalars(select(Lead).where(Lead.status.in_(OPEN_FOR_MATCHING), Lead.paid_at.is_not(None))).all()
    for lead in waiting:
        for stage in escalation_stages(lead.paid_at, now, studio.timezone, day, hours):
            question = session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead.id,
                                                               LeadMatch.status == "open")
                                       .order_by(LeadMatch.id.desc())).first()
            lines = [_option_line(session, words, o) for o in question.options] if question else []
            ago = int((now - lead.paid_at).total_seconds() // 3600)
            body = words.intro_owner_reminder(lead.name, ago, lines)
            for member in managers(session):
                key = f"intro:escalate:{stage}:lead:{lead.id}:staff:{member.id}"
                before = session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first()
                if before is None:
                    text_staff(session, member, key=key, kind="intro_reminder", body=body)
                    queued += 1
    session.commit()
    return queued


def offer_next_sessions(session: Session) -> int:
    """After the first session is attended (checked in) and over: offer to book the next
    with the same instructor. Commit. Returns offers queued."""
    now = clock.now()
    rows = session.execute(
        select(Lead, ClassSession).join(BookingRequest, BookingRequest.lead_id == Lead.id)
        .join(ClassSession, ClassSession.id == BookingRequest.session_id)
        .join(Booking, (Booking.session_id == ClassSession.id) & (Booking.client_id == Lead.client_id))
        .where(Lead.status == "booked", BookingRequest.status == "booked", Booking.status == "attended",
               ClassSession.ends_at <= now)).all()
    for lead, _ in rows:
        lead.status = "attended"
        client = session.get(Client, lead.client_id)
        staff = session.get(Staff, lead.staff_id)
        text_client(session, client, key=f"intro:next:lead:{lead.id}", kind="intro_next",
                    body_for=lambda w, name=staff.name: w.intro_next_offer(name))
    session.commit()
    return len(rows)


def mark_converted(session: Session) -> int:
    """Leads whose client has since taken a package or membership (anything but the intro). Commit."""
    bought = select(ClientPackage.id).where(ClientPackage.client_id == Lead.client_id, ClientPackage.kind != "intro",
                                            ClientPackage.created_at >= Lead.paid_at).exists()
    rows = session.scalars(select(Lead).where(Lead.status.in_(("booked", "attended")), bought)).all()
    for lead in rows:
        lead.status = "converted"
    session.commit()
    return len(rows)


def studio_region(studio: Studio) -> str | None:
    """The country a studio's national phone numbers are read in, from its own number."""
    import phonenumbers

    for number in (studio.sms_number, studio.contact_phone, studio.whatsapp_number):
        if number:
            try:
                return phonenumbers.region_code_for_country_code(phonenumbers.parse(number, None).country_code)
            except phonenumbers.NumberParseException:
                continue
    return {"Europe/London": "GB"}.get(studio.timezone) or ("US" if studio.timezone.startswith("America/") else None)


# --------------------------------------------------------------------------- the leads board

STAGE_LABELS = {"new": "New", "paid": "Paid", "preferences": "Preferences in", "matched": "Matched",
                "booked": "Booked", "attended": "First session attended", "converted": "Converted"}


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    label: str
    reached: int  # leads at this stage or further
    rate: float | None  # percent of the previous stage's leads that got here


def funnel(statuses: Sequence[str]) -> list[FunnelStep]:
    """Counts per stage reached and the conversion from each stage to the next (pure)."""
    order = {stage: i for i, stage in enumerate(STAGES)}
    ranks = [order[s] for s in statuses if s in order]
    steps: list[FunnelStep] = []
    previous = None
    for i, stage in enumerate(STAGES):
        reached = sum(1 for r in ranks if r >= i)
        rate = None if previous is None else (round(100 * reached / previous, 1) if previous else None)
        steps.append(FunnelStep(stage, STAGE_LABELS[stage], reached, rate))
        previous = reached
    return steps


def board(session: Session) -> tuple[dict[str, list[Lead]], list[FunnelStep]]:
    """Leads by stage (newest first) and the funnel figures, for the studio in scope."""
    rows = session.scalars(select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc())).all()
    columns: dict[str, list[Lead]] = {stage: [] for stage in STAGES}
    for lead in rows:
        if lead.status in columns:
            columns[lead.status].append(lead)
    return columns, funnel([lead.status for lead in rows])


def options_for(session: Session, lead: Lead) -> list[dict[str, Any]]:
    """The owner's current choices for a lead: the open question's, else freshly ranked."""
    question = session.scalars(select(LeadMatch).where(LeadMatch.lead_id == lead.id, LeadMatch.status == "open")
                               .order_by(LeadMatch.id.desc())).first()
    if question is not None:
        return list(question.options)
    offer = session.get(IntroOffer, lead.intro_offer_id) if lead.intro_offer_id else None
    if offer is None:
        return []
    found = matching.top_matches(session, offer.class_type_id, lead.preferences or {}, lead.goals,
                                 exclude_staff=_excluded_staff(session, lead))
    return [{"staff_id": c.staff_id, "location_id": c.location_id, "starts_at": c.starts_at.isoformat()}
            for c in found]
