"""1:1 appointments by text: free slots with an instructor, booking one, moving one.

- "PT with Sara thursday 2pm": books that slot when it is free; else the nearest free
  slots are offered, numbered.
- "any personal training slots friday?": that day's free slots (at most six, with who).
- "book a 1:1 next week mornings": next week's morning slots.
- then "2", "the 2pm", "the later one", "Sara" or YES (one slot offered) books the chosen
  slot (``refine.narrow`` over the slots: a time picks only on the day it names); "what
  about with Tom?" / "what about 3pm?" searches again keeping the day asked before.
- "do you do personal training?": what it is, who teaches it and how to book (``about``).
- "actually make it 4pm" / "move my PT to thursday with Kim" (``move``, called by the
  moving flow for a 1:1 booking): the new slot is booked and the old one released in one
  go (``Desk.move_slot``); a time alone keeps the booking's day.
A booking of the client's at the same time is asked about (the studio's overlap rule), a
move inside the late-cancel window states its cost: both wait for YES on the one slot.
A day alone means that whole day; no day at all, the next 7 days. The text is about an
appointment when its class words name only appointment class types
(``Desk.appointment_types``); otherwise ``start`` returns None and the class flows answer.
The slots offered are kept in the context (``State.CHOOSING_SLOT``) as plain data, with
what was asked (``appt``: types, instructor, the day, a booking being moved, a YES pending).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.desk import AppointmentTypeView, BookingView, SlotView
from bot.dialogue import buying
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.refine import names_day, narrow
from bot.dialogue.staff_words import StaffWords
from bot.nlu.parse import Parse
from bot.nlu.when import PARTS, When

CHOOSING_SLOT = State.CHOOSING_SLOT

SHOWN = 6  # slots listed at most
NEAREST = 4  # near misses offered when the time asked isn't free
# Requests that mention an appointment but are not about finding or booking one.
ELSEWHERE = frozenset(
    "cancel list_bookings credits prices human join_waitlist reschedule leave_waitlist waitlist_status "
    "running_late check_in cancel_policy buy dispute intro opt_out opt_in help reset".split()
)
# Questions about the service itself ("do you do personal training?"), not about its times.
_ABOUT = re.compile(
    r"\b(do (?:you|u|ya|y'?all)(?: guys| all)? (?:do|offer|have|run|teach)|you guys do|is there|are there|"
    r"what(?:'s| is)|tell me (?:more )?about|info|more about|how does|how do(?:es)? .* work|offer)\b"
)
_TIMES = re.compile(r"\b(slots?|free|available|availability|openings?|spaces?|times?|when|book)\b")
_QUESTION = re.compile(r"\b(?:what|how) about\b|\bis \w+ free\b|\bany\b|\?\s*$")
_PART = re.compile(r"\b(morning|lunchtime|afternoon|evening)s?\b")
_WAITS = ("allow_overlap", "accept_late")  # YES pending on the one slot offered


def start(c: Ctx) -> Turn | None:
    """The free slots (or the booking) a text about a 1:1 asks for; None when it isn't one."""
    if c.parse.class_match is None or c.parse.intent in ELSEWHERE:
        return None  # (no desk query for the many texts that name no class)
    types = _types(c)
    ids = _asked(c, types)
    if ids is None:
        return None
    if c.parse.when is None and _ABOUT.search(c.parse.text) and not _TIMES.search(c.parse.text):
        turn = about(c)
        if turn is not None:
            return turn
    instructor = c.parse.instructor
    return search(
        c,
        types,
        ids,
        instructor.id if instructor else None,
        instructor.name if instructor else None,
        c.parse.when,
        book_exact=c.parse.intent != "schedule",
    )


def about(c: Ctx) -> Turn | None:
    """ "Do you do personal training?": the 1:1 the text names (no day or time asked), its
    length and credits, who teaches it (those with free slots soon) and how to book one.
    None when the text isn't such a question (a booking, a cancel, a day or time named)."""
    p = c.parse
    if p.class_match is None or p.when is not None or p.intent in ELSEWHERE - {"prices", "help"}:
        return None
    if p.intent == "book" and not _ABOUT.search(p.text):
        return None
    types = _types(c)
    ids = _asked(c, types)
    if ids is None:
        return None
    kind = next(t for t in types if t.id == ids[0])
    now = c.desk.now()
    found = _free(c, (kind.id,), p.instructor.id if p.instructor else None, now, now + timedelta(days=14), limit=200)
    short = _short_name(c, kind)
    return c.say(StaffWords(c.words).about(kind, short, found))


