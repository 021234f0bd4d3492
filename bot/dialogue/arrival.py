"""Getting to class: "running 10 late" tells the instructor; "I'm here" checks the client in.

Running late keeps the booking and, where the studio closes its doors N minutes after the
start (``Policy.late_arrival_minutes``), says so. Self check-in works only where the studio
allows it and only inside the class's check-in window; the desk decides both.
"""

from __future__ import annotations

from datetime import timedelta

from bot.desk import SessionQuery
from bot.dialogue.base import Ctx, State, Turn

SOON = timedelta(hours=3)  # a "running late" text is about a class starting within this


def running_late(c: Ctx) -> Turn:
    now = c.desk.now()
    bookings = [b for b in c.desk.upcoming_bookings() if b.session.starts_at <= now + SOON]
    bookings = [b for b in bookings if b.session.starts_at + timedelta(minutes=60) >= now]
    if c.parse.class_match:
        named = [b for b in bookings if b.session.class_type_id in c.parse.class_match.class_type_ids]
        bookings = named or bookings
    if not bookings:
        return c.say(c.words.late_no_class())
    booking = min(bookings, key=lambda b: b.session.starts_at)
    out = c.desk.running_late(booking.id, c.parse.minutes)
    if not out.ok:
        return c.say(c.words.late_no_class())
    d = out.data
    told = d.get("instructor_told", False)
    who = d["session"].instructor.split()[0] if told and d["session"].instructor else None
    extra = {"late_told": who} if who else {}
    return c.say(c.words.late_noted(d["session"], told, d.get("doors_close_minutes")), **extra)


def check_in(c: Ctx) -> Turn:
    if c.parse.class_match:  # "I'm here for slow flow": booked into it today?
        now = c.desk.now()
        booked = [
            b
            for b in c.desk.upcoming_bookings()
            if b.session.class_type_id in c.parse.class_match.class_type_ids and b.session.starts_at <= now + SOON
        ]
        if not booked:
            turn = _offer_today(c)
            if turn is not None:
                return turn
    out = c.desk.check_in_self()
    w, d = c.words, out.data
    if out.kind in ("checked_in", "already"):
        return c.say(w.checked_in(d["session"]))
    if out.kind == "too_early":
        return c.say(w.check_in_too_early(d["session"], d["opens_at"]))
    if out.kind == "not_allowed":
        return c.say(w.check_in_at_desk())
    return c.say(w.check_in_no_booking())


def _offer_today(c: Ctx) -> Turn | None:
    """At the door for a class they haven't booked: offer it if it has a spot."""
    if c.parse.class_match is None:
        return None
    now = c.desk.now()
    query = SessionQuery(c.parse.class_match.class_type_ids, (), (), now - timedelta(minutes=15), now + SOON)
    soon = [s for s in c.desk.find_sessions(query) if s.spots > 0]
    if not soon:
        return None
    return c.say(c.words.not_booked_offer(soon[0]), state=State.CONFIRM_BOOK, session_id=soon[0].id)
