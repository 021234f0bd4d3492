"""1:1 appointments by text: free slots with an instructor, and booking one.

- "PT with Sara thursday 2pm": books that slot when it is free; else the nearest free
  slots are offered, numbered.
- "any personal training slots friday?": that day's free slots (at most six, with who).
- "book a 1:1 next week mornings": next week's morning slots.
- then "2", "the 2pm" or "YES" (one slot offered) books the chosen slot.
A day alone means that whole day; no day at all, the next 7 days. The text is about an
appointment when its class words name only appointment class types
(``Desk.appointment_types``); otherwise ``start`` returns None and the class flows answer.
The slots offered are kept in the context (``State.CHOOSING_SLOT``) as plain data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from bot.desk import AppointmentTypeView, SlotView
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import pick_by
from bot.dialogue.staff_words import StaffWords
from bot.nlu.when import PARTS, When

CHOOSING_SLOT = State.CHOOSING_SLOT

SHOWN = 6  # slots listed at most
NEAREST = 4  # near misses offered when the time asked isn't free
# Requests that mention an appointment but are not about finding or booking one.
ELSEWHERE = frozenset(
    "cancel list_bookings credits prices human join_waitlist reschedule leave_waitlist waitlist_status "
    "running_late check_in cancel_policy buy dispute intro opt_out opt_in help reset".split()
)
_PART = re.compile(r"\b(morning|lunchtime|afternoon|evening)s?\b")


def start(c: Ctx) -> Turn | None:
    """The free slots (or the booking) a text about a 1:1 asks for; None when it isn't one."""
    if c.parse.class_match is None or c.parse.intent in ELSEWHERE:
        return None  # (no desk query for the many texts that name no class)
    types = _types(c)
    ids = _asked(c, types)
    if ids is None:
        return None
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


def choosing(c: Ctx) -> Turn | None:
    """Answer to the numbered slots: "2", "the 2pm", "Sara", YES when one was offered; a new
    day or time ("what about monday?") searches again for the same kind of appointment."""
    options = [_load(d) for d in c.context.get("slots", [])]
    if not options:
        return None
    p = c.parse
    chosen = pick_by(options, p, lambda s: s.starts_at) if p.intent != "schedule" else None
    several = False
    if chosen is None and p.when is not None and p.when.grain == "minute":
        chosen, several = _by_time(options, p.when)
    if chosen is None and p.intent == "yes" and len(options) == 1:
        chosen = options[0]
    if chosen is None and p.instructor is not None and p.when is None:
        theirs = [s for s in options if s.instructor_id == p.instructor.id]
        chosen = theirs[0] if len(theirs) == 1 else None
    if chosen is not None:
        return book(c, chosen)
    if several:
        return c.say(StaffWords(c.words).which_slot(len(options)), state=CHOOSING_SLOT, **_keep(c))
    if p.intent == "no":
        return c.say("OK, no problem.")
    asked = c.context.get("appt") or {}
    if p.intent in ELSEWHERE or not asked.get("type_ids"):
        return None
    types = _types(c)
    ids = _asked(c, types) if p.class_match is not None else tuple(asked["type_ids"])
    if ids is None or (p.when is None and p.instructor is None):
        return None
    instructor_id = p.instructor.id if p.instructor else asked.get("instructor_id")
    who = p.instructor.name if p.instructor else asked.get("instructor")
    return search(c, types, ids, instructor_id, who, p.when, book_exact=p.intent != "schedule")


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
) -> Turn:
    sw = StaffWords(c.words)
    now = c.desk.now()
    what = _what(types, ids, c, instructor)
    asked = {"type_ids": list(ids), "instructor_id": instructor_id, "instructor": instructor}
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
    if len(slots) == 1 and not note:
        text = sw.one_slot(slots[0])
    elif nearest:
        text = c.words.numbered(
            f"{note} Nearest free:",
            [sw.slot_line(s, with_day=True) for s in slots],
            "Reply a number to book.",
        )
    else:
        text = sw.slots(what, period, slots, note=note, part=part)
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


def _by_time(options: Sequence[SlotView], when: When) -> tuple[SlotView | None, bool]:
    """A pick by time ("the 2pm"): (the slot, whether several share that time)."""
    readings = (when.start, *when.alternatives)
    exact = [s for s in options if any(s.starts_at == r for r in readings)]
    if len(exact) == 1:
        return exact[0], False
    clock = {r.time() for r in readings}
    same = [s for s in options if s.starts_at.time() in clock]
    if len(same) == 1:
        return same[0], False
    return None, len(same) > 1


# --------------------------------------------------------------------------- booking


def book(c: Ctx, slot: SlotView, asked: dict | None = None) -> Turn:
    sw = StaffWords(c.words)
    out = c.desk.book_slot(slot)
    d = out.data
    if out.ok:
        return c.say(sw.slot_booked(d.get("slot") or slot, d["balance"], d["free_until"], c.desk.now()))
    if out.kind == "taken":
        asked = asked or c.context.get("appt") or {"type_ids": [slot.class_type_id]}
        ids = tuple(asked.get("type_ids") or [slot.class_type_id])
        others = [s for s in _nearest(c, ids, asked.get("instructor_id"), slot.starts_at) if s != slot]
        gone = sw.slot_taken(slot)
        if not others:
            return c.say(c.words.out(f"{gone} Try another day?"))
        text = c.words.numbered(
            f"{gone} Nearest free:", [sw.slot_line(s, with_day=True) for s in others], "Reply a number to book."
        )
        return c.say(text, state=CHOOSING_SLOT, slots=[_dump(s) for s in others], appt=asked)
    if out.kind == "no_credits":
        return c.say(sw.slot_no_credits(slot.class_name, int(d.get("needed", slot.credits)), int(d.get("have", 0))))
    if out.kind == "window":
        return c.say(c.words.window_closed(d.get("opens_at")))
    return c.say(c.words.not_bookable(str(d.get("reason", "that slot isn't available"))))


# --------------------------------------------------------------------------- helpers


def _types(c: Ctx) -> list[AppointmentTypeView]:
    get = getattr(c.desk, "appointment_types", None)
    return list(get()) if callable(get) else []


def _asked(c: Ctx, types: Sequence[AppointmentTypeView]) -> tuple[int, ...] | None:
    """The appointment types the text names: only when every class it names is one."""
    match = c.parse.class_match
    if match is None or not types:
        return None
    ids = tuple(sorted(set(match.class_type_ids)))
    offered = {t.id for t in types}
    return ids if ids and set(ids) <= offered else None


def _what(types: Sequence[AppointmentTypeView], ids: tuple[int, ...], c: Ctx, instructor: str | None) -> str:
    names = [t.name for t in types if t.id in ids]
    what = names[0] if len(names) == 1 else (c.parse.class_match.label if c.parse.class_match else "1:1")
    return f"{what} with {instructor.split()[0]}" if instructor else what


def _keep(c: Ctx) -> dict:
    return {k: c.context[k] for k in ("slots", "appt") if k in c.context}


def _day_start(c: Ctx, at: datetime) -> datetime:
    return at.astimezone(c.words.tz).replace(hour=0, minute=0, second=0, microsecond=0)


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
