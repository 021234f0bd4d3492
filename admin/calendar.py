"""The calendar: a week of sessions per location, and each session's roster.

Reading is a few queries for the whole week (sessions with their counts in one). Times
show in each session's location timezone; the week runs Monday to Sunday in the
studio's. Instructors see and work only their own sessions (another's is "not found").
Cancel and move text the booked clients through the outbox; delivery is kicked after
the commit, as the webhooks do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from admin.roles import can, own_only, require
from admin.today import clock_time, next_class_day
from app import audit, clock
from app.booking import attendance as attendance_rules
from app.booking import changes, moves, spots
from app.booking.errors import BookingError, InvalidRequest, NotFound
from app.booking.policies import load_policy
from app.booking.rows import row
from app.booking.schedules import local_instant
from app.db import get_db
from app.models import (
    ACTIVE_BOOKING,
    OPEN_WAITLIST,
    Booking,
    ClassSession,
    ClassType,
    Client,
    Location,
    Staff,
    Studio,
    WaitlistEntry,
)
from app.phones import display as display_phone

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin/calendar", template_folder="templates")


@dataclass(frozen=True)
class SessionCard:
    id: int
    day: date  # local date at its location
    start: str  # "18:00", location time
    end: str
    class_name: str
    instructor: str | None
    location: str
    booked: int
    capacity: int
    waiting: int
    status: str
    moved: bool
    kind: str
    starts_at: datetime | None = None  # the instant (UTC)

    @property
    def fill(self) -> int:
        return min(100, round(100 * self.booked / self.capacity)) if self.capacity else 0


def _actor() -> str:
    return audit.staff_actor(current_user.login)


def _studio_scope():
    return get_db().studio(current_user.studio_id)


def _counts():
    return spots.booked_column(), spots.waiting_column()


def week_of(value: str | None, today: date) -> date:
    """The Monday of the week holding ``value`` (YYYY-MM-DD), or of ``today``."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def week_title(monday: date) -> str:
    """'23-29 Nov 2026', '30 Nov-6 Dec 2026', '28 Dec 2026-3 Jan 2027' (with en dashes)."""
    sunday = monday + timedelta(days=6)
    end = f"{sunday.day} {sunday:%b %Y}"
    if monday.year != sunday.year:
        return f"{monday.day} {monday:%b %Y}\u2013{end}"
    if monday.month != sunday.month:
        return f"{monday.day} {monday:%b}\u2013{end}"
    return f"{monday.day}\u2013{end}"


