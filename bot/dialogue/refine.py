"""Follow-ups to a numbered list: which of the offered items does the reply mean?

After the bot lists sessions or bookings, a reply may pick one ("2", "the second", "the
7:30", "the later one", "the yin one", "thursday", "the evening one") or narrow the list.
``narrow`` reads such a reply against the items offered and says which fit; it never
looks outside the list (the caller decides whether to search again).

A time picks only on the day it names: "friday 6:30pm" does not pick Thursday's 18:30.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Generic, TypeVar

from bot.nlu.parse import Parse
from bot.nlu.when import WEEKDAYS

T = TypeVar("T")

_LATER = re.compile(r"\b(later|latest|last one|second one|evening one|after ?noon one)\b")
_EARLIER = re.compile(r"\b(earlier|earliest|first one|early one|morning one)\b")
_DAY_WORDS = re.compile(
    r"\b(today|tonight|tomorrow|tmrw|tmr|2moro|tomoz|weekend|next|this|\d{1,2}(st|nd|rd|th)|"
    r"\d{1,2}[/.-]\d{1,2}|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\b"
)


@dataclass(frozen=True)
class Narrowed(Generic[T]):
    """What a reply makes of the offered items: ``picked`` when exactly one fits,
    ``fits`` the items that fit (possibly none), ``said`` whether the reply said anything
    that could narrow the list at all (False: not an answer to the list)."""

    fits: list[T]
    said: bool

    @property
    def picked(self) -> T | None:
        return self.fits[0] if len(self.fits) == 1 else None


def names_day(text: str) -> bool:
    """Does the text name a day ("fri", "tomorrow", "the 4th", "12/3")?"""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return bool(words & set(WEEKDAYS)) or bool(_DAY_WORDS.search(text.lower()))


def narrow(
    options: Sequence[T],
    parse: Parse,
    start_of: Callable[[T], datetime],
    class_of: Callable[[T], int],
    instructor_of: Callable[[T], str | None] = lambda _: None,
) -> Narrowed[T]:
    items = list(options)
    said = False
    number = _number(parse, len(items))
    if number is not None:
        return Narrowed([items[number - 1]], True)
    text = parse.text
    if parse.class_match is not None:
        said = True
        items = [o for o in items if class_of(o) in parse.class_match.class_type_ids]
    if parse.instructor is not None:
        said = True
        first = parse.instructor.name.split()[0].lower()
        items = [o for o in items if (instructor_of(o) or "").lower().split()[:1] == [first]]
    when = parse.when
    if when is not None:
        said = True
        items = [o for o in items if _fits(start_of(o), when, day_named=names_day(text))]
    if _LATER.search(text) and len(items) > 1:
        said = True
        latest = max(start_of(o) for o in items)
        items = [o for o in items if start_of(o) == latest]
    elif _EARLIER.search(text) and len(items) > 1:
        said = True
        earliest = min(start_of(o) for o in items)
        items = [o for o in items if start_of(o) == earliest]
    return Narrowed(items, said)


def _number(parse: Parse, count: int) -> int | None:
    """A list position the reply gives: "2", "the 2nd", "last"."""
    if parse.number is None or parse.intent in ("cancel", "credits", "prices", "running_late"):
        return None
    if parse.when is not None and parse.when.grain == "minute" and parse.intent != "pick":
        return None  # "the 6 one" reads as a time
    n = count if parse.number == -1 else parse.number
    return n if 1 <= n <= count else None


def _fits(at: datetime, when, *, day_named: bool) -> bool:
    if when.grain == "minute":
        if day_named:
            return at in (when.start, *when.alternatives)
        readings = {when.start.time()} | {a.time() for a in when.alternatives}
        return at.time() in readings
    if when.grain == "part_of_day" and not day_named:
        # "the morning one" said at 10am still means 06:30: the part of day, not what's left of it
        lo, hi = when.start.time(), (when.end or when.start + timedelta(hours=5)).time()
        if lo.hour >= 5 and hi.hour == 12:
            lo = time(5, 0)
        elif hi.hour == 17 and lo.hour >= 12:
            lo = time(12, 0)
        elif hi.hour in (22, 0) and lo.hour >= 17:
            lo = time(17, 0)
        return lo <= at.time() < hi or (hi.hour == 0 and at.time() >= lo)
    return when.start <= at < (when.end or when.start + timedelta(days=1))
