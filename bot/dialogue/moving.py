"""Moving a booking in one text: "can I move my flow to saturday", "switch tomorrow's
reformer to the 7pm", "actually make it friday".

The booking to move comes from the words before "to" (``Parse``'s own slots), else the
booking just made in this conversation, else the client's only booking; the target from
the words after (``Parse.target``), defaulting to the same class. The desk's ``move``
does both halves in one transaction (issue 13); a move out of a class inside its
late-cancel window states the consequence and waits for YES.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from bot.desk import BookingView, SessionQuery, SessionView
from bot.dialogue import appointments, buying
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import describe, matching_bookings, session_query
from bot.dialogue.refine import names_day, narrow
from bot.nlu.parse import Parse, ParseContext, parse


def start(c: Ctx, target: Parse | None = None, *, source: Parse | None = None) -> Turn:
    """``source``: the words naming the booking to move (default: the parse's own slots
    when it is a reschedule); ``target``: where to (default: ``Parse.target``)."""
    p = source if source is not None else (c.parse if c.parse.intent == "reschedule" else None)
    target = target if target is not None else c.parse.target
    bookings = c.desk.upcoming_bookings()
    if not bookings:
        return c.say(c.words.no_bookings())
    named = p is not None and bool(p.class_match or p.when)
    found = matching_bookings(bookings, p) if p is not None and named else []
    if not named:
        last = c.context.get("last_booked")
        found = [b for b in bookings if b.session.id == last] or bookings
    if p is not None and named and not found:  # "move the thursday one" with nothing booked on Thursday: never another
        return c.say(c.words.no_booking_matching(describe(p, c.words)))
    if not found:
        found = bookings
    if len(found) > 1:
        options = found[:5]
        return c.say(
            c.words.choose_booking(options, verb="move"),
            state=State.CHOOSING_MOVE,
            options=[b.id for b in options],
            target=_keep(target),
        )
    return plan(c, found[0], target)


def _keep(target: Parse | None) -> str | None:
    return target.text if target is not None and target.has_slots else None


def plan(c: Ctx, booking: BookingView, target: Parse | None) -> Turn:
    """Find where ``booking`` should go; ask when the target is missing or several fit."""
    if target is not None:
        target = _same_time(target, booking)
    if appointments.is_appointment(c, booking):  # a 1:1 moves to a free slot, not a class
        return appointments.move(c, booking, target)
    if target is None or not target.has_slots:
        return c.say(c.words.move_where(booking.session), state=State.AWAITING_MOVE_TARGET, booking_id=booking.id)
    target = _on_the_bookings_day(target, booking)
    query = session_query(c.desk, target, days=14)
    if not query.class_type_ids:
        query = SessionQuery(
            (booking.session.class_type_id,),
            query.instructor_ids,
            query.location_ids,
            query.start,
            query.end,
            query.exact,
        )
    found = [s for s in c.desk.find_sessions(query) if s.id != booking.session.id and s.starts_at > c.desk.now()]
    if target.when is not None and target.when.hour_ambiguous and found:
        first = min(s.starts_at for s in found)
        found = [s for s in found if s.starts_at == first]
    if len(found) == 1:
        return move_to(c, booking.id, found[0])
    if not found:
        near = _nearest(c, booking, target)
        text = c.words.move_no_match(booking.session, near)
        if not near:
            return c.say(text, state=State.AWAITING_MOVE_TARGET, booking_id=booking.id)
        return c.say(
            text,
            state=State.CHOOSING_SESSION,
            options=[s.id for s in near],
            action="move",
            booking_id=booking.id,
            query={"classes": [booking.session.class_type_id], "instructors": [], "locations": []},
        )
    options = found[:5]
    return c.say(
        c.words.choose_session(options, "move it to"),
        state=State.CHOOSING_SESSION,
        options=[s.id for s in options],
        action="move",
        booking_id=booking.id,
        query={"classes": [booking.session.class_type_id], "instructors": [], "locations": []},
    )


def _same_time(target: Parse, booking: BookingView) -> Parse:
    """ "move it to friday same time": the day asked, at the booking's own time."""
    when = target.when
    if when is None or when.grain != "day" or not re.search(r"\bsame time\b", target.text):
        return target
    at = booking.session.starts_at.astimezone(when.start.tzinfo)
    start = when.start.replace(hour=at.hour, minute=at.minute)
    return replace(target, when=replace(when, start=start, end=None, grain="minute", alternatives=()))


