"""Booking: act at once when the request is unambiguous, else offer numbered choices."""

from __future__ import annotations

from decimal import Decimal

from bot.desk import SessionView
from bot.dialogue import waitlist
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import candidates, describe, nearest, pick_by


def start(c: Ctx) -> Turn:
    p = c.parse
    if not (p.class_match or p.when or p.instructor):
        return c.say(c.words.what_to_book())
    found = candidates(c.desk, p)
    if len(found) == 1:
        return book(c, found[0])
    if not found:
        alternatives = nearest(c.desk, p)
        if not alternatives:
            return c.say(c.words.no_match(describe(p, c.words), []))
        return c.say(
            c.words.no_match(describe(p, c.words), alternatives),
            state=State.CHOOSING_SESSION,
            options=[s.id for s in alternatives],
            action="book",
        )
    options = found[:5]
    return c.say(
        c.words.choose_session(options), state=State.CHOOSING_SESSION, options=[s.id for s in options], action="book"
    )


def book(c: Ctx, session: SessionView, *, allow_overlap: bool = False) -> Turn:
    out = c.desk.book(session.id, allow_overlap=True) if allow_overlap else c.desk.book(session.id)
    w, d = c.words, out.data
    if out.ok:
        return c.say(
            w.booked(
                d["session"],
                d["balance"],
                d["free_until"],
                now=d.get("now"),
                consequence=d.get("consequence"),
                fee=d.get("fee") or Decimal("0"),
                fees=d.get("fees"),
            )
        )
    if out.kind == "overlap":
        return c.say(w.overlap_question(d["session"], d["clash"]), state=State.CONFIRM_OVERLAP, session_id=session.id)
    if out.kind == "overlap_refused":
        return c.say(w.overlap_refused(d["session"], d["clash"]))
    if out.kind == "full":
        return c.say(w.class_full(d["session"]), state=State.CONFIRM_WAITLIST, session_id=session.id)
    if out.kind == "no_credits":
        return c.say(w.no_credits(d["expired"]))
    if out.kind == "already_booked":
        return c.say(w.already_booked(d["session"]))
    if out.kind == "window":
        return c.say(w.window_closed(d["opens_at"]))
    return c.say(w.not_bookable(d.get("reason", "that class isn't available")))


def choosing(c: Ctx) -> Turn | None:
    """Answer to "which one?": a number, an ordinal, or a time; YES when there was one option."""
    ids = c.context.get("options", [])
    options = [s for s in (c.desk.session(i) for i in ids) if s is not None]
    if not options:
        return None
    chosen = pick_by(options, c.parse, lambda s: s.starts_at)
    if chosen is None and c.parse.intent == "yes" and len(options) == 1:
        chosen = options[0]
    if chosen is None:
        if c.parse.intent == "no":
            return c.say("OK, no problem.")
        return None
    if c.context.get("action") == "waitlist":
        return waitlist.join(c, chosen)
    return book(c, chosen)


def confirm_book(c: Ctx) -> Turn | None:
    if c.parse.intent == "yes":
        session = c.desk.session(c.context["session_id"])
        return book(c, session) if session else None
    if c.parse.intent == "no":
        return c.say("OK, no problem.")
    return None


def confirm_overlap(c: Ctx) -> Turn | None:
    """Answer to "you're already booked into X at that time: book Y too?"."""
    if c.parse.intent == "yes":
        session = c.desk.session(c.context["session_id"])
        return book(c, session, allow_overlap=True) if session else None
    if c.parse.intent == "no":
        return c.say(c.words.not_booked())
    return None
