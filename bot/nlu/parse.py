"""normalise -> compliance keywords -> intent -> slots, in one call.

``parse`` is deterministic and fast (no I/O). The optional LLM fallback lives in
``bot.nlu.llm`` and is applied by the caller only when ``confidence`` is low.

Beyond intent and slots a parse carries: ``target`` (a reschedule's new slot, itself a
parse of the words after to/for/into), ``minutes`` (running late), ``numbers`` and
``names`` (staff check-in, no-show, waive), ``package`` (the words naming a package to
buy), ``also`` (further requests in the same text), ``lang`` (a confidently non-English
text's ISO 639-1 code) and ``unplaced`` (a date phrase that names no real day, "31/02").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.nlu import compliance
from bot.nlu import when as when_module
from bot.nlu.catalog import STOPWORDS, Catalog, ClassMatch, NameMatch, generic_catalog
from bot.nlu.intent import ORDINALS, REQUESTS, classify, package
from bot.nlu.normalise import normalise
from bot.nlu.normalise import tokens as tokenise
from bot.nlu.when import When, parse_when

LOW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class ParseContext:
    now: datetime
    tz: str
    date_order: str = "DMY"
    catalog: Catalog | None = None


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    text: str  # normalised
    when: When | None = None
    class_match: ClassMatch | None = None
    instructor: NameMatch | None = None
    location: NameMatch | None = None
    number: int | None = None
    soft: bool = False  # an opt-out in other words: confirm before acting
    target: Parse | None = None  # reschedule: the slot to move to (its when, class_match, instructor)
    minutes: int | None = None  # running_late: "10 mins late", "be there in 5"
    numbers: tuple[int, ...] = ()  # staff check_in / no_show / waive / undo: "check in 1 3"
    names: tuple[str, ...] = ()  # the same: the leftover lowercase name words ("sam", "priya")
    package: str | None = None  # buy: the words naming the package ("10 pack", "unlimited")
    also: tuple[Parse, ...] = ()  # further requests in the same text ("... and cancel my reformer sat")
    lang: str | None = None  # ISO 639-1 code when the text is confidently not English
    unplaced: str | None = None  # a date phrase that names no real day ("31/02")

    @property
    def has_slots(self) -> bool:
        return any((self.when, self.class_match, self.instructor, self.location))


STAFF = frozenset({"check_in", "no_show", "waive", "undo"})
_NOT_NAMES = STOPWORDS | frozenset(
    "check checkin checked in here is are has have arrived no show shows noshow didn't didnt did not never come "
    "came turn turned up waive waived fee fees charge charges fine the and & mark marked as her his their them him "
    "please pls thanks just now undo that it was wasn't hasn't today class session late cancel cancellation for "
    "she he they we i i'm im i've ive we're were we've weve they're theyre you're youre number numbers both all "
    "also x just".split()
)
_TARGET_SPLIT = re.compile(r"\b(to|for|into|onto)\b")
_DAY_WORD = re.compile(
    r"\b(today|tonight|tomorrow|mon|monday|tue|tues|tuesday|wed|weds|wednesday|thu|thur|thurs|thursday|fri|friday|"
    r"sat|saturday|sun|sunday|week|weekend)\b|\d{1,2}/\d{1,2}|\b\d{1,2}(st|nd|rd|th)\b"
)
_MINUTES = re.compile(
    r"\b(\d{1,3}|five|ten|fifteen|twenty|thirty|couple of|few)\s*(?:-\s*)?(minutes?|m|late|behind)?\b"
)
_MINUTE_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30}
# where a text may hold two requests: "and", "&", "also", ", then", a sentence stop
_SEPARATOR = re.compile(r"\s+(?:and also|and then|and|&|also)\s+|\s*,\s*(?:and )?then\s+|\.\s+|;\s*|!\s+", re.I)


def _number(text: str, when: When | None) -> int | None:
    """A standalone small number or ordinal ("cancel 2", "the 2nd") outside the time phrase."""
    masked = text
    if when is not None:
        a, b = when.span
        masked = text[:a] + " " * (b - a) + text[b:]
    for m in re.finditer(
        r"(?<![\d:.£$])#?(\d{1,2})(st|nd|rd|th)?(?![\d:.]|\s*(am|pm|hours?|hrs?|mins?|minutes?))", masked
    ):
        return int(m.group(1))
    for word in masked.split():
        if word in ORDINALS and word not in ("one",):
            return ORDINALS[word]
    return None


def parse(raw: str, ctx: ParseContext) -> Parse:
    keyword = compliance.keyword(raw)
    if keyword is not None:
        return Parse(keyword, 1.0, normalise(raw))
    if compliance.plain_opt_out(raw):
        return Parse("opt_out", 1.0, normalise(raw))
    parts = _requests(raw)
    if len(parts) > 1:
        first = _parse_one(parts[0], ctx)
        return replace(first, also=tuple(_parse_one(part, ctx) for part in parts[1:]))
    return _parse_one(raw, ctx)


def _requests(raw: str) -> list[str]:
    """``raw`` cut into requests where each side carries a request of its own, else ``[raw]``."""
    if not _SEPARATOR.search(raw):
        return [raw]
    pieces: list[str] = []
    start = 0
    for m in _SEPARATOR.finditer(raw):
        pieces.append(raw[start : m.start()])
        pieces.append(raw[m.start() : m.end()])
        start = m.end()
    pieces.append(raw[start:])
    groups: list[str] = []
    head_is_request = False
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        request = classify(normalise(piece)).intent in REQUESTS
        if i == 0:
            groups.append(piece)
            head_is_request = request
        elif request and head_is_request and piece.strip():
            groups.append(piece)
        else:
            if request:
                head_is_request = True
            groups[-1] += pieces[i - 1] + piece
    return [g for g in groups if g.strip()] if len(groups) > 1 else [raw]


def _parse_one(raw: str, ctx: ParseContext) -> Parse:
    text = normalise(raw)
    guess = classify(text)
    catalog = ctx.catalog or generic_catalog()
    source = text
    target: Parse | None = None
    if guess.intent == "reschedule":
        source, target = _reschedule(text, ctx, catalog)
    when = parse_when(source, ctx.now, ctx.tz, ctx.date_order)
    words = tokenise(source)
    class_match = catalog.match_class(words)
    instructor = catalog.match_instructor(words) if catalog.instructors else None
    location = catalog.match_location(words) if catalog.locations else None
    if guess.intent in ("greeting", "thanks", "pick", "ack") and not re.search(r"\d[:.]\d|\d\s*(am|pm)", text):
        when = None  # "good morning", "the 2nd": not times
    if guess.intent == "human":
        class_match = None  # "talk to a person" is not Personal Training
    number = guess.number if guess.intent == "pick" else _number(source, when)
    result = Parse(guess.intent, guess.confidence, text, when, class_match, instructor, location, number, target=target)
    result = _extras(result, ctx)
    if compliance.soft_opt_out(text) and guess.intent not in ("cancel", "leave_waitlist"):
        return replace(result, intent="opt_out", confidence=0.8, soft=True)
    if guess.intent == "unknown" and result.has_slots:
        question = text.rstrip().endswith("?") or text.startswith(("is ", "are ", "any ", "what", "when"))
        strength = 0.75 if class_match and when else 0.6
        result = replace(result, intent="schedule" if question else "book", confidence=strength)
    return _language(result, ctx, catalog)


def _extras(p: Parse, ctx: ParseContext) -> Parse:
    """The fields only some intents carry, and the unplaced date any text may hold."""
    if p.intent == "running_late":
        minutes, at = _minutes(p.text)
        when = p.when
        if when is not None and at is not None and when.span[0] < at[1] and at[0] < when.span[1]:
            when = None  # "be there in 5 mins" is how late, not a class time
        p = replace(p, minutes=minutes, number=None, when=when)
    elif p.intent in STAFF:
        numbers = tuple(int(n) for n in re.findall(r"(?<![\d:.])\d{1,3}(?![\d:.])", p.text))
        names = tuple(
            w
            for w in (re.sub(r"[^a-z]", "", t.removesuffix("'s")) for t in tokenise(p.text) if t not in _NOT_NAMES)
            if w and w not in _NOT_NAMES and len(w) > 1
        )
        p = replace(p, numbers=numbers, names=names, when=None if p.intent != "check_in" else p.when)
    elif p.intent == "buy":
        p = replace(p, package=package(p.text), number=None)
    unplaced = getattr(when_module, "unplaced_date", None)
    if unplaced is not None:
        try:
            phrase = unplaced(p.text, ctx.now, ctx.tz, ctx.date_order)
        except Exception:  # another module's work in progress never breaks a parse
            phrase = None
        if phrase:
            number = p.number
            if number is not None and p.intent != "pick" and phrase in p.text:
                number = _number(p.text.replace(phrase, " " * len(phrase), 1), p.when)  # "31/02" is no "cancel 31"
            p = replace(p, unplaced=phrase, number=number)
    return p


def _minutes(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """How many minutes late ("10 mins late", "running 10 late", "be there in 5") and where it was said."""
    for m in _MINUTES.finditer(text):
        word = m.group(1)
        if word.isdigit():
            if m.group(2) or re.search(rf"\b(in|by|running|be|about|around|like|maybe) {word}\b", text):
                return int(word), m.span()
            continue
        if word in _MINUTE_WORDS and m.group(2):
            return _MINUTE_WORDS[word], m.span()
    return None, None


def _reschedule(text: str, ctx: ParseContext, catalog: Catalog) -> tuple[str, Parse | None]:
    """The words before to/for/into name the booking to move; the words after, where to."""
    verb = re.search(r"\b(reschedule|rebook|re-book|move|push|change|switch|swap|shift|transfer|bump)\b", text)
    after_verb = verb.end() if verb else 0
    split = _TARGET_SPLIT.search(text, after_verb)
    if split is None:
        return text, None
    source, rest = text[: split.start()], text[split.end() :]
    when = parse_when(rest, ctx.now, ctx.tz, ctx.date_order)
    if when is not None and not _DAY_WORD.search(rest):
        # "change tomorrow's class to the evening one": the evening of the booking's day
        was = parse_when(source, ctx.now, ctx.tz, ctx.date_order)
        if was is not None:
            day = was.start
            anchored = parse_when(f"{day.day} {day.strftime('%b').lower()} {rest}", ctx.now, ctx.tz, ctx.date_order)
            when = anchored or when
    words = tokenise(rest)
    class_match = catalog.match_class(words)
    instructor = catalog.match_instructor(words) if catalog.instructors else None
    target = Parse("reschedule", 1.0, rest.strip(), when, class_match, instructor)
    return source, target


def _language(p: Parse, ctx: ParseContext, catalog: Catalog) -> Parse:
    """Detect a non-English text, only when English did not already explain it (the detector is slow)."""
    words = [w for w in tokenise(p.text) if w.isalpha()]
    if len(words) < 2:
        return p
    known = _english_share(words, catalog)
    if p.intent != "unknown" and known >= 0.5:
        return p
    if p.intent == "unknown" and known >= 0.8:
        return p
    return replace(p, lang=detect_language(p.text))


# Words a client texting in English uses; with the catalog's own words and the day and
# time vocabulary, a text mostly made of these is English and the detector is not asked.
_ENGLISH = frozenset(
    """a about after again all also am an and any anyone are around as at away back be because been before behind
    being best bit book booked booking bookings both but by call came can can't cancel cancelled cant class classes
    come coming could day days did didn't do does doing don't done down each early either else even evening ever
    every few fine first for free friday from full get getting give go going gonna good got great had has have
    having he hello help her here hey hi him his how i i'd i'll i'm i've if in instead into is isn't it it's its
    just know last late later least leave let like list little long look looking lot love make many may maybe me
    mean might mine minutes monday more morning most much must my name need never new next nice night no not now
    of off ok okay on once one only open or other our out over own people place please pls put quick quite rather
    really right same saturday see session sessions she should show so some someone something sometime soon sorry
    spot spots still stop sunday sure take thank thanks that that's the their them then there these they thing
    think this those thursday time times tired to today tomorrow tonight too tuesday two up us very wait want wanted
    was wasn't way we wednesday week weekend well were what what's whats when where which while who why will with
    won't work would yeah yes yet you you're your yours anything my please pack unlimited membership drop price
    prices cost how much booked waitlist wait list morning afternoon lunch noon midday pm am o'clock half quarter
    past hours hour tmrw mins mon tue tues wed weds thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept
    oct nov dec january february march april june july august september october november december yoga pilates
    reformer spin barre hiit flow yin stretch mat studio instructor teacher fee charged refund credit credits balance
    pay paid card help human person hey hiya cheers ta lol x xx xxx omw traffic stuck running arrived check""".split()
)


def _english_share(words: list[str], catalog: Catalog) -> float:
    terms = catalog.vocabulary()
    known = sum(1 for w in words if w in _ENGLISH or w in STOPWORDS or w in terms or w in when_module.WEEKDAYS)
    return known / len(words)


_LANGUAGES = ("ENGLISH", "SPANISH", "FRENCH", "GERMAN", "ITALIAN", "PORTUGUESE", "DUTCH", "POLISH")
_detector: Any = None  # the lingua detector once built; False when lingua is not installed


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text`` when it is confidently not English, else None.

    The lingua detector is built once, on first use, for the few languages clients are
    likely to write in; without the library installed nothing is detected.
    """
    global _detector
    if _detector is None:
        try:
            from lingua import Language, LanguageDetectorBuilder
        except ImportError:  # pragma: no cover - an install without the optional detector
            _detector = False
            return None
        _detector = LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in _LANGUAGES)).build()
    if _detector is False:
        return None
    values = _detector.compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    if top.language.name == "ENGLISH" or top.value < 0.6:
        return None
    return str(top.language.iso_code_639_1.name).lower()