def choosing(c: Ctx) -> Turn | None:
    """Answer to the numbered slots: "2", "the 2pm", "the later one", "Sara", YES when one
    was offered; a new day, time or instructor ("what about with Tom?") searches again for
    the same kind of appointment, keeping what was asked before and not said again."""
    options = [_load(d) for d in c.context.get("slots", [])]
    if not options:
        return None
    p = c.parse
    asked = dict(c.context.get("appt") or {})
    waits = {k: True for k in _WAITS if asked.get(k)}
    if p.intent in ELSEWHERE or p.also:
        return None
    if p.intent == "yes" and not p.has_slots and len(options) == 1:
        return book(c, options[0], asked, **waits)
    if p.intent == "yes" and not p.has_slots:
        return c.say(StaffWords(c.words).which_slot(len(options)), state=CHOOSING_SLOT, **_keep(c))
    if p.intent == "no" and not p.has_slots:
        if waits:
            return c.say(StaffWords(c.words).kept() if asked.get("move") else c.words.not_booked())
        return c.say("OK, no problem.")
    found = narrow(options, p, lambda s: s.starts_at, lambda s: s.class_type_id, lambda s: s.instructor)
    fresh = {k: v for k, v in asked.items() if k not in _WAITS}
    if found.picked is not None:
        if p.intent == "schedule" or (_QUESTION.search(p.text) and p.number is None):
            return _offer(c, [found.picked], "", "", fresh)  # "what about 3pm?": offered, not booked
        return book(c, found.picked, asked, **waits)
    if found.said and len(found.fits) > 1:
        fits = found.fits[:SHOWN]
        text = StaffWords(c.words).which_of(fits, move=fresh.get("move") is not None)
        return c.say(text, state=CHOOSING_SLOT, slots=[_dump(s) for s in fits], appt=fresh)
    if not fresh.get("type_ids") or not (p.when or p.instructor or p.class_match):
        if p.number is not None and p.when is None:
            return c.say(StaffWords(c.words).which_slot(len(options)), state=CHOOSING_SLOT, **_keep(c))
        return None
    types = _types(c)
    ids = _asked(c, types) if p.class_match is not None else tuple(fresh["type_ids"])
    if ids is None:
        return None
    instructor_id = p.instructor.id if p.instructor else fresh.get("instructor_id")
    who = p.instructor.name if p.instructor else fresh.get("instructor")
    when = _follow_up_when(c, p, fresh)
    book_exact = p.intent in ("book", "pick") and not _QUESTION.search(p.text)
    return search(c, types, ids, instructor_id, who, when, book_exact=book_exact, move=fresh.get("move"))


def move(c: Ctx, booking: BookingView, target: Parse | None) -> Turn:
    """Move the 1:1 ``booking`` where ``target`` says ("4pm", "thursday with Kim"): the same
    kind of appointment, with the instructor named (else the booking's own), on the day named
    (else the booking's day). One slot free at the time asked is moved to at once; otherwise
    the free slots are offered and the pick moves it (``Desk.move_slot``)."""
    if target is None or not target.has_slots:
        return c.say(c.words.move_where(booking.session), state=State.AWAITING_MOVE_TARGET, booking_id=booking.id)
    types = _types(c)
    ids = _ids_of(target, types) or (booking.session.class_type_id,)
    if target.instructor is not None:
        instructor_id: int | None = target.instructor.id
        who: str | None = target.instructor.name
    else:
        named = booking.session.instructor
        instructor_id = next((i.id for i in c.desk.catalog().instructors if i.name == named), None)
        who = named if instructor_id is not None else None
    when = target.when
    day = _day_start(c, booking.session.starts_at)
    if when is None:
        when = When(day, day + timedelta(days=1), "day")
    elif when.grain == "minute" and not names_day(target.text):
        when = _on_day(c, when, day.date())
    return search(c, types, ids, instructor_id, who, when, book_exact=True, move=booking.id)


