"""From a parse to the sessions or bookings the client means."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from bot.desk import BookingView, Desk, SessionQuery, SessionView
from bot.nlu.parse import Parse
from bot.nlu.when import When

T = TypeVar("T")


def session_query(desk: Desk, parse: Parse, *, days: int = 7, include_full: bool = True) -> SessionQuery:
    class_ids = parse.class_match.class_type_ids if parse.class_match else ()
    instructor_ids = (parse.instructor.id,) if parse.instructor else ()
    location_ids = (parse.location.id,) if parse.location else ()
    when = parse.when
    now = desk.now()
    if when is None:
        return SessionQuery(
            class_ids, instructor_ids, location_ids, now, now + timedelta(days=days), include_full=include_full
        )
    if when.grain == "minute":
        return SessionQuery(
            class_ids, instructor_ids, location_ids, exact=(when.start, *when.alternatives), include_full=include_full
        )
    return SessionQuery(
        class_ids,
        instructor_ids,
        location_ids,
        when.start,
        when.end or when.start + timedelta(days=1),
        include_full=include_full,
    )


def candidates(desk: Desk, parse: Parse) -> list[SessionView]:
    """The sessions that fit everything the client said. A bare hour ("yoga at 6") is
    resolved against the timetable: whichever of 06:00 and 18:00 actually has a class."""
    found = desk.find_sessions(session_query(desk, parse))
    if parse.when is not None and parse.when.grain == "minute" and parse.when.hour_ambiguous and found:
        first = min(found, key=lambda s: s.starts_at).starts_at
        found = [s for s in found if s.starts_at == first]
    return found


def nearest(desk: Desk, parse: Parse, limit: int = 3) -> list[SessionView]:
    """Near misses for "I couldn't find that": the same class around the asked time."""
    now = desk.now()
    if parse.when is not None:
        center = parse.when.start
        start, end = max(now, center - timedelta(days=1)), center + timedelta(days=2)
    else:
        center, start, end = now, now, now + timedelta(days=7)
    query = session_query(desk, parse)
    options = desk.find_sessions(
        SessionQuery(query.class_type_ids, query.instructor_ids, query.location_ids, start, end, limit=50)
    )
    options.sort(key=lambda s: abs((s.starts_at - center).total_seconds()))
    return sorted(options[:limit], key=lambda s: s.starts_at)


def describe(parse: Parse, words) -> str:
    what = parse.class_match.label if parse.class_match else "a class"
    if parse.instructor:
        what += f" with {parse.instructor.name.split()[0]}"
    if parse.when is None:
        return what
    if parse.when.grain == "minute":
        return f"{what} at {words.when(parse.when.start)}"
    return f"{what} on {words.day(parse.when.start)}"


def said(parse: Parse, words) -> str:
    """The reply's own slots in words, for "None of those is Barre on Thu 26 Nov"."""
    parts = [parse.class_match.label] if parse.class_match else []
    if parse.instructor:
        parts.append(f"with {parse.instructor.name.split()[0]}")
    if parse.when is not None:
        from bot.dialogue.refine import names_day

        at = parse.when.start
        if parse.when.grain != "minute":
            parts.append(f"on {words.day(at)}")
        elif names_day(parse.text):
            parts.append(f"on {words.day(at)} at {words.time(at)}")
        else:
            parts.append(f"at {words.time(at)}")
    return " ".join(parts) or "what you said"


def matching_bookings(bookings: list[BookingView], parse: Parse) -> list[BookingView]:
    out = bookings
    if parse.class_match:
        out = [b for b in out if b.session.class_type_id in parse.class_match.class_type_ids]
    when = parse.when
    if when is not None:
        out = [b for b in out if _fits(b.session.starts_at, when)]
    return out


def _fits(at: datetime, when: When) -> bool:
    if when.grain == "minute":
        return at in (when.start, *when.alternatives)
    return when.start <= at < (when.end or when.start + timedelta(days=1))


def pick_by(options: list[T], parse: Parse, start_of: Callable[[T], datetime]) -> T | None:
    """A choice from a numbered list: "2", "the 2nd", "last", or "the 6:30 one"."""
    if parse.number is not None and parse.intent in ("pick", "book", "cancel", "yes", "join_waitlist", "unknown"):
        n = parse.number
        if n == -1:
            return options[-1]
        if 1 <= n <= len(options):
            return options[n - 1]
    if parse.when is not None and parse.when.grain == "minute":
        readings = {parse.when.start.time()} | {a.time() for a in parse.when.alternatives}
        hits = [o for o in options if start_of(o).time() in readings]
        if len(hits) == 1:
            return hits[0]
    return None


def asked(parse: Parse) -> dict:
    """What a list was a search for, kept in the context so a follow-up ("thursday") can
    search again with the same class, instructor and location."""
    return {
        "classes": list(parse.class_match.class_type_ids) if parse.class_match else [],
        "instructors": [parse.instructor.id] if parse.instructor else [],
        "locations": [parse.location.id] if parse.location else [],
    }
