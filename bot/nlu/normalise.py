"""Text as the parser wants it: lowercase ASCII-ish words, SMS spellings expanded.

Digits and the characters times and dates need (``:`` ``.`` ``/``) survive; a
sentence-final full stop does not stick to the word before it ("6pm." -> "6pm").
"""

from __future__ import annotations

import re
import unicodedata

_EMOJI_WORDS = {"👍": " yes ", "👌": " yes ", "✅": " yes ", "🙏": " thanks ", "👎": " no ", "❌": " no "}
_TYPOGRAPHY = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
}

SPELLINGS = {
    "tomorrow": (
        "tmrw",
        "tmr",
        "tmrow",
        "tmro",
        "tomoz",
        "tmoz",
        "tomoro",
        "tomorro",
        "2moro",
        "2morrow",
        "2mrw",
        "2morow",
        "tomorow",
        "tommorow",
        "tommorrow",
        "tomrrow",
        "tmorrow",
        "tomorrw",
        "tomm",
        "tmw",
        "tomorrows",
        "tmrow",
        "2moz",
        "tomozz",
    ),
    "tonight": ("tonights", "tonite", "tonites", "tonite", "2nite", "tonigh", "tonigt", "2night"),
    "night": ("nite",),
    "weekend": ("wknd", "wkend"),
    "afternoon": ("arvo", "aftn", "afternoonish"),
    "midday": ("mid-day",),
    "today": ("2day", "tdy", "todya", "toady"),
    "please": ("pls", "plz", "plss", "pleas", "pleae"),
    "thanks": ("thx", "thnx", "thanx", "ty", "thanku", "tnx", "thks"),
    "you": ("u",),
    "are": ("r",),
    "week": ("wk",),
    "next": ("nxt",),
    "thursday": ("thrusday", "thurday", "thursdya", "thurdsay"),
    "wednesday": ("wednesay", "wedensday", "wendsday", "wensday", "wednsday", "wedsday"),
    "tuesday": ("tuseday", "tuesdy", "teusday", "tusday"),
    "saturday": ("saturdy", "satuday", "saterday"),
    "friday": ("firday", "fridya"),
    "monday": ("mondya", "monady"),
    "sunday": ("sundya",),
    "morning": ("mornin", "morn"),
    "evening": ("evenin", "eve"),
    "minutes": ("mins", "min"),
    "hours": ("hrs", "hr"),
    "o'clock": ("oclock",),
    "what": ("wat", "wot", "wht", "whta"),
}
_DAYS = {
    "today",
    "tomorrow",
    "tonight",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "weds",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
}
_CLOCK_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_WORDS = {variant: canonical for canonical, variants in SPELLINGS.items() for variant in variants}


def _one_slip(word: str) -> set[str]:
    """Every spelling one slip away from ``word``: a letter dropped, doubled, swapped, changed or added."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in cuts if b}
        | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
        | {a + c + b[1:] for a, b in cuts if b for c in letters}
        | {a + c + b for a, b in cuts for c in letters}
    )


# "cnacel", "cansel", "cancle": the one verb clients most need understood, however it is typed;
# real words one slip away ("cancer", "chancel") are left alone
for _slip in _one_slip("cancel") - {"cancel", "cancer", "chancel", "canal"}:
    _WORDS.setdefault(_slip, "cancel")
_ARROW = re.compile(r"\s*(?:-+>|=+>|\u2192|\u27f6|\u21d2)\s*")  # "wed -> thurs": to


def normalise(text: str) -> str:
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    if ">" in text or "\u2192" in text or "\u27f6" in text or "\u21d2" in text:
        text = _ARROW.sub(" to ", text)
    text = "".join(_TYPOGRAPHY.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch if (ch.isalnum() or ch in " :./?'#£$&-@") else " " for ch in text)
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)  # "6 p.m." -> "6 pm"
    text = re.sub(rf"\b(\d{{1,2}}|{_CLOCK_WORDS})\s*([ap])\s+m\b", r"\1 \2m", text)  # "nine a m" -> "nine am"
    text = re.sub(r"\bo\s+clock\b", "o'clock", text)
    text = re.sub(r"\bmid\s+day\b", "midday", text)
    text = re.sub(r"(?<=\d)\s+/\s*(?=\d)|(?<=\d)/\s+(?=\d)", "/", text)  # "2 / 15" -> "2/15"
    text = re.sub(r"(?<!\d)[.](?!\d)", " ", text)  # keep 6.30, drop sentence stops
    text = re.sub(r"(?<![\d])/|/(?![\d])", " ", text)  # keep 3/4
    text = re.sub(r"(?<=\w)\?", " ?", text)
    words = [_WORDS.get(w, _WORDS.get(w.removesuffix("'s"), w)) for w in text.split()]
    words = [w.removesuffix("'s") if w.endswith("'s") and w[:-2] in _DAYS else w for w in words]
    return " ".join(words)


def tokens(text: str) -> list[str]:
    return [w for w in text.split() if w not in ("?",)]