def _on_the_bookings_day(target: Parse, booking: BookingView) -> Parse:
    """ "make it 6:30pm" names a time, not a day: the day is the booking's own. "the tuesday
    after" names a weekday after the booking's day."""
    when = target.when
    if when is not None and re.search(r"\bafter\b(?! all)", target.text) and when.grain in ("day", "minute"):
        booked_day = booking.session.starts_at.date()
        weeks = 0
        while (when.start + timedelta(days=7 * weeks)).date() <= booked_day:
            weeks += 1
        if weeks:
            step = timedelta(days=7 * weeks)
            shifted = replace(
                when,
                start=when.start + step,
                end=when.end + step if when.end else None,
                alternatives=tuple(a + step for a in when.alternatives),
            )
            return replace(target, when=shifted)
        return target
    if when is None or when.grain != "minute" or names_day(target.text):
        return target
    day = booking.session.starts_at.date()

    def moved(at: datetime) -> datetime:
        return at.replace(year=day.year, month=day.month, day=day.day)

    shifted = replace(when, start=moved(when.start), alternatives=tuple(moved(a) for a in when.alternatives))
    return replace(target, when=shifted)


def _nearest(c: Ctx, booking: BookingView, target: Parse) -> list[SessionView]:
    now = c.desk.now()
    center = target.when.start if target.when is not None else now
    start, end = max(now, center - timedelta(days=1)), max(center, now) + timedelta(days=8)
    classes = target.class_match.class_type_ids if target.class_match else (booking.session.class_type_id,)
    options = [
        s
        for s in c.desk.find_sessions(SessionQuery(classes, (), (), start, end, limit=50))
        if s.id != booking.session.id
    ]
    options.sort(key=lambda s: abs((s.starts_at - center).total_seconds()))
    return sorted(options[:3], key=lambda s: s.starts_at)


def move_to(c: Ctx, booking_id: int, session: SessionView, *, accept_late: bool = False) -> Turn:
    out = c.desk.move(booking_id, session.id, accept_late=accept_late)
    w, d = c.words, out.data
    if out.ok:
        return c.say(w.moved(d["session"], d["old"]), last_booked=d["session"].id)
    if out.kind == "late":
        return c.say(
            w.late_move_question(d["session"], d["consequence"], d["fee"], d["hours"], d["spent"], d["target"]),
            state=State.CONFIRM_LATE_MOVE,
            booking_id=booking_id,
            session_id=session.id,
        )
    if out.kind == "full":
        return c.say(w.move_full(d["session"]), state=State.CONFIRM_WAITLIST, session_id=session.id)
    if out.kind == "no_credits":
        return buying.credits_short(c, None, d, class_name=session.class_name)
    if out.kind == "already_booked":
        return c.say(w.already_booked(d["session"]))
    if out.kind == "window":
        return c.say(w.window_closed(d["opens_at"]))
    if out.kind == "overlap" or out.kind == "overlap_refused":
        return c.say(w.overlap_refused(session, d["clash"]))
    return c.say(w.not_bookable(d.get("reason", "that booking can't be moved")))


def choosing(c: Ctx) -> Turn | None:
    """Which booking to move, from the numbered list."""
    bookings = {b.id: b for b in c.desk.upcoming_bookings()}
    options = [bookings[i] for i in c.context.get("options", []) if i in bookings]
    if not options:
        return None
    found = narrow(options, c.parse, lambda b: b.session.starts_at, lambda b: b.session.class_type_id)
    if found.picked is None:
        if c.parse.intent == "no":
            return c.say(c.words.kept())
        return None
    target_text = c.context.get("target")
    target = _reparse(c, target_text) if target_text else None
    return plan(c, found.picked, target)


def _reparse(c: Ctx, text: str) -> Parse | None:
    return parse(text, ParseContext(c.desk.now(), c.desk.studio.timezone, c.desk.studio.date_order, c.desk.catalog()))


def awaiting_target(c: Ctx) -> Turn | None:
    """The answer to "where shall I move it?": a day, a time, a class."""
    if c.parse.intent == "no":
        return c.say(c.words.kept())
    if not c.parse.has_slots or c.parse.intent in ("cancel", "list_bookings", "credits", "prices", "schedule"):
        return None
    booking = next((b for b in c.desk.upcoming_bookings() if b.id == c.context.get("booking_id")), None)
    if booking is None:
        return None
    return plan(c, booking, c.parse)


def confirm_late(c: Ctx) -> Turn | None:
    if c.parse.intent == "yes" or (c.parse.intent == "reschedule" and not c.parse.has_slots):
        session = c.desk.session(c.context["session_id"])
        if session is None:
            return None
        return move_to(c, int(c.context["booking_id"]), session, accept_late=True)
    if c.parse.intent == "no":
        return c.say(c.words.kept())
    if re.search(r"\bwhy\b|\bhow come\b", c.parse.text):  # "why is there a fee for moving??"
        keep = {k: c.context[k] for k in ("session_id", "booking_id") if k in c.context}
        return c.say(c.words.late_move_why(c.desk.policy_facts()), state=State.CONFIRM_LATE_MOVE, **keep)
    return None
