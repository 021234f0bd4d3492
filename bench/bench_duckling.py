"""``parse_when`` on Duckling's English time corpus: data we did not write.

Run: .venv/bin/python bench/bench_duckling.py [--corpus PATH] [--show-errors] [--no-others]

The corpus is read at run time, never copied into this repo: ``Duckling/Time/EN/Corpus.hs``
at HEAD of the bare git mirror ``$DUCKLING_REPO`` (default
/work/.mirror/facebook+duckling/repo), or a plain ``Corpus.hs`` file given as ``--corpus``.
The bench skips with a message when neither is there.

Extraction. The examples of ``defaultCorpus`` (``allExamples`` plus its ``custom`` block;
the latent and diff corpora use other options and another reference time) are kept when
a client could send them to book a class: one date or time, not in the past, not far off.
Dropped, first reason that applies: holidays; open intervals ("after 5pm"); second grain
("now", "in 2 minutes", "15:23:24"); month, year or quarter grain; past phrases ("ago",
"last", "yesterday", "previous", "past") or an expected value wholly before the reference
time; time zones; seasons; intervals longer than a day ("this weekend", "feb 12-15");
week grain other than next week ("this week" ends up in the past half the time, "the 3rd
week of October 2014"); dates more than a year ahead.

Reference time: Tuesday 2013-02-12 04:30 at UTC-2 (Duckling's ``testContext``). Frontdesk
parses with tz "Etc/GMT+2" (fixed -02:00) and date order MDY (the corpus is US English),
after ``normalise`` (as the app does).

Scoring: right when the start instant and grain correspond:

| Duckling expected          | Frontdesk ``When`` that is right                               |
| -------------------------- | --------------------------------------------------------------- |
| instant, grain Minute/Hour | grain "minute" and ``start`` equal to the minute                |
| instant, grain Day         | grain "day" and ``start`` on that local date                    |
| instant, grain Week        | grain "week" and the same Monday-to-Monday week                 |
| interval within a day      | grain "part_of_day" on that date overlapping the interval, or   |
|   ("morning", "3-4pm")     | grain "minute" with ``start`` equal to the interval's start     |

dateparser (``DateDataParser``, RELATIVE_BASE the reference time, PREFER_DATES_FROM
future, DATE_ORDER MDY) and ctparse (``ts`` the reference time) are scored on the same
phrases with the same table: their result is read as a minute when it carries a time of
day, as a day when it carries a date only, as a week for dateparser's "week" period, and
as a part of day for ctparse's time-of-day intervals and ``POD``-only times.

``DELIBERATE`` lists phrases where Frontdesk means something else on purpose, each with
its reason; scores are reported with and without them counted as right. Writes
bench/results/duckling.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.normalise import normalise  # noqa: E402
from bot.nlu.when import When, parse_when  # noqa: E402

DEFAULT_REPO = "/work/.mirror/facebook+duckling/repo"
CORPUS_PATH = "Duckling/Time/EN/Corpus.hs"
ZONE = timezone(timedelta(hours=-2))
TZ_NAME = "Etc/GMT+2"  # POSIX sign: GMT+2 is UTC-2
REF = datetime(2013, 2, 12, 4, 30, tzinfo=ZONE)

# Phrases where Frontdesk means something else than Duckling on purpose: reason -> phrases.
DELIBERATE_GROUPS: dict[str, tuple[str, ...]] = {
    "A weekday said on that day means today: a client texting 'tuesday' on a Tuesday morning wants "
    "tonight's class (the timetable shows if none is left); Duckling skips to next week.": ("tuesday",),
    "'next <weekday>' is the first such day after today (the docstring's rule; the reply names the date, "
    "so the client sees which one); Duckling means that weekday in next calendar week.": (
        "next wednesday",
        "next saturday",
    ),
    "'in N days' names a day (grain day) to book within, not the instant N x 24 hours from now; "
    "Duckling answers an hour-grain instant.": (
        "in a day",
        "a day from now",
        "in 7 days",
        "7 days hence",
        "14 days hence",
        "a fortnight hence",
    ),
    "A bare 12 is noon: no studio runs classes at midnight; Duckling reads 'this morning/afternoon/"
    "evening at 12' as midnight.": ("this morning at 12", "this evening at 12", "this afternoon at 12"),
    "A weekday that disagrees with a day of the month ('Thu 15th' when the 15th is a Friday): the date wins "
    "and the reply names the day; Duckling searches months ahead for a Thursday the 15th.": ("thu 15th",),
}
DELIBERATE: dict[str, str] = {p: reason for reason, phrases in DELIBERATE_GROUPS.items() for p in phrases}


@dataclass(frozen=True)
class Example:
    text: str
    kind: str  # datetime | interval | holiday | open
    start: datetime
    end: datetime | None
    grain: str  # Duckling grain, lower case


@dataclass(frozen=True)
class Reading:
    start: datetime
    end: datetime | None
    grain: str  # minute | day | week | part_of_day | other


# ---------------------------------------------------------------------------- corpus


def load_corpus(path: str | None) -> str | None:
    if path and Path(path).is_file():
        return Path(path).read_text()
    repo = path or os.environ.get("DUCKLING_REPO", DEFAULT_REPO)
    if not Path(repo).exists():
        return None
    try:
        return subprocess.run(
            ["git", "-C", repo, "show", f"HEAD:{CORPUS_PATH}"], capture_output=True, text=True, check=True
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def _balanced(src: str, i: int, open_ch: str, close_ch: str) -> int:
    """Index just past the bracket closing the one at ``src[i]`` (strings skipped)."""
    depth = 0
    while i < len(src):
        ch = src[i]
        if ch == '"':
            i += 1
            while src[i] != '"':
                i += 2 if src[i] == "\\" else 1
        elif ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced corpus")


_TUPLE = re.compile(r"\((-?\d+),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\)")


def _dt(t: tuple[str, ...]) -> datetime:
    y, mo, d, h, mi, s = (int(x) for x in t)
    if y < 1:
        return datetime(1, 1, 1, tzinfo=ZONE)
    return datetime(y, mo, d, h, mi, s, tzinfo=ZONE)


def extract(src: str) -> list[Example]:
    """The examples of ``defaultCorpus``: ``allExamples`` and its ``custom`` block."""
    sections = [
        (src.index("defaultCorpus ="), src.index("negativeCorpus ::")),
        (src.index("allExamples ="), len(src)),
    ]
    found: list[Example] = []
    for lo, hi in sections:
        part = src[lo:hi]
        for m in re.finditer(r"examples \(", part):
            head_end = _balanced(part, m.end() - 1, "(", ")")
            head = part[m.end() : head_end - 1]
            list_start = part.index("[", head_end)
            list_end = _balanced(part, list_start, "[", "]")
            texts = [
                bytes(s, "utf-8").decode("unicode_escape")
                for s in re.findall(r'"((?:[^"\\]|\\.)*)"', part[list_start:list_end])
            ]
            tuples = _TUPLE.findall(head)
            grain = re.search(r"\)\s*(\w+)(?:\s+\"[^\"]*\")?\s*$", head)
            grain_name = grain.group(1).lower() if grain else "?"
            kind_word = head.split()[0]
            kind = {
                "datetime": "datetime",
                "datetimeInterval": "interval",
                "datetimeHoliday": "holiday",
                "datetimeIntervalHoliday": "holiday",
                "datetimeOpenInterval": "open",
            }.get(kind_word, kind_word)
            start = _dt(tuples[0])
            end = _dt(tuples[1]) if kind == "interval" and len(tuples) > 1 else None
            for text in texts:
                found.append(Example(text, kind, start, end, grain_name))
    return found


def extract_negatives(src: str) -> list[str]:
    """``negativeCorpus``: phrases Duckling must not read as a time."""
    lo = src.index("negativeCorpus =")
    part = src[lo : src.index("latentCorpus ::")]
    return [bytes(s, "utf-8").decode("unicode_escape") for s in re.findall(r'"((?:[^"\\]|\\.)*)"', part)]


_PAST = re.compile(r"\b(ago|last|yesterday|previous|past|earlier|before yesterday)\b", re.I)
_ZONES = re.compile(r"\b(cet|cest|gmt|utc|pst|pdt|est|edt|ist|bst|ct|cst|mst|z)\b|[+-]\d{2}:?\d{2}\b", re.I)
_SEASONS = re.compile(r"\b(summer|winter|spring|fall|autumn|season)\b", re.I)
_HOLIDAY_WORDS = re.compile(r"\b(christmas|xmas|easter|thanksgiving|halloween|new year|valentine)", re.I)
_SPAN = re.compile(
    r"\b(next|upcoming)\s+(\d+|two|three|four|five|few|couple of)\s+(minutes?|hours?|days?|weeks?|months?)\b"
    r"|\b(\d+|two|three|four|five)\s+(upcoming|next)\s+(minutes?|hours?|days?|weeks?|months?)\b",
    re.I,
)
_NEXT_WEEK = re.compile(r"\b(next|following|coming|upcoming)\s+week\b", re.I)


def drop_reason(ex: Example) -> str | None:
    if ex.kind == "holiday" or _HOLIDAY_WORDS.search(ex.text):
        return "holiday"
    if ex.kind == "open":
        return "open interval"
    if ex.grain == "second" or ex.start.second:
        return "second grain"
    if ex.grain in ("month", "year", "quarter"):
        return "month/year/quarter grain"
    if _PAST.search(ex.text):
        return "past phrase"
    week_end = ex.start + timedelta(days=7) if ex.grain == "week" else None
    if (ex.end or week_end or ex.start) <= REF if ex.grain != "day" else ex.start + timedelta(days=1) <= REF:
        return "past value"
    if _ZONES.search(ex.text):
        return "time zone"
    if _SEASONS.search(ex.text):
        return "season"
    if _SPAN.search(ex.text):
        return "span of N units (next 3 hours, upcoming two days)"
    if ex.kind == "interval" and ex.end is not None and ex.end - ex.start > timedelta(days=1):
        return "interval over a day"
    if ex.grain == "week" and not _NEXT_WEEK.search(ex.text):
        return "week other than next week"
    if ex.start - REF > timedelta(days=366):
        return "more than a year ahead"
    return None


# ---------------------------------------------------------------------------- scoring


def right(ex: Example, got: Reading | None) -> bool:
    if got is None:
        return False
    if ex.kind == "interval":
        assert ex.end is not None
        if got.grain == "part_of_day":
            end = got.end or got.start + timedelta(hours=1)
            return got.start.date() == ex.start.date() and got.start < ex.end and end > ex.start
        return got.grain == "minute" and got.start == ex.start
    if ex.grain in ("minute", "hour"):
        return got.grain == "minute" and got.start == ex.start
    if ex.grain == "day":
        return got.grain == "day" and got.start.astimezone(ZONE).date() == ex.start.date()
    if ex.grain == "week":
        monday = got.start.astimezone(ZONE).date()
        monday -= timedelta(days=monday.weekday())
        return got.grain == "week" and monday == ex.start.date()
    return False


def frontdesk(text: str) -> Reading | None:
    w: When | None = parse_when(normalise(text), REF, TZ_NAME, "MDY")
    if w is None:
        return None
    return Reading(w.start.astimezone(ZONE), w.end, w.grain)


def make_dateparser():
    try:
        from dateparser.date import DateDataParser
    except ImportError:
        return None
    parser = DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": REF.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "MDY",
        },
    )

    def read(text: str) -> Reading | None:
        data = parser.get_date_data(text)
        if data is None or data.date_obj is None:
            return None
        start = data.date_obj.replace(tzinfo=ZONE)
        parts = data.date_obj and (getattr(data, "parts", None) or ())
        if data.period == "time" or "time" in parts:
            return Reading(start, None, "minute")
        if data.period == "day":
            return Reading(start.replace(hour=0, minute=0, second=0, microsecond=0), None, "day")
        if data.period == "week":
            return Reading(start, None, "week")
        return Reading(start, None, "other")

    return read


def make_ctparse():
    try:
        from ctparse import ctparse
        from ctparse.types import Interval, Time
    except ImportError:
        return None
    ts = REF.replace(tzinfo=None)
    logging.getLogger("ctparse").setLevel(logging.ERROR)  # "Failed to produce result" per miss

    def as_reading(t) -> Reading | None:
        if not isinstance(t, Time) or t.year is None or t.month is None or t.day is None:
            return None
        if t.hour is not None:
            return Reading(datetime(t.year, t.month, t.day, t.hour, t.minute or 0, tzinfo=ZONE), None, "minute")
        day = datetime(t.year, t.month, t.day, tzinfo=ZONE)
        pod = getattr(t, "POD", None)
        if pod:
            return Reading(day, None, f"pod:{pod}")
        return Reading(day, None, "day")

    def read(text: str) -> Reading | None:
        try:
            found = ctparse(text, ts=ts, timeout=1.0)
        except Exception:  # noqa: BLE001 - a competitor's crash is a miss, not a bench failure
            return None
        if found is None or found.resolution is None:
            return None
        res = found.resolution
        if isinstance(res, Interval):
            a, b = as_reading(res.t_from), as_reading(res.t_to)
            if a is None:
                return None
            if a.grain == "minute" and b is not None and b.start.date() == a.start.date():
                return Reading(a.start, b.start, "part_of_day")
            return a
        got = as_reading(res)
        if got is not None and got.grain.startswith("pod:"):
            bounds = {"morning": (6, 12), "forenoon": (9, 12), "noon": (12, 13), "afternoon": (12, 18)}
            lo, hi = bounds.get(got.grain[4:], (18, 24))
            day = got.start
            return Reading(day + timedelta(hours=lo), day + timedelta(hours=hi), "part_of_day")
        return got

    return read


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--corpus", default=None, help="bare git dir of facebook/duckling, or a Corpus.hs file")
    args.add_argument("--show-errors", action="store_true")
    args.add_argument("--no-others", action="store_true", help="score Frontdesk only")
    opts = args.parse_args()
    src = load_corpus(opts.corpus)
    if src is None:
        where = opts.corpus or os.environ.get("DUCKLING_REPO", DEFAULT_REPO)
        print(f"SKIP: Duckling corpus not found at {where} (set --corpus or DUCKLING_REPO)")
        return
    examples = extract(src)
    dropped: dict[str, int] = {}
    kept: list[Example] = []
    for ex in examples:
        reason = drop_reason(ex)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
        else:
            kept.append(ex)
    readers = {"frontdesk": frontdesk}
    if not opts.no_others:
        for name, make in (("dateparser", make_dateparser), ("ctparse", make_ctparse)):
            reader = make()
            if reader is None:
                print(f"note: {name} not installed; not scored")
            else:
                readers[name] = reader
    scores: dict[str, dict[str, float | int]] = {}
    misses: dict[str, list[tuple[Example, Reading | None]]] = {}
    for name, reader in readers.items():
        hits = deliberate = 0
        lat = []
        misses[name] = []
        for ex in kept:
            t0 = time.perf_counter()
            got = reader(ex.text)
            lat.append(time.perf_counter() - t0)
            if right(ex, got):
                hits += 1
            else:
                if name == "frontdesk" and ex.text.lower() in DELIBERATE:
                    deliberate += 1
                misses[name].append((ex, got))
        n = len(kept)
        scores[name] = {
            "right": hits,
            "score": round(hits / n, 4),
            "score_with_deliberate": round((hits + deliberate) / n, 4),
            "ms_median": round(statistics.median(lat) * 1000, 3),
        }
    negatives = extract_negatives(src)
    false_alarms = [t for t in negatives if frontdesk(t) is not None]
    print(f"corpus examples: {len(examples)}, kept: {len(kept)}, dropped: {len(examples) - len(kept)}")
    for reason, count in sorted(dropped.items(), key=lambda kv: -kv[1]):
        print(f"  dropped {count:4d}  {reason}")
    print()
    print(f"{'parser':<12} {'right':>6} {'of':>5} {'score':>7} {'w/ deliberate':>14} {'ms median':>10}")
    for name, s in scores.items():
        wd = s["score_with_deliberate"] if name == "frontdesk" else s["score"]
        print(f"{name:<12} {s['right']:>6} {len(kept):>5} {s['score']:>7.3f} {wd:>14.3f} {s['ms_median']:>10.3f}")
    print(
        f"negative corpus (not times): Frontdesk read {len(false_alarms)} of {len(negatives)} as a time: {false_alarms}"
    )
    print()
    print("Deliberate differences (Frontdesk):")
    for reason, phrases in DELIBERATE_GROUPS.items():
        print(f"  {', '.join(repr(p) for p in phrases)}: {reason}")
    if opts.show_errors:
        print()
        for ex, got in misses["frontdesk"]:
            mark = " (deliberate)" if ex.text.lower() in DELIBERATE else ""
            exp = f"{ex.start:%a %Y-%m-%d %H:%M} {ex.grain}{' interval' if ex.kind == 'interval' else ''}"
            have = f"{got.start:%a %Y-%m-%d %H:%M} {got.grain}" if got else "None"
            print(f"  {ex.text!r:40} expected {exp:34} got {have}{mark}")
    result = {
        "reference": REF.isoformat(),
        "corpus_examples": len(examples),
        "kept": len(kept),
        "dropped": dropped,
        "scores": scores,
        "deliberate": DELIBERATE_GROUPS,
        "negative_corpus": {"phrases": len(negatives), "frontdesk_false_alarms": false_alarms},
        "frontdesk_misses": [
            {
                "text": ex.text,
                "expected": ex.start.isoformat(),
                "grain": ex.grain,
                "got": got.start.isoformat() if got else None,
            }
            for ex, got in misses["frontdesk"]
        ],
    }
    out = ROOT / "bench/results"
    out.mkdir(exist_ok=True)
    (out / "duckling.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
