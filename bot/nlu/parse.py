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
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.nlu import compliance
from bot.nlu import intent as intent_module
from bot.nlu import when as when_module
from bot.nlu.catalog import STOPWORDS, Catalog, ClassMatch, NameMatch, generic_catalog
from bot.nlu.intent import ORDINALS, REQUESTS, classify, package
from bot.nlu.normalise import correct, normalise
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


# a place alone asks something when said alone or with words about what is on there ("clapham
# please", "anything on at dumbo?"), never in chat ("is it raining in dumbo rn")
_AT_PLACE = re.compile(r"\b(on|class|classes|session|sessions|open|schedule|timetable|book)\b")
_PLACE_WORDS = frozenset(
    "weekday weekdays weekend weekends mornings evenings afternoons nights any anytime time none either both".split()
)
_QUESTION_WORDS = ("is ", "are ", "any ", "what", "when", "anything ", "do you ", "does ")
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
    r"\b(\d{1,3}|five|ten|fifteen|twenty|thirty|couple of|few)(?![.:]\d)\s*(?:-\s*)?(minutes?|m|late|behind)?\b"
)
# when a late client will arrive: "be there by 6.10", "there by quarter past 7"
_ARRIVAL = re.compile(r"\b(?:there|here|in) by ((?:[\w:.]+)(?: [\w:.]+){0,2}?)(?=\s*(?:,|$|\bfor\b|\bsorry\b|\bso\b))")
_MINUTE_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30}
# where a text may hold two requests: "and", "&", "+", "plus", "also", " - also", ", then", a sentence stop
_SEPARATOR = re.compile(
    r"\s+(?:[-+]\s+)?(?:and also|and then|and|&|also|plus)\s+|\s+[-+]\s+|\s*,\s*(?:and )?then\s+|\.\s+|;\s*|!\s+",
    re.I,
)


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
    parts = _requests(raw, ctx)
    if len(parts) > 1:
        first = _parse_one(parts[0][0], ctx)
        also = []
        for part, same_as_head in parts[1:]:
            one = _parse_one(part, ctx)
            if same_as_head:  # "book flow fri 6pm + hiit mon 30th": the second asks the same
                one = replace(one, intent=first.intent, confidence=min(first.confidence, 0.75))
            elif one.intent == first.intent and not one.has_slots:
                continue  # "here! checking in", "first time here - how do I start?": said twice, asked once
            also.append(one)
        return replace(first, also=tuple(also))
    return _parse_one(raw, ctx)


def _requests(raw: str, ctx: ParseContext) -> list[tuple[str, bool]]:
    """``raw`` cut into requests where each side carries a request of its own, else ``[raw]``.

    A side with no verb of its own that names both a class and a time, after a request that
    did the same ("book flow fri 6pm + hiit mon 30th"), is that request again (flagged True);
    "flow and yin" or "yoga fri and sat" stay one request.
    """
    if not _SEPARATOR.search(raw):
        return [(raw, False)]
    pieces: list[str] = []
    start = 0
    for m in _SEPARATOR.finditer(raw):
        pieces.append(raw[start : m.start()])
        pieces.append(raw[m.start() : m.end()])
        start = m.end()
    pieces.append(raw[start:])
    groups: list[tuple[str, bool]] = []
    head_is_request = False
    head_slot = False  # the last request named a class and a time of its own
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        text = _normal(piece, ctx)
        request = classify(text).intent in REQUESTS
        if i == 0:
            groups.append((piece, False))
            head_is_request = request
            head_slot = request and _slot(text, ctx)
        elif request and head_is_request and piece.strip():
            groups.append((piece, False))
            head_slot = _slot(text, ctx)
        elif head_slot and not request and _slot(text, ctx):
            groups.append((piece, True))
        else:
            if request:
                head_is_request = True
                head_slot = _slot(groups[-1][0] + pieces[i - 1] + piece, ctx)
            groups[-1] = (groups[-1][0] + pieces[i - 1] + piece, groups[-1][1])
    return [g for g in groups if g[0].strip()] if len(groups) > 1 else [(raw, False)]


def _slot(text: str, ctx: ParseContext) -> bool:
    """Whether normalised ``text`` names both a class and a time."""
    if parse_when(text, ctx.now, ctx.tz, ctx.date_order) is None:
        return False
    return (ctx.catalog or generic_catalog()).match_class(tokenise(text)) is not None


def _normal(raw: str, ctx: ParseContext) -> str:
    """``raw`` normalised, and slips in the parser's and the studio's words put right (English
    texts only: "clase" and "reservar" are words of their own)."""
    text = normalise(raw)
    if not text.isascii() or not _FOREIGN.isdisjoint(text.split()):
        return text
    catalog = ctx.catalog or generic_catalog()
    return correct(text, catalog.class_words(), _TYPO_KNOWN, catalog.class_phrases())