def is_appointment(c: Ctx, booking: BookingView) -> bool:
    """Is this booking a 1:1 (its class type one of ``Desk.appointment_types``)?"""
    return any(t.id == booking.session.class_type_id for t in _types(c))


# --------------------------------------------------------------------------- finding slots


def search(
    c: Ctx,
    types: Sequence[AppointmentTypeView],
    ids: tuple[int, ...],
    instructor_id: int | None,
    instructor: str | None,
    when: When | None,
    *,
    book_exact: bool = True,
    move: int | None = None,
) -> Turn:
    sw = StaffWords(c.words)
    now = c.desk.now()
    what = _what(types, ids, c, instructor)
    asked: dict = {"type_ids": list(ids), "instructor_id": instructor_id, "instructor": instructor}
    asked["when"] = _dump_when(when) if when is not None and when.grain != "week" else None
    if move is not None:
        asked["move"] = move
    part = None if when is not None and when.grain == "part_of_day" else _part(c.parse.text)
    if when is not None and when.grain == "minute":
        readings = (when.start, *when.alternatives)
        day = _day_start(c, when.start)
        same_day = _free(c, ids, instructor_id, max(now, day), day + timedelta(days=1))
        hits = [s for s in same_day if any(s.starts_at == r for r in readings)]
        if hits:
            first = min(s.starts_at for s in hits)
            hits = [s for s in hits if s.starts_at == first]
            if len(hits) == 1 and book_exact:
                return book(c, hits[0], asked)
            return _offer(c, hits, what, f"on {c.words.day(first)}", asked)
        nearest = _nearest(c, ids, instructor_id, when.start)
        if instructor:
            miss = sw.not_free(instructor.split()[0], when.start)
        else:
            miss = f"No {what} slot is free {c.words.when(when.start)}."
        if not nearest:
            return c.say(c.words.out(f"{miss} I can't see a free slot near then. Try another day?"))
        return _offer(c, nearest, what, "nearby", asked, note=miss, nearest=True)
    if when is not None:
        start, end = max(now, when.start), when.end or _day_start(c, when.start) + timedelta(days=1)
        if when.grain == "week":
            period = f"in the week of {c.words.day(when.start)}"
        elif when.grain == "part_of_day":
            named = _part(c.parse.text) or _part_of(when)
            period = f"on {c.words.day(when.start)}" + (f" ({named})" if named else "")
        else:
            period = f"on {c.words.day(when.start)}"
    else:
        start, end = now, now + timedelta(days=7)
        period = "in the next 7 days"
    slots = _within(_free(c, ids, instructor_id, start, end, limit=100), part)
    if slots:
        return _offer(c, slots[:SHOWN], what, period, asked, part=part)
    later = _within(_free(c, ids, instructor_id, end, end + timedelta(days=7), limit=100), part)[:SHOWN]
    if not later:
        return c.say(sw.no_slots(what, period, part))
    parts = f" ({part}s)" if part else ""
    return _offer(c, later, what, "after that", asked, note=f"Nothing is free {period}{parts}.", part=part)


def _offer(
    c: Ctx,
    slots: Sequence[SlotView],
    what: str,
    period: str,
    asked: dict,
    *,
    note: str | None = None,
    part: str | None = None,
    nearest: bool = False,
) -> Turn:
    sw = StaffWords(c.words)
    moving = asked.get("move") is not None
    if len(slots) == 1 and not note:
        text = sw.one_slot(slots[0], move=moving)
    elif nearest:
        text = c.words.numbered(
            f"{note} Nearest free:",
            [sw.slot_line(s, with_day=True) for s in slots],
            sw.reply_a_number(move=moving),
        )
    else:
        text = sw.slots(what, period, slots, note=note, part=part, move=moving)
    return c.say(text, state=CHOOSING_SLOT, slots=[_dump(s) for s in slots], appt=asked)


def _free(
    c: Ctx, ids: tuple[int, ...], instructor_id: int | None, start: datetime, end: datetime, limit: int = 50
) -> list[SlotView]:
    type_id = ids[0] if len(ids) == 1 else None
    found = c.desk.free_slots(start, end, class_type_id=type_id, instructor_id=instructor_id, limit=limit)
    return [s for s in found if s.class_type_id in ids]


