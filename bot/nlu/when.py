"""Time expressions: "tomorrow 6pm", "thurs", "half 6", "26/11", "in 2 hours", "sat morning".

``parse_when`` returns the first moment the phrase can mean that is not in the past, in
the studio's timezone. A bare hour without am/pm ("at 6", "6.30", "half 6") is
ambiguous: both readings are returned (``start`` is the earliest one still ahead on the
day meant, ``alternatives`` the other) so the dialogue can pick the one the timetable
actually has. Rules chosen where English is vague:
- a weekday means the next such day, today included unless the time stated has passed;
  "next <weekday>" is the first such day after today;
- "tonight" is 17:00-24:00; parts of day: morning 05-12, lunchtime 11:30-14, afternoon
  12-17, evening 17-22, night 18-24;
- a bare number is a time only after at/@/for/around/from/by, with "ish" or "o'clock",
  or beside a day word — never "cancel 2" or "book 2 spots".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class When:
    start: datetime
    end: datetime | None
    grain: str  # minute | hour | day | part_of_day | week
    hour_ambiguous: bool = False
    alternatives: tuple[datetime, ...] = ()
    span: tuple[int, int] = (0, 0)


WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "mondays": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "tuesdays": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "wednesdays": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "thursdays": 3,
    "fri": 4,
    "friday": 4,
    "fridays": 4,
    "sat": 5,
    "saturday": 5,
    "saturdays": 5,
    "sun": 6,
    "sunday": 6,
    "sundays": 6,
}
MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
PARTS = {
    "morning": (time(5), time(12)),
    "lunchtime": (time(11, 30), time(14)),
    "lunch": (time(11, 30), time(14)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(22)),
    "night": (time(18), None),
    "tonight": (time(17), None),
}
PM_PARTS = {"afternoon", "evening", "night", "tonight"}

_WD = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_WORDS = rf"(?:today|tonight|tomorrow|{_WD})"
_ORD = r"(?:st|nd|rd|th)"

TIME_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("hm_ampm", re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(am|pm)\b")),
    ("h_ampm", re.compile(r"\b(\d{1,2})\s*(am|pm)\b")),
    ("noon", re.compile(r"\b(noon|midday|midnight)\b")),
    ("half", re.compile(r"\bhalf (?:past )?(\d{1,2})\b")),
    ("quarter_past", re.compile(r"\bquarter past (\d{1,2})\b")),
    ("quarter_to", re.compile(r"\bquarter to (\d{1,2})\b")),
    ("hm", re.compile(r"(?<![\d/])\b([01]?\d|2[0-3])[:.]([0-5]\d)\b(?![./]\d)")),
    ("oclock", re.compile(r"\b(\d{1,2})\s*o'clock\b")),
    ("ish", re.compile(r"\b(\d{1,2})\s?ish\b")),
    (
        "at_h",
        re.compile(
            r"(?:\b(?:at|for|around|from|by|about)|@)\s*(\d{1,2})\b(?!\s*(?:people|spots?|places?|classes|"
            r"credits?|of|x|th|st|nd|rd|/))"
        ),
    ),
    ("day_h", re.compile(rf"\b{_DAY_WORDS}\s+(\d{{1,2}})\b(?!\s*(?:{_ORD}|/|{_MON})|[/:.]\d)")),
    ("h_day", re.compile(r"(?<![/\d])\b(\d{1,2})\s+(?:today|tonight|tomorrow)\b")),
]
_DAY_ANCHORED = {p for kind, p in TIME_PATTERNS if kind in ("day_h", "h_day")}
RELATIVE = re.compile(r"\bin\s+(an?|half an|\d{1,3})\s*(hours?|minutes?)\b")
DATE_NUMERIC = re.compile(r"(?<![\d:.])\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
DATE_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}?\s+(?:of\s+)?({_MON})\b")
DATE_MONTH_DAY = re.compile(rf"\b({_MON})\s+(\d{{1,2}}){_ORD}?\b")
DATE_ORDINAL = re.compile(rf"\b(?:the\s+)?(\d{{1,2}}){_ORD}\b")
WEEKDAY = re.compile(rf"\b(?:(this|next|on|coming)\s+)?({_WD})\b")
WEEK = re.compile(r"\b(this|next)\s+(week|weekend)\b|\b(weekend)\b")
DAY_WORD = re.compile(r"\b(today|tonight|tomorrow|day after tomorrow)\b")
PART = re.compile(r"\b(morning|lunchtime|lunch|afternoon|evening|night|tonight)\b")


def parse_when(text: str, now: datetime, tz: str, date_order: str = "DMY") -> When | None:
    zone = ZoneInfo(tz)
    now = now.astimezone(zone)
    spans: list[tuple[int, int]] = []
    masked = text

    def take(m: re.Match, group: int = 0) -> None:
        nonlocal masked
        a, b = m.span(group)
        spans.append((a, b))
        masked = masked[:a] + " " * (b - a) + masked[b:]

    rel = RELATIVE.search(masked)
    if rel:
        amount = {"a": 1, "an": 1, "half an": 0.5}.get(rel.group(1))
        amount = float(rel.group(1)) if amount is None else amount
        delta = timedelta(hours=amount) if rel.group(2).startswith("hour") else timedelta(minutes=amount)
        return When(now + delta, None, "minute", span=rel.span())

    clock_time = _find_time(masked)
    if clock_time is not None:
        (hours, minute, ambiguous), m = clock_time
        take(m, 1 if m.re in _DAY_ANCHORED else 0)  # "tomorrow 7": the day word is still the day's
    else:
        hours = minute = None
        ambiguous = False

    day_from, day_span_grain = _find_day(masked, now, zone, date_order, take)
    part_m = PART.search(masked)
    part = part_m.group(1) if part_m else None
    if part_m:
        take(part_m)
    if day_from is None and clock_time is None and part is None:
        return None
    span = (min(a for a, _ in spans), max(b for _, b in spans))

    if day_span_grain == "week":
        start, end = day_from
        return When(max(start, now), end, "week", span=span)

    explicit_day = day_from is not None
    day: date = day_from[0].date() if day_from else now.date()
    flexible_weekday = bool(day_from and day_from[2])
    if part == "tonight":
        day = now.date() if not explicit_day else day

    if hours is not None:
        if part in PM_PARTS and ambiguous:
            hours = [h for h in hours if h >= 12] or hours
            ambiguous = len(hours) > 1
        elif part in ("morning",) and ambiguous:
            hours = [h for h in hours if h < 12] or hours
            ambiguous = len(hours) > 1
        readings = [_at(day, h, minute, zone) for h in sorted(hours)]
        future = [r for r in readings if r >= now]
        if not future and (not explicit_day or flexible_weekday):
            step = 7 if flexible_weekday else 1
            day = day + timedelta(days=step)
            readings = [_at(day, h, minute, zone) for h in sorted(hours)]
            future = readings
        chosen = (future or readings)[0]
        others = tuple(r for r in (future or readings) if r != chosen)
        return When(chosen, None, "minute", hour_ambiguous=ambiguous, alternatives=others, span=span)

    if part is not None:
        lo, hi = PARTS[part]
        start = _at(day, lo.hour, lo.minute, zone)
        end = _at(day, hi.hour, hi.minute, zone) if hi else _at(day + timedelta(days=1), 0, 0, zone)
        if end <= now and not explicit_day:
            start, end = start + timedelta(days=1), end + timedelta(days=1)
            start, end = (
                _at(day + timedelta(days=1), lo.hour, lo.minute, zone),
                (
                    _at(day + timedelta(days=1), hi.hour, hi.minute, zone)
                    if hi
                    else _at(day + timedelta(days=2), 0, 0, zone)
                ),
            )
        return When(max(start, now), end, "part_of_day", span=span)

    start = _at(day, 0, 0, zone)
    end = _at(day + timedelta(days=1), 0, 0, zone)
    return When(max(start, now), end, "day", span=span)


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """Wall-clock ``hour:minute`` on ``day``; a time in a spring-forward gap moves on by the gap."""
    naive = datetime.combine(day, time(hour % 24, minute))
    local = naive.replace(tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).astimezone(zone)


def _find_time(text: str):
    for kind, pattern in TIME_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        g = m.groups()
        if kind == "hm_ampm":
            h, mi = int(g[0]), int(g[1])
            if not (1 <= h <= 12 and mi < 60):
                continue
            return ([h % 12 + (12 if g[2] == "pm" else 0)], mi, False), m
        if kind == "h_ampm":
            h = int(g[0])
            if not 1 <= h <= 12:
                continue
            return ([h % 12 + (12 if g[1] == "pm" else 0)], 0, False), m
        if kind == "noon":
            return ([0 if g[0] == "midnight" else 12], 0, False), m
        if kind in ("half", "quarter_past", "quarter_to"):
            h = int(g[0])
            if not 1 <= h <= 12:
                continue
            minute = {"half": 30, "quarter_past": 15, "quarter_to": 45}[kind]
            if kind == "quarter_to":
                h = h - 1 or 12
            return (_readings(h), minute, h != 12), m
        if kind == "hm":
            h, mi = int(g[0]), int(g[1])
            if h == 0 or h >= 13:
                return ([h], mi, False), m
            return (_readings(h), mi, h != 12), m
        h = int(g[0])
        if not 1 <= h <= 23:
            continue
        if h >= 13:
            return ([h], 0, False), m
        return (_readings(h), 0, h != 12), m
    return None


def _readings(h: int) -> list[int]:
    return [12] if h == 12 else [h, h + 12]


def _find_day(text: str, now: datetime, zone: ZoneInfo, date_order: str, take):
    """((start, end, flexible_weekday) | None, grain) for the day or week the text names
    (``now`` is already in ``zone``)."""
    today = now.date()
    m = WEEK.search(text)
    if m:
        take(m)
        which, unit = (m.group(1), m.group(2)) if m.group(2) else ("this", m.group(3))
        monday = today - timedelta(days=today.weekday())
        if unit == "week":
            start = monday + timedelta(days=7 if which == "next" else 0)
            return (_at(start, 0, 0, zone), _at(start + timedelta(days=7), 0, 0, zone)), "week"
        saturday = monday + timedelta(days=5 + (7 if which == "next" else 0))
        return (_at(saturday, 0, 0, zone), _at(saturday + timedelta(days=2), 0, 0, zone)), "week"
    m = DAY_WORD.search(text)
    if m:
        if m.group(1) != "tonight":
            take(m)
        offset = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2}[m.group(1)]
        return (_at(today + timedelta(days=offset), 0, 0, zone), None, False), "day"
    m = DATE_NUMERIC.search(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        d, mo = (a, b) if date_order == "DMY" else (b, a)
        found = _date(today, d, mo, m.group(3))
        if found:
            take(m)
            return (_at(found, 0, 0, zone), None, False), "day"
    for pattern, order in ((DATE_DAY_MONTH, "dm"), (DATE_MONTH_DAY, "md")):
        m = pattern.search(text)
        if m:
            d, mo = (int(m.group(1)), MONTHS[m.group(2)]) if order == "dm" else (int(m.group(2)), MONTHS[m.group(1)])
            found = _date(today, d, mo, None)
            if found:
                take(m)
                weekday = WEEKDAY.search(text)
                if weekday:
                    take(weekday)
                return (_at(found, 0, 0, zone), None, False), "day"
    m = WEEKDAY.search(text)
    if m:
        take(m)
        target = WEEKDAYS[m.group(2)]
        ahead = (target - today.weekday()) % 7
        if m.group(1) == "next" and ahead == 0:
            ahead = 7
        ordinal = DATE_ORDINAL.search(text)
        if ordinal:  # "wed 25th"
            found = _day_of_month(today, int(ordinal.group(1)))
            if found:
                take(ordinal)
                return (_at(found, 0, 0, zone), None, False), "day"
        return (_at(today + timedelta(days=ahead), 0, 0, zone), None, ahead == 0), "day"
    m = DATE_ORDINAL.search(text)
    if m:
        found = _day_of_month(today, int(m.group(1)))
        if found:
            take(m)
            return (_at(found, 0, 0, zone), None, False), "day"
    return None, None


def _date(today: date, d: int, mo: int, year: str | None) -> date | None:
    try:
        if year:
            y = int(year) + (2000 if len(year) == 2 else 0)
            return date(y, mo, d)
        found = date(today.year, mo, d)
        return found if found >= today else date(today.year + 1, mo, d)
    except ValueError:
        return None


def _day_of_month(today: date, d: int) -> date | None:
    for months_ahead in range(0, 3):
        y, mo = today.year, today.month + months_ahead
        y, mo = y + (mo - 1) // 12, (mo - 1) % 12 + 1
        try:
            found = date(y, mo, d)
        except ValueError:
            continue
        if found >= today:
            return found
    return None