def _parse_one(raw: str, ctx: ParseContext) -> Parse:
    text = _normal(raw, ctx)
    guess = classify(text)
    catalog = ctx.catalog or generic_catalog()
    if guess.intent == "greeting" and guess.confidence < 0.9 and ("?" in text or len(text.split()) > 4):
        guess = replace(guess, intent="unknown", confidence=0.0)  # "hi is there reformer tomorrow?": not a hello
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
    if compliance.soft_opt_out(text) and guess.intent not in ("cancel", "leave_waitlist", "opt_in"):
        return replace(result, intent="opt_out", confidence=0.8, soft=True)
    if guess.intent == "unknown" and (
        when or class_match or instructor or (location and _about_place(words, location))
    ):
        asked = text.startswith(_QUESTION_WORDS)
        # "reformer tuesday week? is there space" asks what's on; "PT w kim tuesday at noon?" names one
        # slot to the minute and asks for it
        question = asked or ("?" in text and not (when is not None and when.grain in ("minute", "hour")))
        strength = 0.75 if class_match and when else 0.6
        result = replace(result, intent="schedule" if question else "book", confidence=strength)
    return _language(result, ctx, catalog)


def _about_place(words: list[str], location: NameMatch) -> bool:
    """Whether a text naming only a place asks about it: nothing else said but polite or time words."""
    if _AT_PLACE.search(" ".join(words)):
        return True
    a, b = location.span
    rest = [re.sub(r"[^a-z']", "", w) for w in words[:a] + words[b:]]
    return all(not w or w in _ENGLISH or w in STOPWORDS or w in _PLACE_WORDS for w in rest)


def _extras(p: Parse, ctx: ParseContext) -> Parse:
    """The fields only some intents carry, and the unplaced date any text may hold."""
    if p.intent == "running_late":
        minutes, at = _minutes(p.text)
        when = p.when
        if when is not None and at is not None and when.span[0] < at[1] and at[0] < when.span[1]:
            when = None  # "be there in 5 mins" is how late, not a class time
        arrival = _ARRIVAL.search(p.text)
        if arrival is not None:  # "there by 7:10" is when they arrive, not the class
            a, b = arrival.span(1)
            arrive = parse_when(arrival.group(1), ctx.now, ctx.tz, ctx.date_order)
            if when is not None and when.span[0] < b and a < when.span[1]:
                masked = p.text[:a] + " " * (b - a) + p.text[b:]
                when = parse_when(masked, ctx.now, ctx.tz, ctx.date_order)
            if minutes is None and arrive is not None and when is not None and when.grain == "minute":
                late = round((arrive.start - when.start).total_seconds() / 60) % 720  # "7:10" read as am
                minutes = late if 0 < late <= 90 else None
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
        if word in _MINUTE_WORDS and (m.group(2) or re.search(rf"\b(in|about|around|like|maybe) {word}\b", text)):
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
    if not p.text.isascii() and (script := script_language(p.text)) is not None:
        return replace(p, lang=script)
    words = [w for w in tokenise(p.text) if w.isalpha()]
    if len(words) < 2:
        return p
    # a word only another language uses ("mi", "por", "uma", "je") sends even a text the
    # class names and times made look English to the detector
    cue = not _FOREIGN.isdisjoint(words)
    if not cue:
        known = _english_share(words, catalog)
        if p.intent != "unknown" and known >= 0.5:
            return p
        if p.intent == "unknown" and known >= 0.8:
            return p
    # the studio's own words ("mat", "slow flow") and numbers are in every language: the
    # detector reads the rest
    terms = catalog.vocabulary()
    rest = " ".join(w for w in words if w not in terms)
    if len(rest) < 4:
        return p
    return replace(p, lang=detect_language(rest, cue))


# Scripts that name their language (or its most likely one) on sight: (first, last code point, code)
_SCRIPTS = (
    (0x0370, 0x03FF, "el"),
    (0x0400, 0x04FF, "ru"),
    (0x0500, 0x052F, "ru"),
    (0x0530, 0x058F, "hy"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x0900, 0x097F, "hi"),
    (0x0980, 0x09FF, "bn"),
    (0x0A00, 0x0A7F, "pa"),
    (0x0A80, 0x0AFF, "gu"),
    (0x0B80, 0x0BFF, "ta"),
    (0x0C00, 0x0C7F, "te"),
    (0x0C80, 0x0CFF, "kn"),
    (0x0D00, 0x0D7F, "ml"),
    (0x0D80, 0x0DFF, "si"),
    (0x0E00, 0x0E7F, "th"),
    (0x0E80, 0x0EFF, "lo"),
    (0x1000, 0x109F, "my"),
    (0x10A0, 0x10FF, "ka"),
    (0x1100, 0x11FF, "ko"),
    (0x1200, 0x137F, "am"),
    (0x1780, 0x17FF, "km"),
    (0x1F00, 0x1FFF, "el"),
    (0x3040, 0x30FF, "ja"),  # hiragana, katakana
    (0x3130, 0x318F, "ko"),
    (0x31F0, 0x31FF, "ja"),
    (0x3400, 0x4DBF, "zh"),
    (0x4E00, 0x9FFF, "zh"),
    (0xAC00, 0xD7AF, "ko"),
    (0xF900, 0xFAFF, "zh"),
    (0xFB50, 0xFDFF, "ar"),
    (0xFE70, 0xFEFF, "ar"),
)
_SCRIPT_STARTS = [first for first, _, _ in _SCRIPTS]
# letters only one language of a shared script writes: Persian and Urdu in Arabic script,
# Ukrainian and Serbian in Cyrillic
_SCRIPT_MARKS = (
    ("ar", "ٹڈڑںےہ", "ur"),
    ("ar", "پچژگکی", "fa"),
    ("ru", "іїєґ", "uk"),
    ("ru", "ђјљњћџ", "sr"),
)


