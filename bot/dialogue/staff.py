"""Staff texting the studio number: their classes, numbered rosters, and the register.

- "today" / "tomorrow" / "my week" / "what's on thu" / "my schedule this week": the classes
  an instructor teaches (owners and managers: every class) with booked/capacity.
- "roster" / "who's in my 6pm" / "who's coming to flow": the roster of the class under way
  or next (or named; "my 6:30" during the 6:30 is that one, and an instructor's own first),
  numbered; the session and its numbering stay in the (idle) context for a while.
- The 1:1 appointments an instructor teaches count as their classes everywhere here
  (``SessionQuery.include_appointments``); clients' timetables never show them.
- "check in 1 3", "Sam and Priya are here", "check in Sam", "no show Priya", "waive Priya",
  "undo": the register, through ``Desk.attendance``, on the roster shown, else on the class
  named, else on this instructor's class on now or next today. Names match roster names by
  first name, last name or fuzzily; an ambiguous name is asked about, never guessed.
  Instructors may act on classes they teach only: the desk refuses, and we say so.

Owner matching of intro leads plugs in first (``LEAD_HOOKS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.desk import RosterEntry, SessionQuery, SessionView
from bot.dialogue import matching
from bot.dialogue.base import Ctx, Turn
from bot.dialogue.refine import names_day
from bot.dialogue.staff_words import StaffWords
from bot.nlu.when import WEEKDAYS, When

LEAD_HOOKS: list[Callable[[Ctx], Turn | None]] = [matching.instructor_reply, matching.owner_reply]

ROSTER_KEY = "staff_roster"  # {session_id, numbers: [[number, booking id]], label, until}
LAST_KEY = "last_attendance"  # {action, booking_ids, names}: what "undo" reverses
ROSTER_TTL = timedelta(hours=3)  # after the class starts (and at least this long after it is shown)
ACTIONS = ("check_in", "no_show", "waive", "undo")

_ROSTER = re.compile(r"\b(who'?s|who is|whos|who are|roster|register|list for|booked (in|for)|class list|attendance)\b")
_DAY = r"(?:today|tomorrow|tonight|this week|next week|the week|" + "|".join(WEEKDAYS) + ")"
_SCHEDULE = re.compile(
    r"^(?:(?:what'?s|whats|what is) on|what am i teaching|what do i teach|(?:my )?(?:schedule|classes|timetable|"
    r"teaching)|my (?:day|week)|today|tomorrow|tonight|this week|next week|(?:today|tomorrow) classes)"
    rf"(?:\s+(?:for |on )?{_DAY})?$"
)
_UNDO = re.compile(r"^(?:oops |sorry )?undo(?: that| it| last| the last one| please| pls)?$")
_NO_SHOW = re.compile(r"\bno[- ]?shows?\b|\bnoshow\b|\bdidn'?t (?:come|show|turn up)\b|\babsent\b")
_WAIVE = re.compile(r"\bwaive[ds]?\b")
_CHECK_IN = re.compile(r"\bcheck(?:ed)?[- ]?in\b|\b(?:is|are|'s|s) here\b|\barrived\b|\b(?:is|are) in\b")
_SELF_HERE = re.compile(r"^(?:hi |hey )?(?:i'?m|im|i am) (?:here|in)\b")
_ALL = re.compile(r"\b(?:all|everyone|everybody)\b")
_NUMBER = re.compile(r"(?<![\d:.£$])\b(\d{1,2})\b(?![:.]\d|\s*(?:am|pm)\b)")
_NOT_NAMES = frozenset(
    "check checked checking checkin in no show shows noshow mark marked as waive waived waives waiver fee fees "
    "the and are is here arrived has have just please pls for of undo s both too also a an at to my class them "
    "her him all everyone everybody didn't didnt come turn up absent & n' with from off late today tonight "
    "tomorrow morning evening afternoon am pm one ones".split()
)


def respond(c: Ctx) -> Turn | None:
    for hook in LEAD_HOOKS:
        turn = hook(c)
        if turn is not None:
            return turn
    text = c.parse.text.strip(" ?!.")
    action = _action(c, text)
    if action is not None and hasattr(c.desk, "attendance"):
        turn = undo(c) if action == "undo" else attendance(c, action)
        if turn is not None:
            return turn
    if _ROSTER.search(text):
        return roster(c)
    if _SCHEDULE.match(text):
        return teaching(c, text)
    if c.desk.person.client_id is None:
        person = c.desk.person
        assert person.staff_name is not None  # only staff get here (the machine checks ``staff_id``)
        return c.say(c.words.staff_help(person.staff_name.split()[0]))
    return None


def _action(c: Ctx, text: str) -> str | None:
    intent = c.parse.intent
    if intent in ACTIONS:
        return intent
    if text.startswith(("who", "whos")):
        return None
    if _UNDO.match(text):
        return "undo"
    if _WAIVE.search(text):
        return "waive"
    if _NO_SHOW.search(text):
        return "no_show"
    if _CHECK_IN.search(text):
        return "check_in"
    return None


# --------------------------------------------------------------------------- classes taught


def teaching(c: Ctx, text: str) -> Turn:
    person = c.desk.person
    sw = StaffWords(c.words)
    now = c.desk.now()
    today = _day_start(c, now)
    when = c.parse.when
    if when is not None and when.grain == "week":
        start, end = when.start, when.end or when.start + timedelta(days=7)
        title = "next week" if "next week" in text else "this week"
        phrase = title
    elif when is not None:
        day = _day_start(c, when.start)
        start, end = max(now, day), day + timedelta(days=1)
        if day == today:
            title = phrase = "today"
        elif day == today + timedelta(days=1):
            title = phrase = "tomorrow"
        else:
            title, phrase = c.words.day(day), f"on {c.words.day(day)}"
    elif "week" in text:
        start, end = now, today + timedelta(days=7)
        title, phrase = "the next 7 days", "in the next 7 days"
    else:
        start, end = now, today + timedelta(days=1)
        title = phrase = "today"
    mine = person.staff_role not in ("owner", "manager")
    query = SessionQuery(start=start, end=end, staff_id=person.staff_id if mine else None, limit=40)
    sessions = c.desk.find_sessions(replace(query, include_appointments=True))
    multi_day = end - start > timedelta(days=1) or len({_day_start(c, s.starts_at) for s in sessions}) > 1
    clients = _clients_of_1to1s(c, sessions)
    reply = sw.teaching(title, phrase, sessions, with_day=multi_day, me=person.staff_name, mine=mine, clients=clients)
    return _say(c, [reply])


def _clients_of_1to1s(c: Ctx, sessions: Sequence[SessionView]) -> dict[int, str]:
    """Who each 1:1 among ``sessions`` is with (session id -> client name)."""
    get = getattr(c.desk, "appointment_types", None)
    kinds = {t.id for t in get()} if callable(get) else set()
    if not kinds or not hasattr(c.desk, "roster_entries"):
        return {}
    named: dict[int, str] = {}
    for s in sessions:
        if s.class_type_id in kinds:
            entries = c.desk.roster_entries(s.id)
            if entries:
                named[s.id] = ", ".join(e.name for e in entries)
    return named


# --------------------------------------------------------------------------- rosters


def roster(c: Ctx) -> Turn:
    if _names_a_class(c):
        session = _named_session(c)
    else:
        session = _under_way(c) or _current_session(c, days=7)
    if session is None:
        return _say(c, [StaffWords(c.words).no_such_class()])
    return _show_roster(c, session)


def _show_roster(c: Ctx, session: SessionView, *extra: str) -> Turn:
    if not hasattr(c.desk, "roster_entries"):  # a desk without numbered rosters
        return c.say(c.words.roster(session, c.desk.roster(session.id)))
    entries = c.desk.roster_entries(session.id)
    sw = StaffWords(c.words)
    if not entries and session.booked:  # the desk shows a roster only to those who may see it
        return _say(c, [sw.not_yours(session, c.desk.now())])
    texts = sw.roster(session, entries, c.desk.now())
    return _say(c, [*texts, *extra], roster=_remember(c, session, entries))


def _remember(c: Ctx, session: SessionView, entries: Sequence[RosterEntry]) -> dict:
    until = max(c.desk.now() + ROSTER_TTL, session.starts_at + ROSTER_TTL)
    return {
        "session_id": session.id,
        "numbers": [[e.number, e.booking_id] for e in entries],
        "until": until.isoformat(),
    }


def _shown(c: Ctx) -> dict | None:
    shown = c.context.get(ROSTER_KEY)
    if not isinstance(shown, dict) or datetime.fromisoformat(shown["until"]) <= c.desk.now():
        return None
    return shown


def _under_way(c: Ctx) -> SessionView | None:
    """The class of the roster shown when it has started: still "the" class for a while
    (``find_sessions`` only sees classes not yet started)."""
    shown = _shown(c)
    session = c.desk.session(shown["session_id"]) if shown else None
    return session if session is not None and session.starts_at <= c.desk.now() else None


def _names_a_class(c: Ctx) -> bool:
    return c.parse.class_match is not None or c.parse.when is not None


def _named_session(c: Ctx) -> SessionView | None:
    """The class the text names ("who's in my 6pm", "flow wed"): this instructor's first,
    then anyone's (a roster is read-only; acting on it is the desk's to refuse). A time
    with no day ("my 6:30") is also today's at that time, under way or to come, so the
    class on now is found while it runs (the parser reads a time just past as tomorrow's)."""
    p = c.parse
    if not _names_a_class(c):
        return None
    class_ids = tuple(p.class_match.class_type_ids) if p.class_match else ()
    now = c.desk.now()
    if p.when is not None and p.when.grain == "minute":
        readings = _readings(c, p.when, day_named=names_day(p.text))
        base = SessionQuery(class_ids, start=now - ROSTER_TTL, exact=readings, limit=1)
    elif p.when is not None:
        base = SessionQuery(class_ids, start=p.when.start, end=p.when.end or p.when.start + timedelta(days=1), limit=1)
    else:
        base = SessionQuery(class_ids, start=now - ROSTER_TTL, end=now + timedelta(days=8), limit=1)
    for staff_id in (c.desk.person.staff_id, None):
        found = c.desk.find_sessions(_with_staff(c, base, staff_id))
        if found:
            return found[0]
    return None


def _readings(c: Ctx, when: When, *, day_named: bool) -> tuple[datetime, ...]:
    """The instants a stated time can mean. With no day named, today's at that clock time
    too (and the other half of the day when the hour is ambiguous: "6:30")."""
    readings = [when.start, *when.alternatives]
    if not day_named:
        today = _day_start(c, c.desk.now())
        for at in list(readings):
            local = at.astimezone(c.words.tz)
            same = today.replace(hour=local.hour, minute=local.minute)
            readings.append(same)
            if when.hour_ambiguous:
                readings.append(same + timedelta(hours=12) if same.hour < 12 else same - timedelta(hours=12))
    return tuple(dict.fromkeys(readings))


def _current_session(c: Ctx, days: int = 0) -> SessionView | None:
    """The class (or 1:1) "the" roster or register means with none named: this instructor's
    on now or next today, then within ``days``. Owners and managers: theirs on now or next
    today first, else the studio's class under way, else its next today (then theirs, then
    anyone's, within ``days``)."""
    now = c.desk.now()
    today_end = _day_start(c, now) + timedelta(days=1)
    later = now + timedelta(days=days) if days else today_end
    person = c.desk.person
    everyone = person.staff_role in ("owner", "manager")
    steps: list[tuple[int | None, datetime]] = [(person.staff_id, today_end)]
    if everyone:
        steps += [(None, now + timedelta(seconds=1)), (None, today_end)]  # under way, then next today
    if later > today_end:
        steps.append((person.staff_id, later))
        if everyone:
            steps.append((None, later))
    for staff_id, end in steps:
        if staff_id is None and not everyone:
            continue
        query = SessionQuery(start=now - ROSTER_TTL, end=end, limit=1)
        found = c.desk.find_sessions(_with_staff(c, query, staff_id))
        if found:
            return found[0]
    return None


def _with_staff(c: Ctx, q: SessionQuery, staff_id: int | None) -> SessionQuery:
    """``q`` for this instructor (or anyone's, None), classes under way included, and the
    booked 1:1s: their own, or anyone's for the roles that see every roster (an instructor
    is never told of another's 1:1)."""
    sees_all = c.desk.person.staff_role in ("owner", "manager", "front_desk")
    return replace(q, staff_id=staff_id, include_started=True, include_appointments=staff_id is not None or sees_all)


# --------------------------------------------------------------------------- the register


def attendance(c: Ctx, action: str) -> Turn | None:
    sw = StaffWords(c.words)
    text = c.parse.text.strip(" ?!.")
    numbers = _numbers(c)
    names = _name_tokens(c)
    everyone = action == "check_in" and bool(_ALL.search(text))
    if action == "check_in" and not numbers and not names and not everyone and _SELF_HERE.match(text):
        return None  # "I'm here": a staff member arriving as a client, not a register
    shown = _shown(c)
    session: SessionView | None = None
    numbering: dict[int, int] | None = None
    if _names_a_class(c):
        session = _named_session(c)
        if session is None:
            return _say(c, [sw.no_such_class()])
    elif shown is not None:
        session = c.desk.session(shown["session_id"])
        numbering = {int(n): int(b) for n, b in shown["numbers"]}
    if session is None:
        session = _current_session(c)
        if session is None:
            return _say(c, [sw.no_class_now()])
    elif numbering is None and shown is not None and shown["session_id"] == session.id:
        numbering = {int(n): int(b) for n, b in shown["numbers"]}
    entries = c.desk.roster_entries(session.id)
    if not entries and session.booked:
        return _say(c, [sw.not_allowed()])
    if not numbers and not names and not everyone:
        return _show_roster(c, session, sw.who_is_here() if action == "check_in" else sw.which_people())
    if numbers and numbering is None:  # numbers they haven't seen: show the roster first
        return _show_roster(c, session)
    by_booking = {e.booking_id: e for e in entries}
    chosen: list[RosterEntry] = []
    notes: list[str] = []
    missing_numbers = []
    for n in numbers:
        booking_id = (numbering or {}).get(n)
        entry = by_booking.get(booking_id) if booking_id is not None else None
        if entry is None:
            missing_numbers.append(str(n))
        elif entry not in chosen:
            chosen.append(entry)
    if missing_numbers:
        notes.append(f"No number {', '.join(missing_numbers)} on the roster.")
    if everyone:
        chosen.extend(e for e in entries if e.status == "confirmed" and e not in chosen)
    found, unknown, ambiguous = match_names(names, entries)
    chosen.extend(e for e in found if e not in chosen)
    label = sw.session_label(session, c.desk.now())
    if unknown:
        notes.append(sw.unknown_names(unknown, label))
    if ambiguous is not None:
        seen = {b: n for n, b in (numbering or {}).items()}  # the numbers as they were shown
        name, options = ambiguous
        notes.append(sw.ambiguous(name, [replace(e, number=seen.get(e.booking_id, e.number)) for e in options]))
    if not chosen:
        return _say(c, [sw.joined(notes)], roster=shown if numbering else _remember(c, session, entries))
    return _act(c, action, session, entries, chosen, notes, numbering is None)


def _act(
    c: Ctx,
    action: str,
    session: SessionView,
    entries: Sequence[RosterEntry],
    chosen: Sequence[RosterEntry],
    notes: list[str],
    name_class: bool,
) -> Turn:
    sw = StaffWords(c.words)
    desk_action = "checked_in" if action == "check_in" else action
    done_ids: list[int] = []
    done_names: list[str] = []
    problems: list[str] = []
    for entry in chosen:
        who = display_name(entry, entries)
        out = c.desk.attendance(entry.booking_id, desk_action)
        if out.ok:
            done_ids.append(entry.booking_id)
            done_names.append(who)
        elif out.kind == "not_allowed":
            problems = [sw.not_allowed()]
            break
        elif out.kind == "not_found":
            problems.append(sw.not_found(who))
        else:
            problems.append(sw.refused(who, str(out.data.get("reason", "that can't be changed now"))))
    label = sw.session_label(session, c.desk.now()) if name_class else None
    said = [sw.done(desk_action, done_names, label)] if done_ids else []
    shown = _shown(c)
    if shown is not None and shown["session_id"] == session.id:  # the numbers they see stay the same
        extra: dict = {"roster": {**shown, "until": _remember(c, session, ())["until"]}}
    else:
        extra = {"roster": _remember(c, session, c.desk.roster_entries(session.id))}
    if done_ids:
        extra["last"] = {"action": desk_action, "booking_ids": done_ids, "names": done_names}
    return _say(c, [sw.joined([*said, *problems, *notes])], **extra)


def undo(c: Ctx) -> Turn:
    sw = StaffWords(c.words)
    last = c.context.get(LAST_KEY)
    if not isinstance(last, dict) or not last.get("booking_ids"):
        return _say(c, [sw.nothing_to_undo()])
    undone: list[str] = []
    problems: list[str] = []
    for booking_id, who in zip(last["booking_ids"], last["names"], strict=False):
        out = c.desk.attendance(booking_id, "undo")
        if out.ok:
            undone.append(who)
        elif out.kind == "not_allowed":
            problems = [sw.not_allowed()]
            break
        elif out.kind == "not_found":
            problems.append(sw.not_found(who))
        else:
            problems.append(sw.refused(who, str(out.data.get("reason", "that can't be changed now"))))
    said = [sw.undone(last["action"], undone)] if undone else []
    return _say(c, [sw.joined([*said, *problems])], last=None)


# --------------------------------------------------------------------------- names and numbers


def _numbers(c: Ctx) -> tuple[int, ...]:
    """Roster numbers ("check in 1 3"), never the digits of a time ("check in sam at 6pm")."""
    text = c.parse.text
    if c.parse.when is not None:
        a, b = c.parse.when.span
        text = text[:a] + " " * (b - a) + text[b:]
    return tuple(dict.fromkeys(int(n) for n in _NUMBER.findall(text)))


def _name_tokens(c: Ctx) -> tuple[str, ...]:
    """The words naming people: ``Parse.names`` for the register's intents, else the words
    left once the command, the class and the day are taken out."""
    skip = set(_NOT_NAMES) | set(WEEKDAYS)
    if c.parse.class_match is not None:
        skip |= set(c.parse.class_match.label.lower().split())
    if c.parse.intent in ACTIONS:
        words = list(c.parse.names)
    else:
        words = [w.strip("'").removesuffix("'s") for w in re.split(r"[^a-z']+", c.parse.text.lower())]
    names = [w for w in words if len(w) >= 2 and w not in skip and not any(ch.isdigit() for ch in w)]
    out: list[str] = []
    for name in names:  # "sam l": a last-name initial says which Sam
        out.append(name)
        initial = re.search(rf"\b{re.escape(name)}(?:'s)? ([a-z])\b\.?", c.parse.text)
        if initial:
            out.append(initial.group(1))
    return tuple(out)


def match_names(
    tokens: Sequence[str], entries: Sequence[RosterEntry]
) -> tuple[list[RosterEntry], list[str], tuple[str, list[RosterEntry]] | None]:
    """(matched entries, names matching nobody, the first ambiguous name and its candidates).
    "sam green" (two tokens) is one person; "sam g" narrows the Sams by last name."""
    found: list[RosterEntry] = []
    unknown: list[str] = []
    ambiguous: tuple[str, list[RosterEntry]] | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        pair = _by_full_name(f"{token} {following}", entries) if following else None
        if pair is not None:
            found.append(pair)
            i += 2
            continue
        if len(token) == 1:  # an initial that narrowed nobody
            i += 1
            continue
        candidates = _candidates(token, entries)
        if len(candidates) > 1 and following:
            narrowed = [e for e in candidates if _last(e).startswith(following.rstrip("."))]
            if len(narrowed) == 1:
                candidates, i = narrowed, i + 1
        if len(candidates) == 1:
            found.append(candidates[0])
        elif not candidates:
            unknown.append(token)
        elif ambiguous is None:
            ambiguous = (token, candidates)
        i += 1
    return found, unknown, ambiguous


def _first(e: RosterEntry) -> str:
    return (e.name.split() or [""])[0].lower()


def _last(e: RosterEntry) -> str:
    parts = e.name.split()
    return parts[-1].lower() if len(parts) > 1 else ""


def _by_full_name(phrase: str, entries: Sequence[RosterEntry]) -> RosterEntry | None:
    scored = [(fuzz.ratio(phrase, e.name.lower()), e) for e in entries]
    good = [(s, e) for s, e in scored if s >= 88]
    if not good:
        return None
    best = max(s for s, _ in good)
    top = [e for s, e in good if s == best]
    return top[0] if len(top) == 1 else None


def _candidates(token: str, entries: Sequence[RosterEntry]) -> list[RosterEntry]:
    exact = [e for e in entries if _first(e) == token]
    if exact:
        return exact
    by_last = [e for e in entries if _last(e) == token]
    if by_last:
        return by_last
    scored = [(max(fuzz.ratio(token, _first(e)), fuzz.ratio(token, _last(e)) if _last(e) else 0), e) for e in entries]
    cutoff = 80 if len(token) >= 4 else 100
    good = [(s, e) for s, e in scored if s >= cutoff]
    if not good:
        return []
    best = max(s for s, _ in good)
    return [e for s, e in good if s >= best - 3]


def display_name(entry: RosterEntry, entries: Sequence[RosterEntry]) -> str:
    """The first name, or the full name when someone else on the roster shares it."""
    first = entry.name.split()[0] if entry.name.split() else entry.name
    twins = [e for e in entries if _first(e) == first.lower()]
    return entry.name if len(twins) > 1 else first


# --------------------------------------------------------------------------- helpers


def _day_start(c: Ctx, at: datetime) -> datetime:
    return at.astimezone(c.words.tz).replace(hour=0, minute=0, second=0, microsecond=0)


def _say(c: Ctx, texts: Sequence[str], *, roster: dict | None = None, last: dict | None | bool = False) -> Turn:
    """A reply that keeps the roster shown while it is fresh, and what "undo" would reverse.
    ``last=None`` forgets the last action; ``False`` (the default) keeps it."""
    keep: dict = {}
    shown = roster if roster is not None else _shown(c)
    if shown is not None:
        keep[ROSTER_KEY] = shown
    previous = c.context.get(LAST_KEY)
    if isinstance(last, dict):
        keep[LAST_KEY] = last
    elif last is False and isinstance(previous, dict):
        keep[LAST_KEY] = previous
    return c.say(*texts, **keep)