def week_sessions(
    s: Session,
    zone: ZoneInfo,
    monday: date,
    *,
    location_id: int | None = None,
    instructor_id: int | None = None,
    us: bool = False,
) -> list[SessionCard]:
    """Every session of the week (Mon-Sun in ``zone``), with counts: one query."""
    start = datetime.combine(monday, time(0), zone) - timedelta(days=1)  # other zones may start a day either side
    end = datetime.combine(monday + timedelta(days=7), time(0), zone) + timedelta(days=1)
    booked, waiting = _counts()
    teacher = aliased(Staff)
    query = (
        select(ClassSession, ClassType.name, Location.name, Location.timezone, teacher.name, booked, waiting)
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .join(Location, Location.id == ClassSession.location_id)
        .outerjoin(teacher, teacher.id == ClassSession.instructor_id)
        .where(ClassSession.starts_at >= start, ClassSession.starts_at < end)
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    if location_id is not None:
        query = query.where(ClassSession.location_id == location_id)
    if instructor_id is not None:
        query = query.where(ClassSession.instructor_id == instructor_id)
    cards = []
    for cs, class_name, location, tz, instructor, n_booked, n_waiting in s.execute(query):
        local_zone = ZoneInfo(tz)
        starts, ends = cs.starts_at.astimezone(local_zone), cs.ends_at.astimezone(local_zone)
        if not monday <= starts.date() < monday + timedelta(days=7):
            continue
        cards.append(
            SessionCard(
                cs.id,
                starts.date(),
                clock_time(starts, us),
                clock_time(ends, us),
                class_name,
                instructor,
                location,
                n_booked or 0,
                cs.capacity,
                n_waiting or 0,
                cs.status,
                cs.moved_at is not None,
                cs.kind,
                cs.starts_at,
            )
        )
    return cards


def _own_filter() -> int | None:
    return current_user.login.staff_id if own_only() else None


@bp.get("/")
@require("calendar")
def week():
    with _studio_scope() as s:
        studio = s.get(Studio, current_user.studio_id)
        zone = ZoneInfo(studio.timezone)
        today = clock.now().astimezone(zone).date()
        monday = week_of(request.args.get("week"), today)
        locations = s.scalars(select(Location).order_by(Location.name)).all()
        location_id = request.args.get("location", type=int)
        if location_id is not None and location_id not in {loc.id for loc in locations}:
            location_id = None  # another studio's id, or a stale link: show every location
        us = studio.date_order == "MDY"
        cards = week_sessions(s, zone, monday, location_id=location_id, instructor_id=_own_filter(), us=us)
        jumped = False
        now = clock.now()
        if not request.args.get("week") and not any(
            c.status == "scheduled" and c.starts_at and c.starts_at > now for c in cards
        ):  # nothing left this week: open on the week holding the next classes
            upcoming = next_class_day(s, zone, instructor_id=_own_filter())
            if upcoming is not None and week_of(upcoming.isoformat(), today) > monday:
                monday, jumped = week_of(upcoming.isoformat(), today), True
                cards = week_sessions(s, zone, monday, location_id=location_id, instructor_id=_own_filter(), us=us)
    days = [monday + timedelta(days=i) for i in range(7)]
    by_day = {d: [c for c in cards if c.day == d] for d in days}
    return render_template(
        "admin/calendar.html",
        studio=studio,
        days=days,
        title=week_title(monday),
        by_day=by_day,
        today=today,
        monday=monday,
        prev_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        locations=locations,
        location_id=location_id,
        show_location=location_id is None and len(locations) > 1,
        own_only=own_only(),
        total=len(cards),
        jumped=jumped,
        this_week=(today - timedelta(days=today.weekday())).isoformat(),
    )


# ----------------------------------------------------------------------- roster


def _load_session(s: Session, session_id: int) -> ClassSession:
    """The session in this studio, and for an instructor only their own: else 404."""
    cs = s.get(ClassSession, session_id)
    if cs is None or (own_only() and cs.instructor_id != current_user.login.staff_id):
        abort(404)
    return cs


def roster_data(s: Session, cs: ClassSession) -> dict:
    location = row(s, Location, cs.location_id)
    zone = ZoneInfo(location.timezone)
    bookings = s.execute(
        select(Booking, Client.name, Client.phone)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.session_id == cs.id)
        .order_by(Booking.status.in_(ACTIVE_BOOKING).desc(), Client.name, Booking.id)
    ).all()
    waitlist = s.execute(
        select(WaitlistEntry, Client.name, Client.phone)
        .join(Client, Client.id == WaitlistEntry.client_id)
        .where(WaitlistEntry.session_id == cs.id)
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    ).all()
    starts = cs.starts_at.astimezone(zone)
    now = clock.now()
    review_ends = attendance_rules.review_ends(load_policy(s), cs)
    ended = cs.ends_at <= now and cs.status != "cancelled"
    return {
        "cs": cs,
        "class_name": row(s, ClassType, cs.class_type_id).name,
        "location": location,
        "instructor": s.get(Staff, cs.instructor_id) if cs.instructor_id else None,
        "starts": starts,
        "ends": cs.ends_at.astimezone(zone),
        "zone": location.timezone,
        "booked": [
            {
                "booking": b,
                "name": name or display_phone(phone),
                "phone": phone,
                "shown_phone": display_phone(phone),
                "checked_in": b.checked_in_at.astimezone(zone).strftime("%H:%M") if b.checked_in_at else None,
                # issue 11: not checked in after the class, the review window still open: no penalty yet
                "pending": ended
                and b.status in ("confirmed", "no_show")
                and b.no_show_settled_at is None
                and not b.penalty_waived
                and now < review_ends,
                "waivable": ended and b.status in ("confirmed", "no_show") and not b.penalty_waived,
                # issue 13: a check-in or an unsettled no-show taken back (back to booked)
                "undoable": b.status in ("attended", "no_show")
                and b.no_show_settled_at is None
                and not b.penalty_waived,
            }
            for b, name, phone in bookings
        ],
        "active": sum(1 for b, *_ in bookings if b.status in ACTIVE_BOOKING),
        "waitlist": [
            {
                "entry": e,
                "name": name or display_phone(phone),
                "phone": phone,
                "shown_phone": display_phone(phone),
                "expires": e.offer_expires_at.astimezone(zone).strftime("%a %H:%M") if e.offer_expires_at else None,
            }
            for e, name, phone in waitlist
        ],
        "waiting": sum(1 for e, *_ in waitlist if e.status in OPEN_WAITLIST),
        "past": cs.starts_at <= clock.now(),
        "review_ends": review_ends.astimezone(zone),
        "attendance_open": clock.now() >= cs.starts_at - changes.CHECK_IN_OPENS,
        "locations": s.scalars(select(Location).order_by(Location.name)).all(),
        "instructors": s.scalars(
            select(Staff).where(Staff.active.is_(True), Staff.role != "front_desk").order_by(Staff.name)
        ).all(),
        "move_targets": _move_targets(s, cs) if cs.status != "cancelled" and cs.starts_at > now else [],
        "move_date": starts.date().isoformat(),
        "move_time": starts.strftime("%H:%M"),
        "week": week_of(starts.date().isoformat(), starts.date()).isoformat(),
    }


