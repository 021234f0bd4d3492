"""Questions: what's on, my bookings, my credits, prices."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.desk import SessionQuery, SessionView
from bot.dialogue import buying
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import asked, session_query


def schedule(c: Ctx) -> Turn:
    p = c.parse
    now = c.desk.now()
    query = session_query(c.desk, p)
    if p.when is None:  # the rest of today, or tomorrow once today is done
        end_of_today = now.astimezone(c.words.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        end_of_today += timedelta(days=1)
        sessions = c.desk.find_sessions(_between(query, now, end_of_today))
        title = "today"
        if not sessions:
            sessions = c.desk.find_sessions(_between(query, end_of_today, end_of_today + timedelta(days=1)))
            title = "tomorrow"
        if not sessions and query.class_type_ids:
            sessions = c.desk.find_sessions(_between(query, now, now + timedelta(days=7)))
            title = "coming up"
    else:
        if p.when.grain == "minute":  # "any spots at 6pm tomorrow?": show that day
            day = p.when.start.replace(hour=0, minute=0, second=0, microsecond=0)
            query = _between(query, max(now, day), day + timedelta(days=1))
        sessions = c.desk.find_sessions(query)
        title = c.words.title_for(p.when.start, p.when.grain)
    sessions = sessions[:8]
    if not sessions and p.when is not None:
        days = int(c.desk.policy_facts().get("booking_window_days") or 0)
        if days and p.when.start > now + timedelta(days=days):
            return c.say(c.words.timetable_not_open(p.when.start, days))
    if not sessions:
        return c.say(c.words.schedule(title, []))
    return c.say(
        c.words.schedule(title, sessions),
        state=State.CHOOSING_SESSION,
        options=[s.id for s in sessions],
        action="book",
        origin="schedule",
        query=asked(p),
    )


def _between(query: SessionQuery, start, end) -> SessionQuery:
    return SessionQuery(query.class_type_ids, query.instructor_ids, query.location_ids, start, end, limit=8)


def bookings(c: Ctx) -> Turn:
    upcoming = c.desk.upcoming_bookings()
    if not upcoming:
        return c.say(c.words.no_bookings())
    shown = upcoming[:6]
    turn = c.say(c.words.bookings(shown))
    turn.context["last_list"] = [b.id for b in shown]
    return turn


OWING = re.compile(r"\b(owe|owing|charged?|fees?|pay|paid|debt)\b")


def credits(c: Ctx) -> Turn:
    if c.parse.class_match and re.search(r"\b(is|for|does|do|costs?|takes?|needs?)\b", c.parse.text):
        return prices(c)  # "how many credits is a reformer class?": what it costs, then the packs
    return c.say(c.words.balance(c.desk.balance(), owing_asked=bool(OWING.search(c.parse.text))))


def where_and_when(c: Ctx) -> Turn:
    """ "what time do I need to be there", "where is it": the class just booked (or named),
    else the next booking, with its place and address."""
    if c.parse.location is not None:  # "whats the address in clapham"
        name = c.parse.location.name
        return c.say(c.words.address_of(name, c.desk.location_address(name)))
    bookings = c.desk.upcoming_bookings()
    if not bookings:
        listed = _listed_session(c)  # "where is it again?" just after a list of classes
        if listed is not None:
            return c.say(c.words.address_of(listed.location, c.desk.location_address(listed.location)))
        return c.say(c.words.no_bookings())
    last = c.context.get("last_booked")
    chosen = next((b for b in bookings if b.session.id == last), None)
    if c.parse.class_match:
        named = [b for b in bookings if b.session.class_type_id in c.parse.class_match.class_type_ids]
        chosen = named[0] if named else chosen
    chosen = chosen or bookings[0]
    return c.say(c.words.where_and_when(chosen.session, c.desk.location_address(chosen.session.location)))


def prices(c: Ctx) -> Turn:
    """The packs; "how much is reformer" first says what that class costs in credits."""
    if buying.wants_to_buy(c.raw):
        return buying.start(c)
    lead = ""
    if c.parse.class_match:
        entries = [e for e in c.desk.catalog().classes if e.id in c.parse.class_match.class_type_ids]
        costs = {e.credits for e in entries}
        if len(costs) == 1:
            lead = c.words.class_cost(c.parse.class_match.label, costs.pop(), c.desk.packages())
    return c.say(c.words.prices(c.desk.packages(), lead=lead))


def cancel_policy(c: Ctx) -> Turn:
    """ "when do I have to cancel by?": the studio's rule, and for the client's next
    booking the exact deadline."""
    facts = c.desk.policy_facts()
    upcoming = c.desk.upcoming_bookings()
    return c.say(c.words.cancel_policy(facts, upcoming[0].session if upcoming else None, c.desk.now()))


def _listed_session(c: Ctx) -> SessionView | None:
    """The first class of the list just shown (or the one a YES would book), if any."""
    listed = c.context.get("options") if c.context.get("action") == "book" else None  # a list of classes
    ids = list(listed or []) + [c.context.get("session_id")]
    for session_id in ids:
        if isinstance(session_id, int):
            session = c.desk.session(session_id)
            if session is not None:
                return session
    return None


def how_long(c: Ctx) -> Turn:
    """ "how long is the class" / "what time does mat end": the class named, else the one just
    booked, else the next booking; else the next session of the class named."""
    bookings = c.desk.upcoming_bookings()
    last = c.context.get("last_booked")
    chosen = next((b.session for b in bookings if b.session.id == last), None)
    if c.parse.class_match:
        ids = c.parse.class_match.class_type_ids
        named = [b.session for b in bookings if b.session.class_type_id in ids]
        if not named:
            now = c.desk.now()
            named = c.desk.find_sessions(SessionQuery(ids, (), (), now, now + timedelta(days=14), limit=1))
        chosen = named[0] if named else None
    chosen = chosen or (bookings[0].session if bookings else None)
    if chosen is None or chosen.ends_at is None:
        return c.say(c.words.unknown())
    return c.say(c.words.how_long(chosen))
