"""The state machine: global intents first, then the pending question, then a fresh read.

``respond`` is pure apart from the ``Desk`` it is handed: it returns a ``Turn`` (replies,
next state, context) and the caller persists it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.desk import Desk
from bot.dialogue import (
    account,
    appointments,
    arrival,
    booking,
    buying,
    cancel,
    info,
    intro,
    moving,
    privacy,
    staff,
    waitlist,
)
from bot.dialogue.base import KEPT, Ctx, State, Turn
from bot.dialogue.finding import asked as booking_asked
from bot.nlu.parse import Parse, ParseContext, parse
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
    State.CHOOSING_SLOT: appointments.choosing,
    State.CHOOSING_MOVE: moving.choosing,
    State.AWAITING_MOVE_TARGET: moving.awaiting_target,
    State.CONFIRM_LATE_MOVE: moving.confirm_late,
    State.CONFIRM_EXPORT: privacy.confirm_export,
    State.CONFIRM_ERASURE: privacy.confirm_erasure,
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
    "reschedule": moving.start,
    "leave_waitlist": waitlist.leave,
    "waitlist_status": waitlist.status,
    "running_late": arrival.running_late,
    "check_in": arrival.check_in,
    "cancel_policy": info.cancel_policy,
    "buy": buying.start,
}

KEPT_FOR = timedelta(hours=3)  # follow-ups ("actually make it friday") lean on the last 3 hours

# What a new number may ask before we know their name: questions, not actions (issue 13).
ANSWER_STRANGERS = frozenset({"schedule", "prices", "cancel_policy", "help"})
CAN_I = re.compile(r"\b(can|could|may) (i|we)\b")
# "ok great", "perfect": agreeing with nothing asked is a nod, not a YES to an offer
ACKNOWLEDGING = re.compile(r"^\s*(ok|okay|cool|great|perfect|lovely|nice|brill|awesome|amazing|sounds good)\b")
# Short nudges that, with a question pending, get the question again.
NUDGE = re.compile(r"^\s*(\?+|hello\?*|hi\?+|ok+|okay|k|hm+|um+|and\?*|so\?+|still there\?*)\s*[.!?]*\s*$", re.I)
# "actually make it friday" / "no I meant the tuesday after" just after a booking: move it.
INSTEAD = re.compile(
    r"\b(actually|instead|make it|make (the|my) \w+( \w+)? (on )?(mon|tue|wed|thu|fri|sat|sun)|change (it|that) to|"
    r"switch (it|that) to|move (it|that) to|i meant|meant|after all|"
    r"rather|prefer)\b"
)
REBOOK = re.compile(r"\b(re-?book|book (it|that) (again|back)|undo( that)?|put it back|changed my mind)\b")
WAITLIST_FOLLOW_UP = re.compile(
    r"\b(what number|which number|my (position|place|number)|where am i|still on|am i (on|off)|"
    r"how many (people )?ahead)\b"
)
WRONG_CHAT = re.compile(
    r"\b(wrong (chat|number|person|convo|thread|text)|ignore (that|this|me)|sent (that|this) to the wrong)\b"
)
CHARGE_QUESTION = re.compile(
    r"\b(did|have|was|were|will) (i|you) (get |been |be )?(charged?|billed|lose|lost)\b|\bhave i lost my credits?\b"
)
MEANT = re.compile(r"\b(i meant|meant|sorry|oops|i mean)\b")
WHO_TEACHES = re.compile(
    r"\bwho('?s| is)? (teaching|taking|running|leading|the instructor)|\bwho am i (training|with)\b"
    r"|\bis (\w+ )?(teaching|taking) (it|that|the class|this)\b|^(great,? |ok,? |and )?is \w+ (teaching|taking it)\b"
)
HOW_LONG = re.compile(
    r"\b(how long is (it|the class|the session|that|\w+)|what time does (it|the class|that|\w+( \w+)?) (finish|end)|"
    r"when does (it|the class|that|\w+( \w+)?) (finish|end)|(finish|end)s? at what time)\b"
)
FOR_THE_TEAM = re.compile(
    r"\b(bring|brings|bringing) (a |my )?(friend|guest|partner|sister|brother|mum|mom|mate|colleague|kid|daughter|son)"
    r"|\b(plus one|\+1 guest)|\bpay (the|my|a|that) (fee|fine|charge) (with|using|by)\b"
)
TOO = re.compile(r"^(and|also|plus|oh and)\b|\b(too|as well)\W*$")
WHAT_ABOUT = re.compile(r"^(ok |okay |and |so |hmm )?(what|how) about\b")
REJOIN = re.compile(r"\b(put me back on|back on (the|it|that)|re-?join|add me back)\b")
TOLD = re.compile(r"\b(tell|told|let (him|her|them) know|know)\b")
WHERE_WHEN = re.compile(
    r"\b(where (is|are|r) (it|you|u|the studio|that|the class)|where do i go|address|"
    r"what time (do|should|shall) i|when (do|should) i (need to )?(be|get|arrive)|"
    r"what time is (it|my class|that|the class)|"
    r"what time (does|did) (it|that|the class|my class) (start|begin)|wh?ats? the add?ress?|adress)\b"
)
CONFIRMING = frozenset(
    {
        State.CONFIRM_BOOK,
        State.CONFIRM_WAITLIST,
        State.CONFIRM_OVERLAP,
        State.CONFIRM_LATE_CANCEL,
        State.CONFIRM_LATE_MOVE,
        State.CONFIRM_OPT_OUT,
        State.CONFIRM_EXPORT,
        State.CONFIRM_ERASURE,
    }
)


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
    """One message in, one ``Turn`` out. A text holding two requests ("book flow fri and
    cancel my reformer sat": ``Parse.also``) is answered part by part in one reply; the
    conversation is left where the last part that asked something left it."""
    context = _forget_stale(desk, context)
    parse = _each_day(desk, parse)
    turn = _respond(desk, words, state, context, parse, raw, button=button, profile_name=profile_name)
    also = parse.also
    handed_now = turn.context.get("handed_off") and not (context or {}).get("handed_off")
    if also and desk.person.client_id is not None and not desk.person.opted_out and not handed_now:
        for part in also:
            # "cancel X and book Y instead": the 'instead' is about X, never a move of an earlier booking
            after = {k: v for k, v in turn.context.items() if k != "last_booked"}
            more = _respond(desk, words, State.IDLE.value, after, part, part.text)
            replies = turn.replies + more.replies
            if more.state is State.IDLE and turn.state is not State.IDLE:
                turn = Turn(replies, turn.state, {**more.context, **turn.context})
            else:
                turn = Turn(replies, more.state, more.context)
    if turn.state is not State.IDLE and turn.replies:
        turn.context["asked"] = turn.replies[-1]
    if any(k in turn.context for k in KEPT):
        turn.context["kept_until"] = (desk.now() + KEPT_FOR).isoformat()
    return turn


_DAY = r"(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)[a-z]*"
DAY_PAIR = re.compile(rf"\b{_DAY}\s*(?:and|&|\+|,)\s*{_DAY}\b")


def _each_day(desk: Desk, p: Parse) -> Parse:
    """ "book reformer wed and fri 7am": one booking per day named, as two requests in one
    text (a timetable question over two days stays one question)."""
    if p.intent not in ("book", "cancel") or p.also:
        return p
    m = DAY_PAIR.search(p.text)
    if m is None:
        return p
    studio = desk.studio
    ctx = ParseContext(desk.now(), studio.timezone, studio.date_order, desk.catalog())
    first = parse(p.text[: m.start()] + m.group(1) + p.text[m.end() :], ctx)
    second = parse(p.text[: m.start()] + m.group(2) + p.text[m.end() :], ctx)
    if first.when is None or second.when is None or first.intent != p.intent:
        return p
    return replace(first, also=(replace(second, intent=p.intent),))


def _forget_stale(desk: Desk, context: dict) -> dict:
    """What a conversation remembers for follow-ups lasts ``KEPT_FOR`` after its last turn."""
    until = (context or {}).get("kept_until")
    if until is None:
        return context
    try:
        fresh = datetime.fromisoformat(str(until)) > desk.now()
    except ValueError:
        fresh = False
    if fresh:
        return context
    return {k: v for k, v in context.items() if k not in KEPT and k != "kept_until"}


def _respond(
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
    if parse.intent == "opt_in" and not (c.context.get("last_left") and REJOIN.search(parse.text)):
        return account.opt_in(c)
    if parse.intent == "help" and parse.confidence >= 1.0:
        return Turn([words.help()])

    if button:  # WhatsApp quick-reply buttons are routed before free text
        turn = _button(c, button)
        if turn is not None:
            return turn

    lang = parse.lang
    if lang:  # not English: a person answers, and we say so in their language
        return c.say(words.foreign(lang, desk.ask_staff(raw)), handed_off=lang)
    handed = c.context.get("handed_off")
    asking = booking.QUESTION.search(parse.text.strip()) is not None and not NUDGE.match(raw)  # "hello??" nudges
    waiting_for_name = current is State.AWAITING_NAME  # "Carmen" after a hand-off: a name, not more for the team
    chat = parse.intent in ("thanks", "unknown", "ack") and not parse.has_slots and not asking
    if handed and chat and not waiting_for_name:
        if (parse.intent == "thanks" or parse.intent == "ack") and not NUDGE.match(raw):  # "ok thanks": no forward
            return Turn([words.FOREIGN_THANKS.get(str(handed), words.thanks())], State.IDLE, dict(c.context))
        desk.ask_staff(raw)  # still upset, or more detail: the team sees it too
        return Turn([words.still_with_team()], State.IDLE, dict(c.context))

    if current in (State.CONFIRM_EXPORT, State.CONFIRM_ERASURE):  # a client's data: YES from this number
        turn = PENDING[current](c)
        if turn is not None:
            return turn
    if parse.intent in privacy.INTENTS:  # "send me my data", "delete my data": asked before anything else
        return privacy.start(c)

    if person.client_id is None and person.staff_id is None:
        return _stranger(c, current, profile_name)

    if parse.intent == "reset":
        return Turn([words.reset(person.client_name)])
    if parse.intent == "opt_out":
        return c.say(words.confirm_opt_out(), state=State.CONFIRM_OPT_OUT)
    if parse.intent == "human":
        return c.say(words.forwarded(desk.ask_staff(raw)), handed_off="en")
    if parse.intent == "dispute" or CHARGE_QUESTION.search(parse.text):  # a charge questioned: a person checks
        return c.say(words.dispute_forwarded(desk.ask_staff(raw)), handed_off="en")

    if current in PENDING:
        turn = PENDING[current](c)
        if turn is not None:
            return turn
        if c.context.get("asked") and (NUDGE.match(raw) or parse.intent in ("ack", "greeting")):
            return Turn([c.context["asked"]], current, dict(c.context))
        if c.context.get("asked") and current in CONFIRMING and raw.rstrip().endswith("?"):
            return Turn([c.context["asked"]], current, dict(c.context))  # "how much is the fee?": the question says

    turn = intro.respond(c)  # a paid intro lead's preferences, or booking their next session
    if turn is not None:
        return turn

    if person.staff_id is not None:
        turn = staff.respond(c)
        if turn is not None:
            return turn

    unplaced = parse.unplaced
    if unplaced and parse.intent not in ("yes", "no", "thanks", "greeting", "ack"):
        return c.say(words.unplaced_date(unplaced), last_query=booking_asked(parse))

    turn = _follow_up(c)
    if turn is not None:
        return turn

    if FOR_THE_TEAM.search(parse.text):  # a guest, a fee paid another way: a person decides
        return c.say(words.question_forwarded(desk.ask_staff(raw)), handed_off="en")
    if buying.COMPARING.search(parse.text) and re.search(r"pack|unlimited|membership|drop.?in|pass", parse.text):
        return info.prices(c)  # "whats cheaper, the 10 pack or unlimited?": prices, never a link
    if parse.intent == "prices" and parse.class_match and parse.when and re.search(r"\buse\b", parse.text):
        return booking.start(c)  # "ok use my drop in for flow friday then"

    turn = appointments.start(c)  # a 1:1 ("PT with Sara thu 2pm"); None for anything else
    if turn is not None:
        return turn

    if parse.intent in ("yes", "no"):
        turn = waitlist.answer_offer(c, parse.intent == "yes")
        if turn is not None:
            return turn
        if parse.intent == "no":
            return c.say("OK!")
        asked_something = booking.QUESTION.search(parse.text.strip()) or CAN_I.search(raw.lower())
        if len(raw.split()) > 3 and asked_something:
            return c.say(words.question_forwarded(desk.ask_staff(raw)), handed_off="en")  # "ok and can i share it?"
        if not re.search(r"[a-z]", raw.lower()) or (ACKNOWLEDGING.match(raw.lower()) and len(raw.split()) <= 3):
            return c.say(words.ack())  # "👍", "ok great" with nothing asked: a friendly nod back
        return c.say(words.no_offer())
    if parse.intent in ("thanks", "ack") and (WHERE_WHEN.search(parse.text) or WHO_TEACHES.search(parse.text)):
        return info.where_and_when(c)  # "thx! wats the adress": the question, not just the thanks
    if parse.intent in ("thanks", "ack") and HOW_LONG.search(parse.text):
        return info.how_long(c)
    handler = FRESH.get(parse.intent)
    if handler is not None:
        return handler(c)
    if parse.intent == "greeting":
        return c.say(words.greeting(person.client_name))
    if parse.intent in ("thanks", "ack"):
        if parse.intent == "ack" and NUDGE.match(raw) and "?" in raw:
            return c.say(words.here_to_help())
        return c.say(words.thanks() if parse.intent == "thanks" else words.ack())
    if WRONG_CHAT.search(parse.text):
        return c.say(words.no_worries())
    if parse.intent == "unknown" and booking.QUESTION.search(parse.text.strip()) and len(parse.text.split()) >= 3:
        return c.say(words.question_forwarded(desk.ask_staff(raw)), handed_off="en")
    if parse.intent == "help":
        return c.say(words.greeting(person.client_name))
    return c.say(words.unknown())


def _follow_up(c: Ctx) -> Turn | None:
    """Replies that lean on what this conversation just did: "actually make it friday" or
    "no I meant the tuesday after" (move what was just booked), "rebook it" (book again what
    was just cancelled), "put me back on" (rejoin the waitlist just left), "will you tell
    Sara?" (after running late), "where is it" / "what time do I need to be there"."""
    p, text = c.parse, c.parse.text
    said_no = p.intent == "no" or re.match(r"^(\w+ )?(no|nah|nope|sorry no)\b", text) is not None
    last_action = c.context.get("last_action")
    one_to_one = p.class_match is not None and any(
        e.kind == "appointment" for e in c.desk.catalog().classes if e.id in p.class_match.class_type_ids
    )
    again = p.has_slots and p.intent in ("book", "unknown", "schedule") and not one_to_one
    if last_action in ("book", "cancel") and TOO.search(text) and again:
        return (cancel.start if last_action == "cancel" else booking.start)(c)  # "and the thursday reformer too"
    correcting = INSTEAD.search(text) or (said_no and p.when is not None)  # "ugh no saturday, sorry!"
    if c.context.get("last_booked") and p.intent in ("book", "unknown", "schedule", "no") and correcting:
        live = any(b.session.id == c.context["last_booked"] for b in c.desk.upcoming_bookings())
        if p.has_slots and live:
            return moving.start(c, target=p, source=None)
    if INSTEAD.search(text) and p.class_match and p.when and p.intent in ("book", "unknown", "schedule"):
        ids = p.class_match.class_type_ids  # "actually make the bootcamp saturday": move the one booked
        mine = [b for b in c.desk.upcoming_bookings() if b.session.class_type_id in ids]
        end = p.when.end or p.when.start + timedelta(days=1)
        if len(mine) == 1 and not (p.when.start <= mine[0].session.starts_at < end):
            return moving.start(c, target=p, source=replace(p, when=None, intent="reschedule"))
    instead = INSTEAD.search(text) or re.search(r"\bthe \w+ one\b", text)
    if c.context.get("last_cancelled") and instead and p.when is not None and not p.class_match:
        cancelled = c.desk.session(int(c.context["last_cancelled"]))  # "can i do thursday instead?"
        if cancelled is not None and p.intent in ("book", "unknown", "schedule"):
            return booking.search_asked(c, {"classes": [cancelled.class_type_id]})
    if c.context.get("last_cancelled") and REBOOK.search(text) and not p.has_slots:
        session = c.desk.session(int(c.context["last_cancelled"]))
        if session is not None:
            return booking.book(c, session)
    if c.context.get("last_left") and REJOIN.search(text):
        session = c.desk.session(int(c.context["last_left"]))
        if session is not None:
            return waitlist.join(c, session)
    if (c.context.get("last_waitlisted") or c.context.get("last_left")) and WAITLIST_FOLLOW_UP.search(text):
        return waitlist.status(c)
    pack_terms = re.search(r"\b(expire|expiry|valid|last for|how long (is it|are they))", text)
    if c.context.get("last_checkout") and pack_terms:
        return c.say(c.words.checkout_validity(c.context["last_checkout"]), last_checkout=c.context["last_checkout"])
    if c.context.get("last_checkout") and p.intent == "prices" and re.search(r"\b(that|it)\b", text):
        return c.say(c.words.checkout_price(c.context["last_checkout"]), last_checkout=c.context["last_checkout"])
    if c.context.get("late_told") and TOLD.search(text) and not (p.class_match or p.when):
        return c.say(c.words.instructor_knows(str(c.context["late_told"])), late_told=c.context["late_told"])
    if c.context.get("last_query") and (WHAT_ABOUT.search(text) or MEANT.search(text)) and p.when and not p.class_match:
        asked = c.context["last_query"]
        return booking.search_asked(c, asked)
    if HOW_LONG.search(text):
        return info.how_long(c)
    where = WHERE_WHEN.search(text) and p.intent in ("unknown", "schedule", "book", "list_bookings", "help")
    if where or WHO_TEACHES.search(text):
        return info.where_and_when(c)
    return None


def _stranger(c: Ctx, current: State, profile_name: str | None = None) -> Turn:
    """A number we don't know. A question is answered at once; the name is asked only when
    an action needs it, and then that action is carried on with (issue 13). On WhatsApp the
    profile name is known already, so nobody is asked."""
    name = account.extract_name(profile_name) if profile_name else None
    if name is not None and current is not State.AWAITING_NAME:
        c.desk.register(name)
        return _resume(c, c.raw, current.value, c.context, [])
    if current is State.AWAITING_NAME:
        name = account.extract_name(c.raw)
        if name is not None and (c.parse.class_match is not None or c.parse.intent not in ("unknown", "greeting")):
            name = None  # "Reformer", "YES", "book": an answer the parser understood is not a name
        acting = ("book", "join_waitlist", "reschedule")
        replaces = c.parse.intent in acting and c.parse.has_slots and not c.context.get("pending_action")
        if name is None and replaces:
            # "ok can i book mat on saturday" while we wait for a name: that is what to carry on with
            return c.say(
                c.words.ask_name_again(),
                state=State.AWAITING_NAME,
                pending=c.raw,
                pending_state="idle",
                pending_action=True,
            )
        if name is None:
            if c.parse.intent in ANSWER_STRANGERS or c.parse.intent == "no":
                return _answer_stranger(c) if c.parse.intent != "no" else c.say("OK! Text me any time.")
            if HOW_LONG.search(c.parse.text) or WHERE_WHEN.search(c.parse.text):
                return _stranger_question(c)  # "whats the address for dumbo" while we wait for a name
            if booking.QUESTION.search(c.parse.text.strip()) and len(c.parse.text.split()) > 3:
                forwarded = c.words.question_forwarded(c.desk.ask_staff(c.raw))  # "is there parking nearby?"
                return Turn([forwarded], State.AWAITING_NAME, dict(c.context))
            return c.say(c.words.ask_name_again(), state=State.AWAITING_NAME, **_pending(c.context))
        c.desk.register(name)
        pending = c.context.get("pending")
        return _resume(
            c,
            pending,
            c.context.get("pending_state", State.IDLE.value),
            c.context.get("pending_context") or {},
            [c.words.nice_to_meet(name)],
        )
    if current is State.IDLE and (HOW_LONG.search(c.parse.text) or WHERE_WHEN.search(c.parse.text)):
        return _stranger_question(c)  # "how long is reformer class?": a fact, no name needed
    if current is State.IDLE:
        turn = appointments.about(c)  # "do you guys do personal training?": answered before asking a name
        if turn is not None:
            return turn
    if c.parse.intent in ANSWER_STRANGERS:
        return _answer_stranger(c)
    question = booking.QUESTION.search(c.parse.text.strip()) and len(c.parse.text.split()) > 3
    if c.parse.intent in ("unknown", "greeting") and question and current is State.IDLE:
        return c.say(c.words.question_forwarded(c.desk.ask_staff(c.raw)))  # "do you have prenatal classes?"
    if c.parse.intent in ("thanks", "ack", "no") and current is State.IDLE:
        return c.say(c.words.thanks())
    return c.say(
        c.words.ask_name(),
        state=State.AWAITING_NAME,
        pending=c.raw,
        pending_action=c.parse.intent in ("book", "join_waitlist", "reschedule", "cancel"),
        pending_state=current.value,
        pending_context={k: v for k, v in c.context.items() if k != "asked"},
    )


def _pending(context: dict) -> dict:
    return {k: context[k] for k in ("pending", "pending_state", "pending_context", "pending_action") if k in context}


def _stranger_question(c: Ctx) -> Turn:
    """How long a class is, where a studio is: answered for anyone; the wait for a name (if
    any) carries on."""
    turn = info.how_long(c) if HOW_LONG.search(c.parse.text) else info.where_and_when(c)
    if c.context.get("pending") is not None:
        return Turn(turn.replies, State.AWAITING_NAME, dict(c.context))
    return turn


def _answer_stranger(c: Ctx) -> Turn:
    if c.parse.intent == "schedule":  # "any PT slots friday?": the free 1:1 slots
        turn = appointments.start(c)
        if turn is not None:
            return turn
    handler = FRESH.get(c.parse.intent)
    if c.parse.intent == "help":
        return Turn([c.words.help()])
    return handler(c) if handler is not None else c.say(c.words.unknown())


def _resume(c: Ctx, pending: str | None, state: str, context: dict, said: list[str]) -> Turn:
    """Carry on with what a new client asked before we knew their name."""
    if not pending:
        return Turn(said + [c.words.greeting(c.desk.person.client_name)])
    studio = c.desk.studio
    again = parse(pending, ParseContext(c.desk.now(), studio.timezone, studio.date_order, c.desk.catalog()))
    if again.intent in ("greeting", "unknown", "thanks") and state == State.IDLE.value:
        return Turn(said + [c.words.greeting(c.desk.person.client_name)])
    follow = respond(c.desk, c.words, state, context, again, pending)
    return Turn(said + follow.replies, follow.state, follow.context)


def _button(c: Ctx, payload: str) -> Turn | None:
    """``claim:offer:<session id>`` / ``decline:offer:<session id>`` from WhatsApp buttons."""
    parts = payload.split(":")
    if len(parts) == 3 and parts[1] == "offer" and parts[2].isdigit():
        if parts[0] == "claim":
            return waitlist.answer_offer(c, True, int(parts[2]))
        if parts[0] == "decline":
            return waitlist.answer_offer(c, False, int(parts[2]))
    return None
