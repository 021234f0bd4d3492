"""Cancelling: find the booking, cancel in the window at once, ask before a late cancel."""

from __future__ import annotations

import re

from bot.desk import BookingView
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import describe, matching_bookings, said
from bot.dialogue.refine import narrow

ASKING = re.compile(r"\?|^(when|what|how|which|is|are|can|could|do|does|will|would|if)\b")
DEADLINE = re.compile(r"\b(last|latest|deadline|by when|until when|till when|how late|without (losing|paying|a fee))\b")


def start(c: Ctx) -> Turn:
    """Cancel at once when the request is plain; a question about cancelling is answered
    (the rule, the deadline), never acted on."""
    bookings = c.desk.upcoming_bookings()
    if not bookings:
        return c.say(c.words.no_bookings())
    p = c.parse
    if ASKING.search(p.text.strip()) and not re.search(r"\b(please|pls|can you|could you|can u)\b", p.text):
        if DEADLINE.search(p.text) or p.text.startswith("when"):
            from bot.dialogue import info

            return info.cancel_policy(c)
    if p.number is not None and not (p.class_match or p.when):
        listed = [b for b in bookings if b.id in c.context.get("last_list", [])]
        ordered = sorted(listed, key=lambda b: c.context["last_list"].index(b.id)) if listed else bookings
        if 1 <= p.number <= len(ordered):
            return cancel(c, ordered[p.number - 1])
    found = matching_bookings(bookings, p) if (p.class_match or p.when) else bookings
    if not found:
        return c.say(c.words.no_booking_matching(describe(p, c.words)))
    if len(found) == 1:
        return cancel(c, found[0])
    options = found[:5]
    return c.say(c.words.choose_booking(options), state=State.CHOOSING_BOOKING, options=[b.id for b in options])


def cancel(c: Ctx, booking: BookingView) -> Turn:
    terms = c.desk.preview_cancel(booking.id)
    if not terms.ok:
        return c.say(c.words.not_cancellable(terms.data["reason"]))
    if terms.data["late"]:
        d = terms.data
        return c.say(
            c.words.late_cancel_question(booking.session, d["consequence"], d["fee"], d["hours"], d["spent"]),
            state=State.CONFIRM_LATE_CANCEL,
            booking_id=booking.id,
        )
    return _do(c, booking.id, accept_late=False)


def _do(c: Ctx, booking_id: int, accept_late: bool) -> Turn:
    out = c.desk.cancel(booking_id, accept_late)
    d = out.data
    if not out.ok:
        if out.kind == "late":  # became late while we talked
            return c.say(
                c.words.late_cancel_question(d["session"], d["consequence"], d["fee"], d["hours"], d["spent"]),
                state=State.CONFIRM_LATE_CANCEL,
                booking_id=booking_id,
            )
        return c.say(c.words.not_cancellable(d["reason"]))
    if d["late"]:
        return c.say(
            c.words.late_cancelled(
                d["session"],
                d["consequence"],
                d["fee"],
                d["spent"],
                forgive_if_filled=d.get("forgive_if_filled", False),
            ),
            last_cancelled=d["session"].id,
            last_action="cancel",
        )
    return c.say(
        c.words.cancelled(d["session"], d["credits_back"], d["balance"]),
        last_cancelled=d["session"].id,
        last_action="cancel",
    )


def choosing(c: Ctx) -> Turn | None:
    """Answer to "which booking?": a number, a time, a day, a class ("the barre one")."""
    bookings = {b.id: b for b in c.desk.upcoming_bookings()}
    options = [bookings[i] for i in c.context.get("options", []) if i in bookings]
    p = c.parse
    if not options or p.intent in ("list_bookings", "credits", "prices", "reschedule", "join_waitlist", "buy"):
        return None
    if p.intent == "yes" and len(options) == 1:
        return cancel(c, options[0])
    found = narrow(options, p, lambda b: b.session.starts_at, lambda b: b.session.class_type_id)
    if found.picked is not None:
        return cancel(c, found.picked)
    if p.intent == "no" and not found.said:
        return c.say("OK, nothing cancelled.")
    if found.said and p.intent in ("book", "schedule") and not found.fits:
        return None  # "book yoga wed" while choosing what to cancel: a new request
    if found.said:
        fits = found.fits or options
        prefix = "" if found.fits else c.words.none_of_those(said(p, c.words)) + " "
        return c.say(prefix + c.words.choose_booking(fits), state=State.CHOOSING_BOOKING, options=[b.id for b in fits])
    if p.intent in ("ack", "greeting", "help") or p.text.strip() in ("", "?", "??"):
        return c.say(c.words.choose_booking(options), state=State.CHOOSING_BOOKING, options=[b.id for b in options])
    return None


def confirm_late(c: Ctx) -> Turn | None:
    """YES (or "fine, cancel it" naming nothing else) cancels late; NO or "keep it" keeps it."""
    if c.parse.intent == "yes" or (c.parse.intent == "cancel" and not c.parse.has_slots and not c.parse.number):
        return _do(c, c.context["booking_id"], accept_late=True)
    if c.parse.intent == "no":
        return c.say(c.words.kept())
    return None


def after_reminder(c: Ctx) -> Turn | None:
    """The reminder said "reply C to cancel": C (or "cancel it") cancels that booking."""
    said = c.raw.strip().lower().strip(".!")
    if said not in ("c", "cancel it", "cancel that", "cancel please", "please cancel", "cancel pls") and not (
        c.parse.intent == "cancel" and not (c.parse.class_match or c.parse.when or c.parse.number)
    ):
        return None
    booking = next((b for b in c.desk.upcoming_bookings() if b.id == c.context.get("booking_id")), None)
    if booking is None:
        return c.say(c.words.no_bookings())
    return cancel(c, booking)