def script_language(text: str) -> str | None:
    """ISO 639-1 code of a text written mostly in a script other than Latin (Chinese, Japanese,
    Korean, Arabic, Cyrillic, Greek, Hebrew, Thai, Devanagari ...), read from the script alone;
    None for Latin-script texts. Han with any kana is Japanese."""
    counts: dict[str, int] = {}
    latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if code < 0x0370:
            latin += 1
            continue
        i = bisect_right(_SCRIPT_STARTS, code) - 1
        if i >= 0 and code <= _SCRIPTS[i][1]:
            lang = _SCRIPTS[i][2]
            counts[lang] = counts.get(lang, 0) + 1
        else:
            latin += 1  # Latin extended and the rest: the detector's to read
    if not counts:
        return None
    if "zh" in counts and "ja" in counts:  # kanji with kana
        counts["ja"] += counts.pop("zh")
    lang, most = max(counts.items(), key=lambda kv: kv[1])
    if most * 2 < sum(counts.values()) + latin:
        return None  # mostly Latin letters: "book yoga 明天" is for English to read
    for script, marks, marked in _SCRIPT_MARKS:
        if lang == script and any(ch in marks for ch in text):
            return marked
    return lang


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


# Function words of the languages clients write in, none of them English or SMS English
# ("mi", "na", "ma", "les", "die", "per", "est" are left out for that reason, and so are the
# greetings English texters borrow: "hola", "ciao", "gracias", "merci", "bonjour")
_FOREIGN = frozenset(
    """el los las mis por para quiero clase clases tarde llego puedo mañana una del que necesito
    reservar cancelar favor hoy sábado domingo lunes martes miércoles jueves viernes minutos estoy voy tengo cuándo
    cuantos cuántos créditos quedan cancela olá posso uma aula não nao obrigado obrigada quero amanhã hoje você
    marcar atrasado atrasada estou segunda terça quarta quinta sexta je le des une voudrais cours
    serai retard pour avec suis demain réserver annuler désolé désolée lundi mardi mercredi jeudi vendredi samedi
    dimanche vous ich kann morgen bitte danke und der ein eine nicht heute buchen stornieren möchte komme
    spät später minuten montag dienstag mittwoch donnerstag freitag samstag sonntag meine ist vorrei prenotare
    grazie domani il oggi sono lezione cancellare ritardo lunedì martedì mercoledì giovedì venerdì sabato domenica
    ik het een graag wil vandaag boeken niet maandag dinsdag woensdag donderdag vrijdag zaterdag zondag chcę jutro
    dziękuję proszę dzisiaj zajęcia odwołać cześć się""".split()
)


# words the typo layer never changes: the English and foreign words above, and every word the
# intent rules spell out ("checkin", "noshow", "omw")
_TYPO_KNOWN = frozenset(
    _ENGLISH
    | STOPWORDS
    | _FOREIGN
    | set(when_module.WEEKDAYS)
    | {
        w
        for name in dir(intent_module)
        for w in re.findall(r"[a-z]{4,}", getattr(getattr(intent_module, name), "pattern", ""))
    }
    | {w for _, pattern, _ in intent_module.RULES for w in re.findall(r"[a-z]{4,}", pattern.pattern)}
)


def detect_language(text: str, cue: bool = False) -> str | None:
    """ISO 639-1 code of ``text`` when it is confidently not English, else None.

    ``cue``: the text holds a function word of another language, so a leader short of 0.6
    (short texts split it between neighbours) is taken when English is all but ruled out.

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
    if top.language.name == "ENGLISH":
        return None
    if top.value < 0.6:
        # a short text splits its confidence between neighbours (Spanish and Portuguese): with a
        # foreign function word in it and English far behind, the leader is enough
        english = next((v.value for v in values if v.language.name == "ENGLISH"), 0.0)
        if not (cue and top.value >= 0.4 and english * 3 <= top.value):
            return None
    return str(top.language.iso_code_639_1.name).lower()