def _nearest(c: Ctx, ids: tuple[int, ...], instructor_id: int | None, center: datetime) -> list[SlotView]:
    now = c.desk.now()
    around = _free(c, ids, instructor_id, max(now, center - timedelta(days=2)), center + timedelta(days=3), limit=200)
    around.sort(key=lambda s: (abs((s.starts_at - center).total_seconds()), s.starts_at))
    return sorted(around[:NEAREST], key=lambda s: (s.starts_at, s.instructor))


def _within(slots: list[SlotView], part: str | None) -> list[SlotView]:
    if part is None:
        return slots
    lo, hi = PARTS[part]
    return [s for s in slots if lo <= s.starts_at.time() and (hi is None or s.starts_at.time() < hi)]


def _part(text: str) -> str | None:
    m = _PART.search(text)
    return m.group(1) if m else None


def _part_of(when: When) -> str | None:
    start = when.start.time()
    for name in ("morning", "afternoon", "evening"):
        lo, hi = PARTS[name]
        if lo <= start < (hi or time.max):
            return name
    return None


def _follow_up_when(c: Ctx, p: Parse, asked: dict) -> When | None:
    """The when of a follow-up search: what the reply says, a time alone on the day asked
    before ("what about 3pm" after Friday's slots is Friday 3pm); nothing said, what was
    asked before ("what about with Sara?" keeps Friday)."""
    before = _load_when(asked.get("when"))
    if p.when is None:
        return before
    if p.when.grain == "minute" and before is not None and not names_day(p.text):
        return _on_day(c, p.when, before.start.astimezone(c.words.tz).date())
    return p.when


def _on_day(c: Ctx, when: When, day: date) -> When:
    """``when`` (a time) moved onto ``day``, its other readings too."""

    def moved(at: datetime) -> datetime:
        return at.astimezone(c.words.tz).replace(year=day.year, month=day.month, day=day.day)

    return replace(
        when,
        start=moved(when.start),
        end=moved(when.end) if when.end is not None else None,
        alternatives=tuple(moved(a) for a in when.alternatives),
    )


# --------------------------------------------------------------------------- booking


def book(
    c: Ctx, slot: SlotView, asked: dict | None = None, *, allow_overlap: bool = False, accept_late: bool = False
) -> Turn:
    """Book ``slot`` (or move the booking ``asked["move"]`` to it), and say how it went."""
    sw = StaffWords(c.words)
    asked = dict(asked if asked is not None else c.context.get("appt") or {"type_ids": [slot.class_type_id]})
    moving = asked.get("move")
    if moving is not None:
        out = c.desk.move_slot(int(moving), slot, accept_late=accept_late, allow_overlap=allow_overlap)
    else:
        out = c.desk.book_slot(slot, allow_overlap=True) if allow_overlap else c.desk.book_slot(slot)
    d = out.data
    agreed = {k: True for k, v in (("allow_overlap", allow_overlap), ("accept_late", accept_late)) if v}
    if out.ok and out.kind == "moved":
        return c.say(sw.slot_moved(d.get("slot") or slot, d["old"], d["balance"]), last_booked=d["session"].id)
    if out.ok:
        booked = sw.slot_booked(d.get("slot") or slot, d["balance"], d["free_until"], c.desk.now())
        session = d.get("session")
        return c.say(booked, **({"last_booked": session.id} if session is not None else {}))
    if out.kind == "overlap":
        return _ask(c, slot, sw.slot_overlap(slot, d["clash"], move=moving is not None), asked, agreed, "allow_overlap")
    if out.kind == "overlap_refused":
        return c.say(sw.slot_overlap_refused(slot, d["clash"]))
    if out.kind == "late":
        text = sw.late_slot_move(d["session"], d["consequence"], d["fee"], d["hours"], d["spent"], slot)
        return _ask(c, slot, text, asked, agreed, "accept_late")
    if out.kind == "taken":
        ids = tuple(asked.get("type_ids") or [slot.class_type_id])
        others = [s for s in _nearest(c, ids, asked.get("instructor_id"), slot.starts_at) if s != slot]
        gone = sw.slot_taken(slot)
        if not others:
            return c.say(c.words.out(f"{gone} Try another day?"))
        text = c.words.numbered(
            f"{gone} Nearest free:",
            [sw.slot_line(s, with_day=True) for s in others],
            sw.reply_a_number(move=moving is not None),
        )
        fresh = {k: v for k, v in asked.items() if k not in _WAITS}
        return c.say(text, state=CHOOSING_SLOT, slots=[_dump(s) for s in others], appt=fresh)
    if out.kind == "no_credits":
        data = {"needed": d.get("needed", slot.credits), "have": d.get("have", 0), "expired": d.get("expired")}
        return buying.credits_short(c, None, data, class_name=slot.class_name)
    if out.kind == "window":
        return c.say(c.words.window_closed(d.get("opens_at")))
    if out.kind == "already_booked":
        return c.say(sw.already_in_slot(slot))
    if out.kind == "not_yours":
        return c.say(c.words.not_bookable("that booking isn't yours"))
    return c.say(c.words.not_bookable(str(d.get("reason", "that slot isn't available"))))


