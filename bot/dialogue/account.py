"""Who the client is and whether they want our texts: names, opt-out, opt-in."""

from __future__ import annotations

import re

from bot.dialogue.base import Ctx, State, Turn

_NAME_PREFIX = re.compile(
    r"^((hi|hello|hey|oh|ah|oops|sorry|so sorry|um+|er+|ha|lol)[ ,!.]*)*(it'?s|its|i'?m|im|i am|this is|my name is|"
    r"name'?s|call me)\s+",
    re.I,
)
_TRAILING = re.compile(r"[^A-Za-z\u00C0-\u017F'\-]+$")  # "Priya 😊", "Jo!!": what follows a name
_NOT_A_NAME = re.compile(
    r"\d|\b(book|cancel|yoga|class|tomorrow|today|what|when|stop|help|yes|yeah|yep|no|nope|nah|thanks|thank|"
    r"thx|ok|okay|sure|please|pls|hi|hello|hey|start|unsubscribe|later|sorry|why|who|how|maybe|lol|idk|dunno|"
    r"nothing|whatever|none|anon|anonymous|test|testing|na|nvm|hmm+|um+|er+|ha(ha)+|ya|yea|yup|k|kk)\b",
    re.I,
)


def extract_name(raw: str) -> str | None:
    """ "I'm jane doe" -> "Jane Doe"; None when the reply does not look like a name."""
    text = _TRAILING.sub("", _NAME_PREFIX.sub("", raw.strip())).strip(" .!,")
    if not text or _NOT_A_NAME.search(text) or len(text) > 40:
        return None
    words = [w for w in re.split(r"\s+", text) if w]
    if not 1 <= len(words) <= 3 or not all(re.fullmatch(r"[A-Za-z\u00C0-\u017F'\-]{2,}", w) for w in words):
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


def ask_name(c: Ctx) -> Turn:
    return c.say(c.words.ask_name(), state=State.AWAITING_NAME, pending=c.raw)


def opt_out(c: Ctx) -> Turn:
    """STOP (or a bare CANCEL: carriers read it as an opt-out) unsubscribes. A client with
    classes still booked is told which, and how to cancel one without that word alone."""
    c.desk.set_opt_out(True)
    live = c.desk.upcoming_bookings() if c.desk.person.client_id is not None else []
    return Turn([c.words.opted_out([b.session for b in live])])


def opt_in(c: Ctx) -> Turn:
    c.desk.set_opt_out(False)
    return Turn([c.words.opted_in()])


def confirm_opt_out(c: Ctx) -> Turn | None:
    if c.parse.intent == "yes":
        return opt_out(c)
    if c.parse.intent == "no":
        return c.say(c.words.stay_subscribed())
    return None
