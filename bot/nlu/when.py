"""Time expressions: "tomorrow 6pm", "thurs", "half 6", "26/11", "in 2 hours", "sat morning".

``parse_when`` reads normalised text (``bot.nlu.normalise``) and returns the first moment
the phrase can mean that is not in the past, in the studio's timezone. A bare hour
without am/pm ("at 6", "6.30", "half 6") is ambiguous: both readings are returned
(``start`` is the earliest one still ahead on the day meant, ``alternatives`` the other)
so the dialogue can pick the one the timetable actually has. Rules chosen where English
is vague:
- a weekday means the next such day, today included unless the time stated has passed;
  "next <weekday>" and "this coming <weekday>" are the first such day after today;
  "<weekday> next week" / "<weekday> of next week" that day in the Monday-to-Sunday week
  after this one; "<weekday> after next", "a week on <weekday>", "a week from <weekday>"
  and "<weekday> week" (UK) the coming such day plus seven days;
- "next week" alone is a span (grain "week") from next Monday 00:00 to the Monday after;
- "in 3 days", "in a couple of days", "a week today" name a day (grain "day"), not an
  instant 72 hours ahead; "in 2 hours" is an instant;
- dates: "21/12", "21-12", "21.12.26" in the studio's date order (DMY or MDY), unless a
  part over 12 decides it ("21/12" is 21 December in an MDY studio too); "." and "-"
  are dates only when they cannot be a time or a range ("21.12" is 21:12, "6-7" an hour
  range); day and month in words in either order ("21st of dec", "dec 21", "jan 4th",
  "the third of march"); a date without a year is the next such date not in the past;
- a date the client wrote that cannot be placed ("31/02", "30th feb", "the 35th", a
  past "21/12/2020") makes the whole phrase unreadable (``None``), never today;
  ``unplaced_date`` names it;
- "tonight" is 17:00-24:00; parts of day: morning 05-12, lunchtime 11:30-14, afternoon
  12-17, evening 17-22, night 18-24;
- a bare number is a time only after at/@/for/around/from/by, with "ish" or "o'clock",
  or beside a day word or part of day — never "cancel 2" or "book 2 spots"; "half 7" is
  7:30 (UK), "615p" 18:15, "15h30" 15:30 ("4a" is not a time: a flat or a seat); hour
  words are times only beside a time word ("at three", "half three", "seven thirty pm",
  "eight tonight", "ten to six"), never "for two" or "the 6:30 one"; "for 2 at 6" is 6;
  a time range ("6-7pm", "from 3:30 to 6") means its start, but "10 to 6" is 5:50.
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
_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(_UNITS)}
ORDINAL_WORDS.update(
    {
        "tenth": 10,
        "eleventh": 11,
        "twelfth": 12,
        "thirteenth": 13,
        "fourteenth": 14,
        "fifteenth": 15,
        "sixteenth": 16,
        "seventeenth": 17,
        "eighteenth": 18,
        "nineteenth": 19,
        "twentieth": 20,
        "thirtieth": 30,
    }
)
ORDINAL_WORDS.update({f"twenty{sep}{w}": 21 + i for i, w in enumerate(_UNITS) for sep in (" ", "-")})
ORDINAL_WORDS.update({f"thirty{sep}first": 31 for sep in (" ", "-")})
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "a few": 3,
    "few": 3,
    "half an": 0.5,
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
_ORDW = "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True))
_NUMW = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_DAY_WORDS = rf"(?:today|tonight|tomorrow|{_WD}|morning|afternoon|evening|night)"
_ORD = r"(?:st|nd|rd|th)"
_DAYNUM = rf"(?:(\d{{1,2}}){_ORD}?|({_ORDW}))"  # two groups: digits, ordinal word
_PART_AFTER = r"(?:today|tonight|tomorrow|this (?:morning|afternoon|evening)|in the (morning|afternoon|evening|am|pm)|in (?:the )?(?:morning|afternoon|evening))"
_T = r"(\d{1,2})(?:([:.h])([0-5]\d))?h?\s*(am|pm|a|p)?"  # one end of a range: hour, sep, minute, am/pm

TIME_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "range",
        re.compile(rf"(?:\b(from|between)\s+)?(?<![\d/.:-])\b{_T}\s*(-|to|till|until|and)\s*{_T}\b(?![/.:]\d)"),
    ),
    (
        "minutes_to",
        re.compile(
            r"\b(?:(?:a\s+)?(quarter|half)|(\d{1,2})\s*(minutes?|mins?)?)\s+(past|after|to|till|before|from)\s+"
            r"(noon|midday|midnight|\d{1,2})(?:\s*(am|pm))?\b(?![:./]\d)"
        ),
    ),
    ("hm_ampm", re.compile(r"(?<![\d/.:-])\b(\d{1,2})(?:[:.]?([0-5]\d))?\s*(?:ish\s*|o'clock\s*)?(am|pm)\b")),
    ("hm_ap", re.compile(r"(?<![\d/.:-])\b(\d{1,2})(?:[:.]?([0-5]\d))?([ap])\b(?!')")),
    ("noon", re.compile(r"\b(?:12\s*)?(noon|midday|midnight)\b")),
    ("half", re.compile(r"\bhalf (?:past )?(\d{1,2})\b(?![:./]\d)")),
    ("h24", re.compile(r"(?<![\d/.:-])(?<!\bin )\b([01]?\d|2[0-3])h([0-5]\d)?\b")),
    ("hm", re.compile(r"(?<![\d/.-])\b([01]?\d|2[0-3])[:.]([0-5]\d)\b(?![./:-]\d)")),
    ("oclock", re.compile(r"\b(\d{1,2})\s*o'clock\b")),
    ("ish", re.compile(r"\b(\d{1,2}?)([0-5]\d)?\s?ish\b")),
    (
        "at_h",
        re.compile(
            r"(?:\b(?:at|for|around|from|by|about|approximately|approx)|@)\s*(\d{1,2}?)(?:\s?([0-5]\d))?\b(?!\s*(?:people|spots?|places?|classes|"
            r"credits?|of|x|th|st|nd|rd|/|[-.,]\s*\d|mins?|minutes?|hours?|hrs?|days?|weeks?|at\b|@))"
        ),
    ),
    ("h_part", re.compile(rf"(?<![/\d.:-])\b(\d{{1,2}}?)(?:[:.]?([0-5]\d))?\s+{_PART_AFTER}\b")),
    (
        "day_h",
        re.compile(rf"\b{_DAY_WORDS}\s+(?:at\s+|@\s*)?(\d{{1,2}}?)([0-5]\d)?\b(?!\s*(?:{_ORD}|/|{_MON})|[/:.-]\d)"),
    ),
]
_DAY_ANCHORED = {"day_h", "h_part"}
RELATIVE = re.compile(rf"\bin\s+(\d{{1,3}}|{_NUMW})\s*(hours?|h|minutes?|mins?)\b")
RELATIVE_DAYS = re.compile(
    rf"\b(?:in\s+(\d{{1,2}}|{_NUMW})\s*(days?|weeks?|fortnights?|months?)(?:\s+time)?|(\d{{1,2}}|{_NUMW})\s+(days?|weeks?|fortnights?|months?)\s+(?:from\s+(?:now|today)|hence))\b"
    r"|\b(a\s+week|a\s+fortnight|two\s+weeks)\s+(?:today|hence|from\s+(?:now|today))\b"
)
DATE_NUMERIC = re.compile(
    r"(?<![\d:.\-/£$€])\b(\d{1,2})\s*([/.-])\s*(\d{1,2})(?:\2(\d{4}|\d{2}))?\b"
    r"(?![:.\-/]\d|\s*(?:am|pm|[ap]\b|h\b|hours?|hrs?|minutes?|mins?|an? hour))"
)
DATE_DAY_MONTH = re.compile(rf"\b(?:the\s+)?{_DAYNUM}\s*(?:day\s+)?(?:of\s+)?({_MON})\b")
DATE_MONTH_DAY = re.compile(rf"\b({_MON})(?![a-z])\s*(?:the\s+)?{_DAYNUM}\b(?!\s*(?:am|pm|[ap]\b|:|\.\d|o'clock|ish))")
DATE_OF_MONTH = re.compile(
    rf"\b(?:the\s+)?{_DAYNUM}\s+(?:day\s+)?of\s+(?:the\s+)?(this|current|next|following|coming)\s+month\b"
)
DATE_ORDINAL = re.compile(rf"\b(?:the\s+)?(\d{{1,2}}){_ORD}\b|\bon\s+the\s+({_ORDW})\b")
NTH_WEEKDAY = re.compile(
    rf"\b(?:the\s+)?(first|second|third|fourth|last|1st|2nd|3rd|4th)\s+({_WD})\s+(?:of|in)\s+({_MON})\b"
)
WEEKDAY = re.compile(rf"\b(?:(this|next|on|coming|this coming)\s+)?({_WD})\b")
WD_AFTER_NEXT = re.compile(rf"\b(?:the\s+)?({_WD})\s+after\s+next\b")
# "week after next", "the weekend after next", "tue the week after next", "week after next on fri"
WEEK_AFTER_NEXT = re.compile(
    rf"\b(?:({_WD})\s+(?:of\s+|in\s+|on\s+)?)?(?:the\s+)?(week|weekend)\s+after\s+(?:the\s+)?next\b"
    rf"(?:\s+(?:on\s+)?({_WD})\b)?"
)
WD_WEEK = re.compile(
    rf"\b(?:the\s+)?({_WD})\s+(?:of\s+|in\s+)?(?:the\s+)?(next|this|following)\s+week\b|\b(next|this)\s+week\s+(?:on\s+)?({_WD})\b"
)
WD_WEEK_ON = re.compile(rf"\ba\s+week\s+(?:on|from|after|this)\s+(?:this\s+)?({_WD})\b|\b({_WD})\s+week\b")
WD_FROM_NOW = re.compile(rf"\b(\d|{_NUMW})\s+({_WD})\s+from\s+(?:now|today)\b")
WEEK = re.compile(
    r"\b(this|next|the following|following|the coming|this coming|coming|upcoming|the upcoming)\s+(week|weekend)\b|\b(weekend)\b"
)
DAY_WORD = re.compile(r"\b(today|tonight|tomorrow|(?:the )?day after tomorrow)\b")
PART = re.compile(r"\b(morning|lunchtime|lunch|afternoon|evening|night|tonight)(?:ish)?\b")
AMPM_PART = re.compile(r"\bin the (am|pm)\b")

_HOURS_W = {w: i + 1 for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split())}
_TEENS_W = {w: 13 + i for i, w in enumerate("thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS_W = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_HW = "|".join(sorted(_HOURS_W, key=len, reverse=True))
_UNIT_W = "one|two|three|four|five|six|seven|eight|nine"
_MW = rf"(?:oh\s+(?:{_UNIT_W})|(?:twenty|thirty|forty|fifty)(?:[\s-](?:{_UNIT_W}))?|{'|'.join(_TEENS_W)}|ten|eleven|twelve)"
_TIME_AFTER = r"(?:am|pm|o'clock|ish|tonight|this (?:morning|afternoon|evening)|in the)\b"
# hour words where they can only be a clock time: "at three", "half three", "three twenty pm", "eight tonight"
NUMBER_TIME = re.compile(
    rf"\b({_MW}|five)(?=\s+(?:minutes?\s+)?(?:past|after|to|before|till)\s+(?:\d|noon|midnight|{_HW}))"
    rf"|\b(?:(at|@|around|about|half|half past|quarter past|quarter to|past|to|after|till|before)\s+)?({_HW})\b"
    rf"(?:\s+({_MW})\b)?"
)
_ANY_NUMBER_WORD = re.compile(rf"\b(?:{_HW}|twenty|thirty|forty|fifty|fifteen)\b")


def _minute_words(words: str) -> int:
    parts = words.replace("-", " ").split()
    if parts[0] == "oh":
        return _HOURS_W[parts[1]]
    total = _TENS_W.get(parts[0]) or _TEENS_W.get(parts[0]) or _HOURS_W.get(parts[0], 0)
    return total + (_HOURS_W[parts[1]] if len(parts) > 1 else 0)


def _clock_words(text: str) -> str:
    """ "at three twenty" -> "at 3:20" with the same length (spans stay true to ``text``)."""

    def digits(m: re.Match) -> str:
        minute_only, lead, hour, minutes = m.groups()
        if minute_only:
            out = str(_minute_words(minute_only))
        else:
            ahead = text[m.end() :].lstrip()
            timeish = lead or re.match(_TIME_AFTER, ahead)
            if not timeish:
                return m.group(0)
            out = (lead + " " if lead else "") + str(_HOURS_W[hour])
            if minutes:
                out += f":{_minute_words(minutes):02d}"
        return out + " " * (len(m.group(0)) - len(out))

    return NUMBER_TIME.sub(digits, text)


_MONTH_WORD = re.compile(rf"\b(?:{_MON})")
_RELATIVE_GATE = re.compile(r"days?\b|weeks?\b|fortnights?\b|months?\b")
_SEPARATOR = re.compile(r"\d\s*[/.-]\s*\d")
_ORDINAL_DIGITS = re.compile(r"\d(?:st|nd|rd|th)\b")
_UNPLACED = object()  # a date the client wrote that names no real day


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

    if any(ch.isdigit() for ch in text) and unplaced_date(text, now, tz, date_order) is not None:
        return None

    if _ANY_NUMBER_WORD.search(text):
        masked = text = _clock_words(text)

    rel = RELATIVE.search(masked)
    if rel:
        amount = NUMBER_WORDS.get(rel.group(1))
        amount = float(rel.group(1)) if amount is None else amount
        delta = timedelta(hours=amount) if rel.group(2).startswith("h") else timedelta(minutes=amount)
        return When(now + delta, None, "minute", span=rel.span())

    clock_time = _find_time(masked)
    if clock_time is not None:
        (hours, minute, ambiguous), m, kind = clock_time
        take(m, 1 if kind in _DAY_ANCHORED else 0)  # "tomorrow 7": the day word is still the day's
    else:
        hours = minute = None
        ambiguous = False

    found_day = _find_day(masked, now, zone, date_order, take)
    if found_day is _UNPLACED:
        return None
    day_from, day_span_grain = found_day
    part_m = PART.search(masked)
    part = part_m.group(1) if part_m else None
    if part_m:
        take(part_m)
    elif ambiguous:
        ampm = AMPM_PART.search(masked)
        if ampm:
            take(ampm)
            part = "morning" if ampm.group(1) == "am" else "afternoon"
    if day_from is None and clock_time is None and part is None:
        return None
    span = (min(a for a, _ in spans), max(b for _, b in spans))

    if day_span_grain == "week":
        start, end = day_from
        if start <= now and end - now < timedelta(days=2):  # "this week" on a Sunday night: the week ahead
            end += timedelta(days=7)
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
            start = _at(day + timedelta(days=1), lo.hour, lo.minute, zone)
            end = (
                _at(day + timedelta(days=1), hi.hour, hi.minute, zone)
                if hi
                else _at(day + timedelta(days=2), 0, 0, zone)
            )
        return When(max(start, now), end, "part_of_day", span=span)

    start = _at(day, 0, 0, zone)
    end = _at(day + timedelta(days=1), 0, 0, zone)
    return When(max(start, now), end, "day", span=span)


def unplaced_date(text: str, now: datetime, tz: str, date_order: str = "DMY") -> str | None:
    """The date phrase the client wrote that names no real day ("31/02", "30th feb",
    "the 35th", "13/13"), as written; ``None`` when every date in ``text`` can be placed
    (or there is none). ``text`` is normalised text, as for ``parse_when``."""
    if not any(ch.isdigit() for ch in text):
        return None
    today = now.astimezone(ZoneInfo(tz)).date()
    for m in DATE_NUMERIC.finditer(text) if _SEPARATOR.search(text) else ():
        if _numeric_is_date(m) and _numeric_date(m, today, date_order) is None:
            return m.group(0)
    for pattern, order in ((DATE_DAY_MONTH, "dm"), (DATE_MONTH_DAY, "md")):
        for m in pattern.finditer(text) if _MONTH_WORD.search(text) else ():
            d, mo = _day_month(m, order)
            if d is not None and not _month_has(mo, d):
                return m.group(0).removeprefix("the ").strip()
    for m in DATE_ORDINAL.finditer(text) if _ORDINAL_DIGITS.search(text) else ():
        if m.group(1) and not 1 <= int(m.group(1)) <= 31 and _ordinal_is_date(text, m):
            return m.group(0).strip()
    return None


def _ordinal_is_date(text: str, m: re.Match) -> bool:
    """ "the 35th", "on 35th", "fri 35th": a day of the month, not "my 50th class"."""
    before = text[: m.start()].rstrip()
    return m.group(0).startswith("the ") or before.endswith(("on", "the")) or bool(re.search(rf"\b(?:{_WD})$", before))


def _month_has(mo: int, d: int) -> bool:
    return 1 <= d <= (29 if mo == 2 else 30 if mo in (4, 6, 9, 11) else 31)


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """Wall-clock ``hour:minute`` on ``day``; a time in a spring-forward gap moves on by the gap."""
    naive = datetime.combine(day, time(hour % 24, minute))
    local = naive.replace(tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).astimezone(zone)


def _hour_ampm(h: int, ampm: str | None) -> int | None:
    if ampm is None:
        return h
    if not 1 <= h <= 12:
        return None
    return h % 12 + (12 if ampm.startswith("p") else 0)


_WORDY_TIMES = {"noon", "minutes_to"}  # the only kinds that can match without a digit


def _find_time(text: str):
    digits = any(ch.isdigit() for ch in text)
    for kind, pattern in TIME_PATTERNS:
        if not digits and kind not in _WORDY_TIMES:
            continue
        for m in pattern.finditer(text):
            found = _read_time(kind, m.groups())
            if found is not None:
                return found, m, kind
    return None


def _read_time(kind: str, g: tuple):
    if kind == "range":
        lead, h1, sep1, m1, ap1, sep, h2, sep2, m2, ap2 = g
        if not (ap1 or ap2 or lead or sep1 or sep2):
            return None  # "3-4", "2 to 6": no sign these are times
        if (sep1 == "." or sep2 == ".") and not (ap1 or ap2 or lead):
            return None
        if sep == "to" and not (lead or sep1 or ap1) and h1 in ("5", "10", "15", "20", "25"):
            return None  # "10 to 6": ten to six, not ten until six
        a, b = int(h1), int(h2)
        if not (0 <= a <= 23 and 0 <= b <= 23) or (lead == "between" and False):
            return None
        if sep1 == "h" or sep2 == "h":
            return [a], int(m1 or 0), False
        if ap1 is None and ap2 is not None and a <= 12:
            # "3-4pm" is 3pm; "11-1pm" is 11am; "9-11am" is 9am
            a12, b12 = a % 12, b % 12
            ap1 = ap2 if a12 <= b12 else ("am" if ap2.startswith("p") else "pm")
        h = _hour_ampm(a, ap1)
        if h is None:
            return None
        if ap1 is not None or a == 0 or a >= 13:
            return [h], int(m1 or 0), False
        return _readings(a), int(m1 or 0), a != 12
    if kind in ("hm_ampm", "hm_ap"):
        if g[2] == "a" and not g[1]:
            return None  # "4a" is a flat or a seat, "4:15a" a time
        h = _hour_ampm(int(g[0]), g[2])
        if h is None:
            return None
        return [h], int(g[1] or 0), False
    if kind == "noon":
        return [0 if g[0] == "midnight" else 12], 0, False
    if kind == "minutes_to":
        word, n, unit, rel, target, ampm = g
        if word:
            mins = 15 if word == "quarter" else 30
        else:
            mins = int(n)
            if not 1 <= mins <= 59 or (unit is None and mins not in (5, 10, 15, 20, 25)):
                return None
            if rel == "from" and unit is None:
                return None
        if word == "half" and rel != "past":
            return None
        if target in ("noon", "midday", "midnight"):
            base, amb = [0 if target == "midnight" else 12], False
        else:
            t = int(target)
            hh = _hour_ampm(t, ampm)
            if hh is None or t > 23:
                return None
            base, amb = ([hh], False) if ampm or t == 0 or t >= 13 else (_readings(t), t != 12)
        total = [b * 60 + (mins if rel in ("past", "after", "from") else -mins) for b in base]
        return sorted({(t // 60) % 24 for t in total}), total[0] % 60, amb
    if kind == "half":
        h = int(g[0])
        if not 1 <= h <= 12:
            return None
        return _readings(h), 30, h != 12
    if kind == "h24":
        return [int(g[0])], int(g[1] or 0), False
    if kind == "hm":
        h, mi = int(g[0]), int(g[1])
        if h == 0 or h >= 13:
            return [h], mi, False
        return _readings(h), mi, h != 12
    # oclock, ish, at_h, h_part, day_h: an hour, maybe with minutes run in ("at 1030")
    h = int(g[0])
    mi = int(g[1]) if len(g) > 1 and g[1] and g[1].isdigit() else 0
    if not 1 <= h <= 23:
        return None
    if kind == "h_part" and len(g) > 2 and g[2] in ("am", "pm"):
        hh = _hour_ampm(h, g[2])
        return None if hh is None else ([hh], mi, False)
    if h >= 13:
        return [h], mi, False
    return _readings(h), mi, h != 12


def _readings(h: int) -> list[int]:
    return [12] if h == 12 else [h, h + 12]


def _number(word: str) -> float:
    found = NUMBER_WORDS.get(word)
    return float(word) if found is None else found


def _numeric_is_date(m: re.Match) -> bool:
    """A "/" pair is a date; "." and "-" only when they cannot be a time or an hour range."""
    sep, a, b, year = m.group(2), m.group(1), m.group(3), m.group(4)
    if sep == "/" or year:
        return True
    if max(int(a), int(b)) > 31 or min(int(a), int(b)) > 12:
        return False  # "31.99", "13-13": a price or a score, not a date
    if sep == ".":
        return not (int(a) <= 23 and len(b) == 2 and int(b) <= 59) and " " not in m.group(0)
    return int(a) > 12 or int(b) > 12 or a.startswith("0") or b.startswith("0")


def _numeric_date(m: re.Match, today: date, date_order: str) -> date | None:
    """The day a numeric date names, or ``None`` when there is none ahead ("31/02",
    "13/13", "21/12/2020")."""
    a, b = int(m.group(1)), int(m.group(3))
    d, mo = (a, b) if date_order == "DMY" else (b, a)
    if mo > 12 and d <= 12:
        d, mo = mo, d  # a part over 12 is the day, whatever the studio's order
    found = _date(today, d, mo, m.group(4))
    return found if found is not None and found >= today else None


def _day_month(m: re.Match, order: str) -> tuple[int | None, int]:
    if order == "dm":
        digits, word, mon = m.group(1), m.group(2), m.group(3)
    else:
        mon, digits, word = m.group(1), m.group(2), m.group(3)
    d = int(digits) if digits else ORDINAL_WORDS.get(word or "")
    return d, MONTHS[mon]


def _find_day(text: str, now: datetime, zone: ZoneInfo, date_order: str, take):
    """((start, end, flexible_weekday) | None, grain) for the day or week the text names
    (``now`` is already in ``zone``), or ``_UNPLACED``."""
    today = now.date()

    def day(found: date, flexible: bool = False):
        return (_at(found, 0, 0, zone), None, flexible), "day"

    def coming(wd: int, same_day: int = 7) -> date:
        return today + timedelta(days=(wd - today.weekday()) % 7 or same_day)

    monday = today - timedelta(days=today.weekday())
    if "week" in text or "after next" in text or "from" in text:
        m = WEEK_AFTER_NEXT.search(text) if "after" in text else None
        if m:
            take(m)
            wd = m.group(1) or m.group(3)
            if wd:  # a day of the week after next
                return day(monday + timedelta(days=14 + WEEKDAYS[wd]))
            start = monday + timedelta(days=14 if m.group(2) == "week" else 19)
            end = start + timedelta(days=7 if m.group(2) == "week" else 2)
            return (_at(start, 0, 0, zone), _at(end, 0, 0, zone)), "week"
        m = WD_AFTER_NEXT.search(text)
        if m:
            take(m)
            return day(coming(WEEKDAYS[m.group(1)]) + timedelta(days=7))
        m = WD_WEEK.search(text)
        if m:
            take(m)
            wd = WEEKDAYS[m.group(1) or m.group(4)]
            which = m.group(2) or m.group(3)
            return day(monday + timedelta(days=wd + (0 if which == "this" else 7)))
        m = WD_WEEK_ON.search(text)
        if m:
            take(m)
            return day(coming(WEEKDAYS[m.group(1) or m.group(2)]) + timedelta(days=7))
        m = WD_FROM_NOW.search(text)
        if m:
            take(m)
            n = int(_number(m.group(1)))
            return day(coming(WEEKDAYS[m.group(2)]) + timedelta(days=7 * (n - 1)))
    m = RELATIVE_DAYS.search(text) if _RELATIVE_GATE.search(text) else None
    if m:
        take(m)
        if m.group(5):
            days = {"a week": 7, "a fortnight": 14, "two weeks": 14}[re.sub(r"\s+", " ", m.group(5))]
        else:
            amount, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            if unit.startswith("month"):
                return day(_add_months(today, int(_number(amount))))
            per = 14 if unit.startswith("fortnight") else 7 if unit.startswith("week") else 1
            days = int(_number(amount) * per)
        return day(today + timedelta(days=days))
    m = WEEK.search(text)
    if m:
        take(m)
        which, unit = (m.group(1), m.group(2)) if m.group(2) else ("this", m.group(3))
        later = which != "this"
        if unit == "week":
            start = monday + timedelta(days=7 if later else 0)
            return (_at(start, 0, 0, zone), _at(start + timedelta(days=7), 0, 0, zone)), "week"
        saturday = monday + timedelta(days=5 + (7 if later else 0))
        return (_at(saturday, 0, 0, zone), _at(saturday + timedelta(days=2), 0, 0, zone)), "week"
    m = DAY_WORD.search(text)
    if m:
        if m.group(1) != "tonight":
            take(m)
        offset = (
            2 if m.group(1).endswith("day after tomorrow") else {"today": 0, "tonight": 0, "tomorrow": 1}[m.group(1)]
        )
        return day(today + timedelta(days=offset))
    digits = any(ch.isdigit() for ch in text)
    months = _MONTH_WORD.search(text) is not None
    m = DATE_NUMERIC.search(text) if digits else None
    if m and _numeric_is_date(m):
        found = _numeric_date(m, today, date_order)
        if found is None:
            return _UNPLACED
        take(m)
        weekday = WEEKDAY.search(text)
        if weekday:
            take(weekday)
        return day(found)
    m = NTH_WEEKDAY.search(text) if months else None
    if m:
        take(m)
        return day(_nth_weekday(today, m.group(1), WEEKDAYS[m.group(2)], MONTHS[m.group(3)]))
    m = DATE_OF_MONTH.search(text) if "month" in text else None
    if m:
        d = int(m.group(1)) if m.group(1) else ORDINAL_WORDS[m.group(2)]
        y, mo = today.year, today.month + (0 if m.group(3) in ("this", "current") else 1)
        y, mo = y + (mo - 1) // 12, (mo - 1) % 12 + 1
        if not _month_has(mo, d):
            return _UNPLACED
        take(m)
        try:
            return day(date(y, mo, d))
        except ValueError:
            return _UNPLACED
    for pattern, order in ((DATE_DAY_MONTH, "dm"), (DATE_MONTH_DAY, "md")):
        m = pattern.search(text) if months else None
        if m:
            dm, mo = _day_month(m, order)
            found = _date(today, dm, mo, None) if dm is not None else None
            if found is None:
                return _UNPLACED
            take(m)
            weekday = WEEKDAY.search(text)
            if weekday:
                take(weekday)
            return day(found)
    m = WEEKDAY.search(text)
    if m:
        take(m)
        target = WEEKDAYS[m.group(2)]
        ahead = (target - today.weekday()) % 7
        if m.group(1) in ("next", "coming", "this coming") and ahead == 0:
            ahead = 7
        ordinal = DATE_ORDINAL.search(text)
        if ordinal and ordinal.group(1):  # "wed 25th"
            found = _day_of_month(today, int(ordinal.group(1)))
            if found:
                take(ordinal)
                return day(found)
        return day(today + timedelta(days=ahead), ahead == 0)
    m = DATE_ORDINAL.search(text) if digits or "on the" in text else None
    if m:
        found = _day_of_month(today, int(m.group(1)) if m.group(1) else ORDINAL_WORDS[m.group(2)])
        if found:
            take(m)
            return day(found)
    return None, None


def _add_months(today: date, n: int) -> date:
    y, mo = today.year, today.month + n
    y, mo = y + (mo - 1) // 12, (mo - 1) % 12 + 1
    for d in range(today.day, 27, -1):
        if _month_has(mo, d) and not (mo == 2 and d == 29 and y % 4):
            return date(y, mo, d)
    return date(y, mo, min(today.day, 28))


def _nth_weekday(today: date, nth: str, wd: int, mo: int) -> date:
    """The first/second/.../last ``wd`` of month ``mo``, this year or next (not past)."""
    for y in (today.year, today.year + 1):
        first = date(y, mo, 1)
        if nth == "last":
            nxt = date(y + mo // 12, mo % 12 + 1, 1)
            last = nxt - timedelta(days=1)
            found = last - timedelta(days=(last.weekday() - wd) % 7)
        else:
            n = {"first": 1, "second": 2, "third": 3, "fourth": 4}.get(nth) or int(nth[0])
            found = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
        if found >= today:
            return found
    return found


def _date(today: date, d: int, mo: int, year: str | None) -> date | None:
    try:
        if year:
            y = int(year) + (2000 if len(year) == 2 else 0)
            return date(y, mo, d)
        if not _month_has(mo, d):
            return None
        for y in range(today.year, today.year + 8):  # 29 February: the next leap year
            try:
                found = date(y, mo, d)
            except ValueError:
                continue
            if found >= today:
                return found
        return None
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
