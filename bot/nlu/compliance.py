"""Carrier keywords, read exactly as carriers read them.

A message that is *only* one of these words (any case, surrounding punctuation and
spaces ignored) is the keyword. "cancel yoga" is not; a bare "CANCEL" is an opt-out.
"""

from __future__ import annotations

import re

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})

_SOFT_OPT_OUT = re.compile(
    r"\b(stop|quit|don'?t|do not|no more|never)\b.{0,20}\b(text|texting|texts|message|messages|messaging|sms|contact|contacting)\b"
    r"|\b(unsubscribe|opt me out|opt out|remove me from (your|the) ((texting|text|sms|mailing|messaging|contact) )?(list|texts|messages))\b",
)


# A whole message that only asks to stop, in plain words: as binding as the bare keyword.
# "can I stop my membership" or "cancel thanks" are not: only these forms, nothing else said.
# "please stop texting me" stays soft (one question first), as before.
_POLITE = r"( (please|pls|plz|thanks|thank you|thx|now|asap|immediately|x|all|ok|okay))*"
_PLAIN_OPT_OUT = re.compile(
    r"^(please )?("
    r"stop|stopall|stop all|unsubscribe|unsubscribe me|optout|opt out|opt-out|opt me out|opt-out me|end|quit"
    r"|no more (texts|text messages|messages|sms|texting)( to me)?"
    r"|(remove|delete) my (number|phone number|details)( from (your|the) (list|system|texts))?"
    r"|take me off (your|the) (texting|text|sms|mailing) list"
    r")" + _POLITE + "$"
)


def plain_opt_out(body: str) -> bool:
    """``STOP thanks``, ``no more texts please``, ``opt me out``: an opt-out, no question asked."""
    text = re.sub(r"[^a-z' -]+", " ", body.lower().replace("\u2019", "'"))
    return bool(_PLAIN_OPT_OUT.match(" ".join(text.split())))


def keyword(body: str) -> str | None:
    """``"opt_out"``, ``"opt_in"`` or ``"help"`` when the whole message is a carrier keyword."""
    m = re.fullmatch(r"[\W_]*([A-Za-z]+)[\W_]*", body)
    if m is None:
        return None
    word = m.group(1).upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    return None


def soft_opt_out(normalised: str) -> bool:
    """An opt-out said in other words ("please stop texting me"): honoured after one question."""
    return bool(_SOFT_OPT_OUT.search(normalised))
