"""The state machine: global intents first, then the pending question, then a fresh read.

``respond`` is pure apart from the ``Desk`` it is handed: it returns a ``Turn`` (replies,
next state, context) and the caller persists it.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.desk import Desk
from bot.dialogue import account, booking, buying, cancel, info, intro, staff, waitlist
from bot.dialogue.base import Ctx, State, Turn
from bot.nlu.parse import Parse
from bot.replies import Words

PENDING: dict[State, Callable[[Ctx], Turn | None]] = {
    State.CHOOSING_SESSION: booking.choosing,
    State.CONFIRM_BOOK: booking.confirm_book,
    State.CONFIRM_OVERLAP: booking.confirm_overlap,
    State.CONFIRM_WAITLIST: waitlist.confirm,
    State.CHOOSING_BOOKING: cancel.choosing,
    State.CONFIRM_LATE_CANCEL: cancel.confirm_late,
    State.CONFIRM_OPT_OUT: account.confirm_opt_out,
    State.REMINDED: cancel.after_reminder,
    State.CHOOSING_PACKAGE: buying.choosing,
}

FRESH: dict[str, Callable[[Ctx], Turn]] = {
    "book": booking.start,
    "cancel": cancel.start,
    "join_waitlist": waitlist.start,
    "schedule": info.schedule,
    "list_bookings": info.bookings,
    "credits": info.credits,
    "prices": info.prices,
    "intro": intro.start,
}


def respond(
    desk: Desk,
    words: Words,
    state: str,
    context: dict,
    parse: Parse,
    raw: str,
    *,
    button: str | None = None,
    profile_name: str | None = None,
) -> Turn:
    c = Ctx(desk, words, parse, raw, dict(context or {}))
    person = desk.person
    current = State(state) if state in State._value2member_map_ else State.IDLE

    # Carrier keywords and consent come before anything else, in any state.
    if person.opted_out:
        if parse.intent == "opt_in" or (parse.intent == "yes" and not parse.has_slots):
            return account.opt_in(c)
        if parse.intent == "help":
            return Turn([words.help()])
        return Turn([])  # opted out: we say nothing more
    if parse.intent == "opt_out" and not parse.soft:
        return account.opt_out(c)
    if parse.intent == "opt_in":
        return account.opt_in(c)
    if parse.intent == "help" and parse.confidence >= 1.0:
        return Turn([words.help()])

    if button:  # WhatsApp quick-reply buttons are routed before free text
        turn = _button(c, button)
        if turn is not None:
            return turn

    if person.client_id is None and person.staff_id is None:
        return _stranger(c, current, profile_name)

    if parse.intent == "reset":
        return Turn([words.reset(person.client_name)])
    if parse.intent == "opt_out":
        return c.say(words.confirm_opt_out(), state=State.CONFIRM_OPT_OUT)
    if parse.intent == "human":
        return c.say(words.forwarded(desk.ask_staff(raw)))
    if parse.intent == "dispute":  # a charge questioned: a person checks, never a balance (issue 11)
        return c.say(words.dispute_forwarded(desk.ask_staff(raw)))

    if current in PENDING:
        turn = PENDING[current](c)
        if turn is not None:
            return turn

    turn = intro.respond(c)  # a paid intro lead's preferences, or booking their next session
    if turn is not None:
        return turn

    if person.staff_id is not None:
        turn = staff.respond(c)
        if turn is not None:
            return turn

    if parse.intent in ("yes", "no"):
        turn = waitlist.answer_offer(c, parse.intent == "yes")
        if turn is not None:
            return turn
        return c.say("OK!" if parse.intent == "no" else words.no_offer())
    handler = FRESH.get(parse.intent)
    if handler is not None:
        return handler(c)
    if parse.intent == "greeting":
        return c.say(words.greeting(person.client_name))
    if parse.intent == "thanks":
        return c.say(words.thanks())
    if parse.intent == "help":
        return c.say(words.greeting(person.client_name))
    return c.say(words.unknown())


def _stranger(c: Ctx, current: State, profile_name: str | None = None) -> Turn:
    """A number we don't know: ask the name once, then carry on with what they asked.
    On WhatsApp the profile name is known already, so nobody is asked."""
    name = account.extract_name(profile_name) if profile_name else None
    if name is not None and current is not State.AWAITING_NAME:
        c.desk.register(name)
        return Turn([], State.IDLE, {"resume": c.raw})
    if current is State.AWAITING_NAME:
        name = account.extract_name(c.raw)
        if name is None:
            return c.say("Sorry, what's your first name?", state=State.AWAITING_NAME, pending=c.context.get("pending"))
        c.desk.register(name)
        return Turn([c.words.nice_to_meet(name)], State.IDLE, {"resume": c.context.get("pending")})
    return account.ask_name(c)


def _button(c: Ctx, payload: str) -> Turn | None:
    """``claim:offer:<session id>`` / ``decline:offer:<session id>`` from WhatsApp buttons."""
    parts = payload.split(":")
    if len(parts) == 3 and parts[1] == "offer" and parts[2].isdigit():
        if parts[0] == "claim":
            return waitlist.answer_offer(c, True, int(parts[2]))
        if parts[0] == "decline":
            return waitlist.answer_offer(c, False, int(parts[2]))
    return None
