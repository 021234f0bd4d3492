"""A new client's preferences for a first 1:1: location, days, times, goals.

``parse_preferences("clapham, weekday mornings before 9, lower back pain", locations)``
reads what is there and leaves the rest ``None``; the dialogue merges replies and asks
for what is still missing. Rules where English is vague:
- parts of day: early 06-09, morning 06-12, lunchtime 11:30-14, afternoon 12-17,
  evening 17-21; "before N"/"after N" narrow them (or stand alone); a bare hour after
  "after" of 1-8 is pm ("after 6" = 18:00), after "before" of 1-5 is pm, otherwise am;
- days: weekdays Mon-Fri, weekends Sat-Sun, named days, "except/not/but not <day>"
  removes days (from every day when nothing else was named);
- a comma-separated piece that names no place, day or time is a goal or an injury.
Times are minutes after local midnight; a slot fits when it starts inside a window
(``app.booking.matching.fits`` applies the stored preferences to a slot).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.nlu.catalog import Catalog, NamedEntry
from bot.nlu.normalise import normalise
from bot.nlu.when import WEEKDAYS

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PARTS: dict[str, tuple[int, int, str]] = {
    "early": (6 * 60, 9 * 60, "early mornings"),
    "mornings": (6 * 60, 12 * 60, "mornings"),
    "morning": (6 * 60, 12 * 60, "mornings"),
    "lunchtime": (11 * 60 + 30, 14 * 60, "lunchtimes"),
    "lunchtimes": (11 * 60 + 30, 14 * 60, "lunchtimes"),
    "lunch": (11 * 60 + 30, 14 * 60, "lunchtimes"),
    "afternoon": (12 * 60, 17 * 60, "afternoons"),
    "afternoons": (12 * 60, 17 * 60, "afternoons"),
    "evening": (17 * 60, 21 * 60, "evenings"),
    "evenings": (17 * 60, 21 * 60, "evenings"),
    "eve": (17 * 60, 21 * 60, "evenings"),
}
ALL_DAY = (0, 24 * 60)
_ANY_TIME = re.compile(r"\b(any ?time|whenever|flexible|all day|any hour|don'?t mind|dont mind|no preference)\b")
_ANY_DAY = re.compile(r"\b(any ?day|every ?day|all week|7 days|seven days|any day of the week)\b")
_ANY = re.compile(r"\bany\b")
_WEEKDAYS = re.compile(
    r"\b(week ?days?|weekdays|mon ?- ?fri|monday to friday|mon to fri|during the week|work ?days?)\b"
)
_WEEKENDS = re.compile(r"\b(week ?ends?|weekends|sat and sun|saturday and sunday)\b")
_EXCEPT = re.compile(
    r"\b(?:except|but not|not on|not|apart from|excluding|other than|no)\s+((?:(?:{})(?:\s*(?:,|and|or|&)\s*)?)+)".format(
        "|".join(sorted(WEEKDAYS, key=len, reverse=True))
    )
)
_DAY = re.compile(r"\b({})\b".format("|".join(sorted(WEEKDAYS, key=len, reverse=True))))
_BOUND = re.compile(
    r"\b(before|after|from|by|until|till|not before|no earlier than|no later than)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\b"
)
_BETWEEN = re.compile(
    r"\bbetween\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s+(?:and|-)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\b"
)
_NONE = re.compile(
    r"^(none|no|nope|nothing|n/?a|na|no goals?|no injur(y|ies)|not really|nah|nothing really|"
    r"all good|none thanks|no thanks|just fitness|no goals or injuries)\b"
)
_GOAL_PREFIX = re.compile(
    r"\b(goals?|injur(?:y|ies)|aim|hoping to|want to|i'?d like to|looking to)\s*(?:is|are|:|-)?\s*"
)
_FILLER = set(
    "i im i'm am is are be the a an and or but prefer preferably ideally would like please work works best suit "
    "suits me for my to at in on of location studio days day times time good ok okay fine really".split()
)


@dataclass(frozen=True)
class Preferences:
    """What one message said; ``None`` where it said nothing."""

    location: NamedEntry | None = None
    days: tuple[int, ...] | None = None  # 0 = Monday
    days_label: str | None = None
    windows: tuple[tuple[int, int], ...] | None = None  # minutes after midnight, slot start inside
    times_label: str | None = None
    goals: str | None = None
    no_goals: bool = False

    @property
    def when_given(self) -> bool:
        return self.days is not None or self.windows is not None


def _hour(h: str, m: str | None, ampm: str | None, pm_below: int) -> int | None:
    hour, minute = int(h), int(m or 0)
    if hour > 23 or minute > 59:
        return None
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    elif ampm is None and 1 <= hour <= pm_below:
        hour += 12
    return hour * 60 + minute


def clock_label(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    shown = h if h <= 12 else h - 12
    return f"{shown}:{m:02d}" if m else str(shown)


def _days(text: str) -> tuple[tuple[int, ...] | None, str | None, set[int]]:
    excluded: set[int] = set()
    rest = text
    for m in _EXCEPT.finditer(text):
        excluded |= {WEEKDAYS[d] for d in _DAY.findall(m.group(1))}
        rest = rest.replace(m.group(0), " ")
    base: set[int] | None = None
    word = None
    if _WEEKDAYS.search(rest):
        base, word = set(range(5)), "weekday"
    if _WEEKENDS.search(rest):
        base, word = (base or set()) | {5, 6}, ("weekend" if base is None else "any day")
    named = {WEEKDAYS[d] for d in _DAY.findall(rest)}
    if named:
        base = (base or set()) | named
        word = None
    if base is None and (excluded or _ANY_DAY.search(rest) or _ANY.search(rest)):
        base, word = set(range(7)), "any"
    if base is None:
        return None, None, excluded
    days = tuple(sorted(base - excluded))
    if word is None:
        word = "/".join(DAY_NAMES[d] for d in days)
    elif word == "any day":
        word = "any"
    except_ = sorted(excluded & base)
    label = word + (f"|except {', '.join(DAY_NAMES[d] for d in except_)}" if except_ else "")
    return days, label, excluded


def _times(text: str) -> tuple[tuple[tuple[int, int], ...] | None, str | None]:
    parts: list[tuple[int, int, str]] = []
    for word in re.findall(r"[a-z']+", text):
        if word in PARTS and PARTS[word] not in parts:
            parts.append(PARTS[word])
    if "after work" in text and PARTS["evening"] not in parts:
        parts.append(PARTS["evening"])
    low, high, bounds = 0, 24 * 60, []
    m = _BETWEEN.search(text)
    if m:
        a = _hour(m.group(1), m.group(2), m.group(3) or m.group(6), 6)
        b = _hour(m.group(4), m.group(5), m.group(6), 8)
        if a is not None and b is not None and a < b:
            low, high = a, b
            bounds.append(f"between {clock_label(a)} and {clock_label(b)}")
    for m in _BOUND.finditer(text):
        word = m.group(1)
        after = word in ("after", "from", "not before", "no earlier than")
        at = _hour(m.group(2), m.group(3), m.group(4), 8 if after else 5)
        if at is None:
            continue
        if after:
            low = max(low, at)
            bounds.append(f"after {clock_label(at)}")
        else:
            high = min(high, at)
            bounds.append(f"before {clock_label(at)}")
    if not parts and not bounds:
        if _ANY_TIME.search(text):
            return (ALL_DAY,), "any time"
        return None, None
    windows = [(max(a, low), min(b, high)) for a, b, _ in parts] or [(low, high)]
    windows = [(a, b) for a, b in windows if a < b]
    if not windows:
        return None, None
    names = " or ".join(dict.fromkeys(label for _, _, label in parts))
    label = " ".join(x for x in (names, " ".join(bounds)) if x)
    return tuple(windows), label


def _location(text: str, locations: Sequence[NamedEntry]) -> NamedEntry | None:
    if not locations:
        return None
    found = Catalog(locations=list(locations)).match_location(re.findall(r"[a-z0-9']+", text))
    if found is None:
        return None
    return next(e for e in locations if e.id == found.id)


def _recognised(piece: str, locations: Sequence[NamedEntry]) -> bool:
    return any(
        (_location(piece, locations), _days(piece)[0] is not None or _days(piece)[2], _times(piece)[0] is not None)
    )


def _goals(raw: str, text: str, locations: Sequence[NamedEntry]) -> str | None:
    m = _GOAL_PREFIX.search(text)
    if m and text[: m.start()].strip(" ,.-") == "" or m and m.group(1).startswith(("goal", "injur")):
        goal = text[m.end() :].strip(" ,.-:")
        return goal or None
    pieces = [normalise(p).strip() for p in re.split(r"[,;\n]|\s+-\s+|\.\s|\.$", raw) if p.strip()]
    goals = []
    for piece in pieces:
        if _recognised(piece, locations):
            continue
        meaningful = [w for w in re.findall(r"[a-z']+", piece) if w not in _FILLER]
        if meaningful:
            goals.append(piece)
    return ", ".join(goals) or None


def parse_preferences(raw: str, locations: Sequence[NamedEntry], *, asked_goals: bool = False) -> Preferences:
    """Read one reply. With ``asked_goals`` the whole reply is the goals (or "none")."""
    text = normalise(raw)
    if asked_goals:
        if _NONE.match(text.strip()):
            return Preferences(no_goals=True)
        m = _GOAL_PREFIX.match(text)
        goal = (text[m.end() :] if m else text).strip(" ,.-:")
        return Preferences(goals=goal or None)
    days, days_label, _ = _days(text)
    windows, times_label = _times(text)
    if windows is not None and days is None:
        days, days_label = tuple(range(7)), "any"
    if days is not None and windows is None:
        windows, times_label = (ALL_DAY,), "any time"
    no_goals = bool(
        _NONE.match(text.strip())
        or re.search(r"\b(no (goals?|injur(y|ies))|no injuries or goals|nothing in particular)\b", text)
    )
    return Preferences(
        location=_location(text, locations),
        days=days,
        days_label=days_label,
        windows=windows,
        times_label=times_label,
        goals=None if no_goals else _goals(raw, text, locations),
        no_goals=no_goals,
    )


def when_label(days_label: str | None, times_label: str | None) -> str:
    """ "weekday" + "mornings before 9" -> "weekday mornings before 9";
    "any|except Fri" + "evenings" -> "any evening except Fri"."""
    days_label = days_label or "any"
    times_label = times_label or "any time"
    word, _, except_ = days_label.partition("|")
    tail = f" {except_}" if except_ else ""
    if word == "any":
        if times_label == "any time":
            return f"any day, any time{tail}"
        if times_label.startswith(("before", "after", "between")):
            return f"any day {times_label}{tail}"
        first, _, rest = times_label.partition(" ")
        singular = first[:-1] if first.endswith("s") else first
        return " ".join(x for x in ("any", singular, rest) if x) + tail
    if times_label == "any time":
        return f"{word}s, any time{tail}" if word in ("weekday", "weekend") else f"{word}, any time{tail}"
    return f"{word} {times_label}{tail}"