def _ask(c: Ctx, slot: SlotView, text: str, asked: dict, agreed: dict, wait: str) -> Turn:
    """A YES-or-NO question about the one slot: YES books (moves) it with ``wait`` agreed."""
    return c.say(text, state=CHOOSING_SLOT, slots=[_dump(slot)], appt={**asked, **agreed, wait: True})


# --------------------------------------------------------------------------- helpers


def _types(c: Ctx) -> list[AppointmentTypeView]:
    get = getattr(c.desk, "appointment_types", None)
    return list(get()) if callable(get) else []


def _asked(c: Ctx, types: Sequence[AppointmentTypeView]) -> tuple[int, ...] | None:
    """The appointment types the text names: only when every class it names is one."""
    return _ids_of(c.parse, types)


def _ids_of(p: Parse, types: Sequence[AppointmentTypeView]) -> tuple[int, ...] | None:
    match = p.class_match
    if match is None or not types:
        return None
    ids = tuple(sorted(set(match.class_type_ids)))
    offered = {t.id for t in types}
    return ids if ids and set(ids) <= offered else None


def _what(types: Sequence[AppointmentTypeView], ids: tuple[int, ...], c: Ctx, instructor: str | None) -> str:
    names = [t.name for t in types if t.id in ids]
    what = names[0] if len(names) == 1 else (c.parse.class_match.label if c.parse.class_match else "1:1")
    return f"{what} with {instructor.split()[0]}" if instructor else what


def _short_name(c: Ctx, kind: AppointmentTypeView) -> str:
    """What a client may text for it: "PT" when the studio's words read that as this type."""
    match = c.desk.catalog().match_class(["pt"])
    return "PT" if match is not None and tuple(match.class_type_ids) == (kind.id,) else kind.name


def _keep(c: Ctx) -> dict:
    return {k: c.context[k] for k in ("slots", "appt") if k in c.context}


def _day_start(c: Ctx, at: datetime) -> datetime:
    return at.astimezone(c.words.tz).replace(hour=0, minute=0, second=0, microsecond=0)


def _dump_when(when: When) -> dict:
    return {
        "start": when.start.isoformat(),
        "end": when.end.isoformat() if when.end is not None else None,
        "grain": when.grain,
        "alternatives": [a.isoformat() for a in when.alternatives],
    }


def _load_when(d: dict | None) -> When | None:
    if not isinstance(d, dict) or not d.get("start"):
        return None
    return When(
        datetime.fromisoformat(d["start"]),
        datetime.fromisoformat(d["end"]) if d.get("end") else None,
        str(d.get("grain", "day")),
        alternatives=tuple(datetime.fromisoformat(a) for a in d.get("alternatives") or ()),
    )


def _dump(s: SlotView) -> dict:
    return {
        "class_type_id": s.class_type_id,
        "class_name": s.class_name,
        "instructor_id": s.instructor_id,
        "instructor": s.instructor,
        "location_id": s.location_id,
        "location": s.location,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "credits": s.credits,
    }


def _load(d: dict) -> SlotView:
    return SlotView(
        int(d["class_type_id"]),
        str(d["class_name"]),
        int(d["instructor_id"]),
        str(d["instructor"]),
        int(d["location_id"]),
        str(d["location"]),
        datetime.fromisoformat(d["starts_at"]),
        datetime.fromisoformat(d["ends_at"]),
        int(d["credits"]),
    )