def _move_targets(s: Session, cs: ClassSession, limit: int = 60) -> list[tuple[int, str]]:
    """Where a booking of ``cs`` may be moved: the studio's upcoming classes inside the booking
    window, soonest first, as (session id, "Wed 25 Nov 18:00 Vinyasa Flow (Main)")."""
    now = clock.now()
    horizon = now + timedelta(days=load_policy(s).booking_window_days)
    zone = ZoneInfo(row(s, Studio, current_user.studio_id).timezone)
    rows = s.execute(
        select(ClassSession.id, ClassSession.starts_at, ClassType.name, Location.name)
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .join(Location, Location.id == ClassSession.location_id)
        .where(
            ClassSession.id != cs.id,
            ClassSession.kind == "class",
            ClassSession.status == "scheduled",
            ClassSession.starts_at > now,
            ClassSession.starts_at <= horizon,
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
        .limit(limit)
    ).all()
    return [(sid, f"{at.astimezone(zone):%a %d %b %H:%M} {name} ({where})") for sid, at, name, where in rows]


def _roster_page(s: Session, cs: ClassSession, *, error: str | None = None, status: int = 200, form=None):
    data = roster_data(s, cs)
    if form is not None:  # a refused move keeps what was typed
        data.update(move_date=form.get("date", data["move_date"]), move_time=form.get("time", data["move_time"]))
    us = s.scalar(select(Studio.date_order).where(Studio.id == current_user.studio_id)) == "MDY"
    return render_template(
        "admin/roster.html",
        error=error,
        can_change=can(current_user.role, "sessions"),
        can_profile=can(current_user.role, "clients"),
        hhmm=lambda at: clock_time(at, us),
        **data,
    ), status


@bp.get("/session/<int:session_id>")
@require("roster")
def roster(session_id: int):
    with _studio_scope() as s:
        return _roster_page(s, _load_session(s, session_id))


def _kick_delivery() -> None:
    deliver = current_app.extensions.get("frontdesk.deliver")
    if deliver is not None:
        deliver(current_user.studio_id)


def _clients(n: int) -> str:
    return f"{n} client{'s' if n != 1 else ''}"


@bp.post("/session/<int:session_id>/booking/<int:booking_id>/<any('check-in', 'no-show'):action>")
@require("roster")
def attendance(session_id: int, booking_id: int, action: str):
    with _studio_scope() as s:
        cs = _load_session(s, session_id)
        try:
            booking = changes.mark_attendance(s, cs.id, booking_id, present=action == "check-in", actor=_actor())
        except NotFound:
            abort(404)
        except BookingError as exc:
            return _roster_page(s, cs, error=f"Not changed: {exc}.", status=409)
        name = s.get(Client, booking.client_id).name or "The client"
    _kick_delivery()  # after the review window a no-show's penalty (and its text) applies at once
    flash(f"{name} checked in." if action == "check-in" else f"{name} marked as a no-show.")
    return redirect(url_for("admin_calendar.roster", session_id=session_id))


@bp.post("/session/<int:session_id>/booking/<int:booking_id>/undo")
@require("roster")
def undo_attendance(session_id: int, booking_id: int):
    """Take back a check-in or a no-show mark (issue 13): back to booked; audited."""
    with _studio_scope() as s:
        cs = _load_session(s, session_id)
        try:
            booking = changes.undo_attendance(s, cs.id, booking_id, actor=_actor())
        except NotFound:
            abort(404)
        except BookingError as exc:
            return _roster_page(s, cs, error=f"Not changed: {exc}.", status=409)
        name = s.get(Client, booking.client_id).name or "The client"
    flash(f"{name} is booked again (attendance taken back).")
    return redirect(url_for("admin_calendar.roster", session_id=session_id))


@bp.post("/session/<int:session_id>/booking/<int:booking_id>/move")
@require("sessions")
def move_booking(session_id: int, booking_id: int):
    """Move one client's booking to another class (issue 13): the same use case as a text
    (``moves.move_booking``); a late move needs the box ticked that the late-cancel rule applies."""
    with _studio_scope() as s:
        cs = _load_session(s, session_id)
        booking = s.get(Booking, booking_id)
        if booking is None or booking.session_id != cs.id:
            abort(404)
        try:
            target = int(request.form.get("to_session", ""))
        except ValueError:
            return _roster_page(s, cs, error="Choose the class to move the booking to.", status=400)
        try:
            moves.move_booking(
                s,
                booking_id,
                target,
                accept_late=request.form.get("accept_late") == "yes",
                actor=_actor()[:100],
                source="admin",
                allow_overlap=True,
            )
        except moves.LateMoveNeedsConsent as exc:
            terms = exc.terms
            cost = {"forfeit_credit": "the client loses the credit", "fee": f"a fee of {terms.fee}"}.get(
                terms.consequence, "nothing"
            )
            return _roster_page(
                s,
                cs,
                error=f"Not moved: this is a late cancel of this class ({cost}). Tick the box to apply it and move.",
                status=409,
            )
        except BookingError as exc:
            return _roster_page(s, cs, error=f"Not moved: {exc}.", status=409)
        name = s.get(Client, booking.client_id).name or "The client"
    _kick_delivery()  # a freed place's waitlist offer, a late-move fee link
    flash(f"{name}'s booking moved.")
    return redirect(url_for("admin_calendar.roster", session_id=session_id))


@bp.post("/session/<int:session_id>/booking/<int:booking_id>/waive")
@require("roster")
def waive(session_id: int, booking_id: int):
    """Waive a no-show (issue 11): nothing charged, the credit back; audited."""
    with _studio_scope() as s:
        cs = _load_session(s, session_id)
        try:
            booking = changes.waive_no_show(s, cs.id, booking_id, actor=_actor())
        except NotFound:
            abort(404)
        except BookingError as exc:
            return _roster_page(s, cs, error=f"Not changed: {exc}.", status=409)
        name = s.get(Client, booking.client_id).name or "The client"
    _kick_delivery()
    flash(f"{name}'s no-show waived: nothing charged, the credit is back.")
    return redirect(url_for("admin_calendar.roster", session_id=session_id))


@bp.post("/session/<int:session_id>/cancel")
@require("sessions")
def cancel(session_id: int):
    with _studio_scope() as s:
        cs = _load_session(s, session_id)
        if request.form.get("confirm") != "yes":
            return _roster_page(s, cs, error="Tick the box to confirm: cancelling texts everyone booked.", status=400)
        try:
            change = changes.cancel_by_studio(s, cs.id, reason=request.form.get("reason", ""), actor=_actor())
        except BookingError as exc:
            return _roster_page(s, cs, error=f"Not cancelled: {exc}.", status=400)
    _kick_delivery()
    flash(f"Class cancelled. Credits refunded; {_clients(change.texted)} texted.")
    return redirect(url_for("admin_calendar.roster", session_id=session_id))


def _new_start(form, location: Location) -> datetime:
    try:
        day = date.fromisoformat(form.get("date", ""))
        wall = time.fromisoformat(form.get("time", ""))
    except ValueError:
        raise InvalidRequest("give the new date and time") from None
    return local_instant(day, wall.replace(second=0, microsecond=0), location.timezone)


@bp.post("/session/<int:session_id>/move")
@require("sessions")
def move(session_id: int):
    form = request.form
    with _studio_scope() as s:
        cs = _load_session(s, session_id)
        try:
            location = s.get(Location, form.get("location", type=int) or cs.location_id)
            if location is None:
                raise NotFound("location")
            instructor_id = form.get("instructor", type=int) or cs.instructor_id
            change = changes.move_session(
                s,
                cs.id,
                starts_at=_new_start(form, location),
                location_id=location.id,
                instructor_id=instructor_id,
                actor=_actor(),
            )
        except BookingError as exc:
            s.rollback()
            return _roster_page(s, cs, error=f"Not moved: {exc}.", status=400, form=form)
    _kick_delivery()
    flash(f"Class moved. {_clients(change.texted)} texted the new time.")
    return redirect(url_for("admin_calendar.roster", session_id=session_id))
