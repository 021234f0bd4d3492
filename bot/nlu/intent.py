"""Intent: what the client wants, from rules over the normalised text.

Rules are ordered and each carries a confidence. Entities found elsewhere (a class, a
time) lift a bare request into a booking or a question about the schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTENTS = (
    "book",
    "cancel",
    "list_bookings",
    "schedule",
    "join_waitlist",
    "yes",
    "no",
    "pick",
    "credits",
    "prices",
    "help",
    "human",
    "greeting",
    "thanks",
    "opt_out",
    "opt_in",
    "reset",
    "unknown",
    "intro",
    "dispute",
)

ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "last": -1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
}

_YES = re.compile(
    r"^(yes+|y|ya|yeah|yea|yep|yup|yas|ok|okay|k|sure|please|yes please|ok please|please do|go ahead|do it|"
    r"confirm|confirmed|sounds good|perfect|great|lovely|absolutely|definitely|of course|why not|go on|go on then|claim|"
    r"claim it|i'?ll take it|take it|book it|yes book it|yes please book it|yes do it|yes claim)( please)?( thanks| thank you)?$"
)
_NO = re.compile(
    r"^(no+|n|nope|nah|no thanks|no thank you|not now|never ?mind|nvm|don'?t|dont bother|leave it|"
    r"keep it|keep my (spot|place|booking)|no keep it|pass|i'?ll pass|skip|not today|no ta|nah i'?m good)"
    r"( thanks| thank you)?$"
)
_RESET = re.compile(r"^(menu|start over|restart|reset|main menu|back)$")
_GREETING = re.compile(
    r"^(hi+|hello|hey+|hiya|heya|yo|morning|good (morning|afternoon|evening)|hi there|hello there)( there)?$"
)
_THANKS = re.compile(
    r"^(thanks|thank you|thank you so much|thanks so much|many thanks|ta|cheers|great thanks|perfect thanks|lovely thanks|brilliant|awesome|amazing)( (a lot|so much|again))?$"
)
_PICK = re.compile(r"^(?:(?:option|number|no\.?|#)\s*)?(\d{1,2})(?:st|nd|rd|th)?(?: one| please| pls)?$")
# A prospect asking how to begin (issue 6); a question about price stays "prices".
_INTRO = re.compile(
    r"\b(intro|intro offer|how (do|can|should) i (start|get started|begin|join|sign up)|first time|"
    r"first timer|new here|i'?m new|im new|new client|new to (this|the studio|you)|getting started|"
    r"trial (session|class|offer))\b"
)
_NOT_INTRO = re.compile(r"\b(how much|price|prices|cost|costs)\b")
# A client questioning a charge (issue 11): a person looks at it; never answered with a balance.
# "how many credits do i have", "what do i owe" stay "credits".
_DISPUTE = re.compile(
    r"\bwhy (was|were|am|have|has|did|do|would|is) (i|we|you|u|my|it|this|that)( been| being| get| got)? ?(charg|bill|fin|mark|no.?show|tak|us)"
    r"|\b(charged|billed) (me )?(twice|double|two times|again|wrong|wrongly|by mistake|incorrectly|for nothing)"
    r"|\bdouble.?(charged|billed|charge)"
    r"|\b(fee|charge|fine|charges|bill|payment) (is|was|seems|looks) (wrong|incorrect|a mistake|not right|unfair|not fair)"
    r"|\b(wrong|incorrect|unfair) (fee|charge|fine|charges|no.?show)"
    r"|\b(shouldn'?t|should not|should ?n'?t) (have )?(been |be )?(charged|billed|fined|marked)"
    r"|\bi (was|did) (there|come|attend|turn up|show up)|\bi (attended|came|turned up|showed up)\b(?! late)"
    r"|\bi (was|wasn'?t) (a )?no.?show|\bnot a no.?show"
    r"|\b(dispute|contest|appeal)\b"
    r"|\b(refund|money back|my money)\b"
    r"|\b(took|taken|charged|used) my (credit|money|class)\b"
    r"|\bwhy (was|were|did|has|have) (my|a|the) (credit|money|fee|card)s? (been )?(taken|used|charged|gone|deducted)"
    r"|\bwhy did (you|u) (take|use|charge|fine|bill)"
)
_DISPUTE_NOT = re.compile(r"\bi was there (yesterday|last|on|at|earlier|this)\b.*\b(love|great|amazing|fun|thanks)")
_PICK_WORD = re.compile(r"^(?:the )?(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)(?: one)?(?: please)?$")

RULES: list[tuple[str, re.Pattern[str], float]] = [
    (
        "human",
        re.compile(
            r"\b(speak|talk|chat) (to|with)\b|\b(real person|human being|call me|ring me|phone me|can someone (call|ring|contact))\b|^(human|agent|person|operator)$"
        ),
        0.95,
    ),
    (
        "cancel",
        re.compile(
            r"\b(cancel+|cancle|cancl|can'?t make( it)?|can'?t come|cannot come|cannot make( it)?|can not make|won'?t make( it)?|wont be able|not able to make|unable to (come|make|attend)|drop (out|my)|remove me from (the )?(class|session|booking)|take me off|scrap my)\b"
        ),
        0.92,
    ),
    (
        "join_waitlist",
        re.compile(r"\b(wait ?list|waiting list|put me on the list|add me to the list|join the list|on the list)\b"),
        0.9,
    ),
    (
        "list_bookings",
        re.compile(
            r"\b(my (bookings?|classes|sessions|schedule|reservations?)|what am i booked|what have i booked|what i'?m booked|am i booked|upcoming (bookings?|classes)|when is my (next )?(class|session|booking)|when'?s my (next )?(class|session|booking)|my next (class|session|booking)|what have i got booked|what'?ve i got booked|booked in(to)? for|what classes do i have)\b"
        ),
        0.9,
    ),
    (
        "credits",
        re.compile(
            r"\b(credits?|balance|how many (classes|sessions|credits) (do i have|have i got|left)|(classes|sessions) left|left on my (pack|package|membership)|my (pack|package|membership)|when does my (pack|package|membership) (expire|run out))\b"
        ),
        0.88,
    ),
    (
        "prices",
        re.compile(
            r"\b(prices?|pricing|cost|costs|how much|packages?|class pack|packs|memberships?|drop ?in|rates|buy|purchase|top up|intro offer)\b"
        ),
        0.85,
    ),
    (
        "schedule",
        re.compile(
            r"(\b(what'?s on|whats on|what is on|timetable|schedule|what classes|which classes|any (spots?|space|spaces|room|places?|availability)|spots? (left|available|free)|is there (a|any)|are there (any)?|availability|available|what time is|what times|when is the|when'?s the|how full|is it full|free spaces)\b)"
        ),
        0.85,
    ),
    (
        "book",
        re.compile(
            r"\b(book|booking|bok|bkoo|reserve|sign me up|sign up|put me (in|down)|count me in|save me a (spot|place)|get me (in|into)|i'?d like|i would like|i want|id like|can i (come|join|get|do)|could i (come|join|get)|add me|join|i'?ll come|want to come|grab a spot|spot (in|for|at))\b"
        ),
        0.88,
    ),
    ("help", re.compile(r"\b(help|what can you do|how does this work|how do i|commands|instructions|options)\b"), 0.8),
]


@dataclass(frozen=True)
class IntentGuess:
    intent: str
    confidence: float
    number: int | None = None


def classify(text: str) -> IntentGuess:
    """The intent of normalised ``text`` before entities are considered."""
    bare = text.strip(" ?!.")
    if not bare:
        return IntentGuess("unknown", 0.0)
    if _RESET.match(bare):
        return IntentGuess("reset", 0.95)
    if (m := _PICK.match(bare)) is not None:
        return IntentGuess("pick", 0.9, int(m.group(1)))
    if (m := _PICK_WORD.match(bare)) is not None:
        return IntentGuess("pick", 0.85, ORDINALS[m.group(1)])
    if _THANKS.match(bare):
        return IntentGuess("thanks", 0.95)
    if _YES.match(bare):
        return IntentGuess("yes", 0.95)
    if _NO.match(bare):
        return IntentGuess("no", 0.93)
    if _GREETING.match(bare):
        return IntentGuess("greeting", 0.95)
    if _INTRO.search(bare) and not _NOT_INTRO.search(bare):
        return IntentGuess("intro", 0.9)
    if _DISPUTE.search(bare) and not _DISPUTE_NOT.search(bare) and not _cancel_for_refund(bare):
        return IntentGuess("dispute", 0.9)
    for intent, pattern, confidence in RULES:
        if pattern.search(bare):
            if intent == "book" and RULES[6][1].search(bare) and bare.endswith("?"):
                return IntentGuess("schedule", 0.8)
            return IntentGuess(intent, confidence)
    if re.match(r"^(yes|yeah|yep|ok|sure)\b", bare):
        return IntentGuess("yes", 0.8)
    if re.match(r"^(no|nope|nah)\b", bare):
        return IntentGuess("no", 0.75)
    if re.match(r"^(hi|hello|hey|hiya)\b", bare):
        return IntentGuess("greeting", 0.6)
    if re.search(r"\b(thanks|thank you|cheers)\b", bare):
        return IntentGuess("thanks", 0.7)
    return IntentGuess("unknown", 0.0)


def _cancel_for_refund(bare: str) -> bool:
    """ "cancel tomorrow's class, can I get a refund?": a cancel that mentions a refund is a cancel."""
    cancel = RULES[1][1]
    return bool(cancel.search(bare)) and not re.search(r"charg|fee|fine|bill|twice|there", bare)
