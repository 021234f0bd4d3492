"""Booking: act at once when the request is unambiguous, else offer numbered choices."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from bot.desk import SessionQuery, SessionView
from bot.dialogue import buying, moving, waitlist
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import asked, candidates, describe, nearest, said, session_query
from bot.dialogue.refine import narrow
from bot.nlu.parse import Parse

QUESTION = re.compile(
    r"\?|^(is|are|does|do|can|could|what|when|how|which|will|would|should|shall|has|have)\b"
    r"|\b(is|are) there\b|\bany (spots?|space|room|places?|classes)\b|\bdo you have\b"
)


BOOK_VERB = re.compile(
    r"\b(book|booking|reserve|sign me up|sign up|get me in|get me into|get in|get into|fit me in|come along|"
    r"put me (in|down)|grab|squeeze|save me|join|"
    r"want|wanna|need|like to|i'?ll take|take a spot|spot for me|add me|count me in|use (it|my|a))\b"
)


def implicit(p: Parse) -> bool:
    """A "book" that is not a request to book: read from slots alone ("oh wait is it not
    today"), or a question without a booking verb ("is there yin tonight"). Never acted on
    at once: shown, so the client picks."""
    if QUESTION.search(p.text.strip()) and not BOOK_VERB.search(p.text):
        return True
    return p.confidence < 0.7 and not (p.class_match and p.when)


def start(c: Ctx) -> Turn:
    p = c.parse
    if not (p.class_match or p.when or p.instructor):
        return c.say(c.words.what_to_book())
    if implicit(p):
        from bot.dialogue import info

        return info.schedule(c)
    found = candidates(c.desk, p)
    if len(found) == 1:
        return book(c, found[0])
    if not found:
        turn = _past_or_not_open(c, p)
        if turn is not None:
            return turn
        if p.location is not None and p.class_match is not None:  # "reformer at shoreditch": it runs elsewhere
            elsewhere = candidates(c.desk, replace(p, location=None))
            if elsewhere:
                return c.say(
                    c.words.not_at(p.class_match.label, p.location.name, elsewhere[:3]),
                    state=State.CHOOSING_SESSION,
                    options=[s.id for s in elsewhere[:3]],
                    action="book",
                    query=asked(replace(p, location=None)),
                )
        alternatives = nearest(c.desk, p)
        if not alternatives:
            return c.say(c.words.no_match(describe(p, c.words), []), last_query=asked(p))
        return c.say(
            c.words.no_match(describe(p, c.words), alternatives),
            state=State.CHOOSING_SESSION,
            options=[s.id for s in alternatives],
            action="book",
            query=asked(p),
        )
    options = found[:5]
    return c.say(
        c.words.choose_session(options),
        state=State.CHOOSING_SESSION,
        options=[s.id for s in options],
        action="book",
        query=asked(p),
    )


def _past_or_not_open(c: Ctx, p: Parse) -> Turn | None:
    """Nothing found because the time asked has gone ("book flow today 6pm" at 7pm), or is
    beyond the booking window (its sessions are not on the timetable yet): say which."""
    when = p.when
    if when is None:
        return None
    now = c.desk.now()
    if when.grain == "minute" and max((when.start, *when.alternatives)) <= now:
        classes = p.class_match.class_type_ids if p.class_match else ()
        following = c.desk.find_sessions(SessionQuery(classes, (), (), now, now + timedelta(days=14), limit=1))
        if following:
            return c.say(
                c.words.class_over(describe(p, c.words), following[0]),
                state=State.CONFIRM_BOOK,
                session_id=following[0].id,
            )
        return c.say(c.words.class_over(describe(p, c.words), None))
    days = int(c.desk.policy_facts().get("booking_window_days") or 0)
    if days and when.start > now + timedelta(days=days):
        return c.say(
            c.words.not_open_yet(describe(p, c.words), days, when.start - timedelta(days=days)), last_query=asked(p)
        )
    return None


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
            ),
            last_booked=d["session"].id,
            last_action="book",
        )
    if out.kind == "overlap":
        return c.say(w.overlap_question(d["session"], d["clash"]), state=State.CONFIRM_OVERLAP, session_id=session.id)
    if out.kind == "overlap_refused":
        return c.say(w.overlap_refused(d["session"], d["clash"]))
    if out.kind == "full":
        return c.say(w.class_full(d["session"]), state=State.CONFIRM_WAITLIST, session_id=session.id)
    if out.kind == "no_credits":
        return buying.credits_short(c, session, d)
    if out.kind == "already_booked":
        return c.say(w.already_booked(d["session"]))
    if out.kind == "window":
        return c.say(w.window_closed(d["opens_at"]))
    return c.say(w.not_bookable(d.get("reason", "that class isn't available")))


# Replies that are a new request, never an answer to "which one?".
NEW_REQUEST = frozenset(
    {
        "cancel",
        "list_bookings",
        "credits",
        "prices",
        "buy",
        "reschedule",
        "leave_waitlist",
        "waitlist_status",
        "running_late",
        "check_in",
        "human",
        "dispute",
        "cancel_policy",
        "intro",
    }
)
RESTATE = frozenset({"ack", "greeting", "help"})


def choosing(c: Ctx) -> Turn | None:
    """Answer to "which one?": a number or ordinal, a time, a day, a class, "the later one";
    YES when there was one option. A reply that narrows to nothing offered searches again
    with what was first asked plus what the reply adds; failing that it says so and asks
    again with the same choices."""
    ids = c.context.get("options", [])
    options = [s for s in (c.desk.session(i) for i in ids) if s is not None]
    p = c.parse
    if not options or p.intent in NEW_REQUEST or p.also:
        return None
    plain = not QUESTION.search(p.text.strip())
    wants_list = p.intent == "join_waitlist" or re.search(r"\bwait ?-?list|waiting list\b", p.text) is not None
    if wants_list and len(options) == 1 and not p.has_slots and p.number is None:
        return waitlist.join(c, options[0])  # "yes add me to waitlist" under a list of one full class
    if p.intent in ("yes", "book") and len(options) == 1 and not p.has_slots and p.number is None and plain:
        return _act(c, options[0])  # "yes" / "book it" to a list of one
    found = narrow(options, p, lambda s: s.starts_at, lambda s: s.class_type_id, lambda s: s.instructor)
    asking = QUESTION.search(p.text.strip()) and p.intent not in ("book", "yes", "pick", "join_waitlist")
    if found.picked is not None and asking and p.number is None:
        return None  # "is reformer ok with a bad back?": a question about it, not a pick
    if found.picked is not None:
        return _act(c, found.picked)
    if p.intent == "no" and not found.said:
        return c.say("OK, no problem.")
    if found.said and found.fits:
        return _offer(c, found.fits)
    if found.said and p.intent == "schedule" and c.context.get("action") == "move":
        return None  # "what's on tomorrow?" while choosing where to move: answer the question
    if found.said:
        again = search_again(c, p)
        if again:
            if len(again) == 1 and c.context.get("origin") != "schedule" and p.intent != "schedule" and not asking:
                return _act(c, again[0])
            return _offer(c, again[:5])
        return _offer(c, options, prefix=c.words.none_of_those(said(p, c.words)))
    if p.intent in RESTATE or p.text.strip() in ("", "?", "??", "???"):
        return _offer(c, options)
    return None


def _act(c: Ctx, chosen: SessionView) -> Turn:
    if c.context.get("action") == "waitlist":
        return waitlist.join(c, chosen)
    if c.context.get("action") == "leave_waitlist":
        return waitlist.leave_one(c, chosen)
    if c.context.get("action") == "move":
        return moving.move_to(c, int(c.context["booking_id"]), chosen)
    return book(c, chosen)


def _offer(c: Ctx, options: list[SessionView], prefix: str = "") -> Turn:
    """The same question again over ``options``, keeping what the list was for."""
    action = c.context.get("action", "book")
    verb = {"waitlist": "add you to the waitlist for", "move": "move it to"}.get(action, "book")
    text = c.words.choose_session(options[:5], verb)
    keep = {k: c.context[k] for k in ("action", "origin", "query", "booking_id") if k in c.context}
    return c.say(
        f"{prefix} {text}".strip(), state=State.CHOOSING_SESSION, **{**keep, "options": [s.id for s in options[:5]]}
    )


def search_asked(c: Ctx, asked_before: dict) -> Turn:
    """ "ok what about 12/6" after a search that found nothing: the same class, the new day."""
    c.context["query"] = asked_before
    found = search_again(c, c.parse)
    if len(found) == 1:
        return book(c, found[0])
    if not found:
        turn = _past_or_not_open(c, c.parse)
        if turn is not None:
            return turn
        what = said(c.parse, c.words)
        if not c.parse.class_match:  # "friday instead?": name the class first asked about
            names = [e.name for e in c.desk.catalog().classes if e.id in asked_before.get("classes", ())]
            what = f"{names[0]} {what}" if len(names) == 1 else what
        return c.say(c.words.no_match(what, []), last_query=asked_before)
    return c.say(
        c.words.choose_session(found[:5]),
        state=State.CHOOSING_SESSION,
        options=[s.id for s in found[:5]],
        action="book",
        query=asked_before,
    )


def search_again(c: Ctx, p: Parse) -> list[SessionView]:
    """What was first asked (``query`` in the context), with the reply's slots in place."""
    asked = c.context.get("query") or {}
    classes = p.class_match.class_type_ids if p.class_match else tuple(asked.get("classes", ()))
    instructors = (p.instructor.id,) if p.instructor else tuple(asked.get("instructors", ()))
    locations = (p.location.id,) if p.location else tuple(asked.get("locations", ()))
    if not (p.class_match or p.when or p.instructor or p.location):
        return []
    base = session_query(c.desk, p)
    query = replace(base, class_type_ids=classes, instructor_ids=instructors, location_ids=locations)
    found = c.desk.find_sessions(query)
    return [s for s in found if s.starts_at > c.desk.now()]


def confirm_book(c: Ctx) -> Turn | None:
    """YES, or "book it" / "can I just book it" naming nothing else, books the class asked about."""
    if c.parse.intent == "yes" or (c.parse.intent == "book" and not c.parse.has_slots and not c.parse.number):
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
