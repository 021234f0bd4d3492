"""normalise -> compliance keywords -> intent -> slots, in one call.

``parse`` is deterministic and fast (no I/O). The optional LLM fallback lives in
``bot.nlu.llm`` and is applied by the caller only when ``confidence`` is low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from bot.nlu import compliance
from bot.nlu.catalog import Catalog, ClassMatch, NameMatch, generic_catalog
from bot.nlu.intent import ORDINALS, classify
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

    @property
    def has_slots(self) -> bool:
        return any((self.when, self.class_match, self.instructor, self.location))


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
    text = normalise(raw)
    if keyword is not None:
        return Parse(keyword, 1.0, text)
    guess = classify(text)
    when = parse_when(text, ctx.now, ctx.tz, ctx.date_order)
    words = tokenise(text)
    catalog = ctx.catalog or generic_catalog()
    class_match = catalog.match_class(words)
    instructor = catalog.match_instructor(words) if catalog.instructors else None
    location = catalog.match_location(words) if catalog.locations else None
    if guess.intent in ("greeting", "thanks", "pick") and not re.search(r"\d[:.]\d|\d\s*(am|pm)", text):
        when = None  # "good morning", "the 2nd": not times
    if guess.intent == "human":
        class_match = None  # "talk to a person" is not Personal Training
    number = guess.number if guess.intent == "pick" else _number(text, when)
    result = Parse(guess.intent, guess.confidence, text, when, class_match, instructor, location, number)
    if compliance.soft_opt_out(text) and guess.intent not in ("cancel",):
        return replace(result, intent="opt_out", confidence=0.8, soft=True)
    if guess.intent == "unknown" and result.has_slots:
        question = text.rstrip().endswith("?") or text.startswith(("is ", "are ", "any ", "what", "when"))
        strength = 0.75 if class_match and when else 0.6
        return replace(result, intent="schedule" if question else "book", confidence=strength)
    if (
        guess.intent == "pick"
        and when is not None
        and when.grain == "minute"
        and not re.fullmatch(r"#?\d{1,2}", text.strip())
    ):
        return result  # "6:30 one": a pick by time; the dialogue reads ``when``
    return result
