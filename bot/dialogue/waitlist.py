"""The waitlist: joining, and answering an offer with YES or NO."""

from __future__ import annotations

from bot.desk import SessionView
from bot.dialogue.base import Ctx, State, Turn
from bot.dialogue.finding import candidates, describe, said
from bot.dialogue.refine import narrow


def start(c: Ctx) -> Turn:
    p = c.parse
    if not (p.class_match or p.when):
        return c.say(c.words.what_to_book())
    found = candidates(c.desk, p)
    if len(found) == 1:
        return join(c, found[0])
    if not found:
        return c.say(c.words.no_match(describe(p, c.words), []))
    options = found[:5]
    return c.say(
        c.words.choose_session(options, "waitlist"),
        state=State.CHOOSING_SESSION,
        options=[s.id for s in options],
        action="waitlist",
    )


def join(c: Ctx, session: SessionView) -> Turn:
    out = c.desk.join_waitlist(session.id)
    d = out.data
    if out.ok:
        text = c.words.waitlisted(d["session"], d["position"])
        short = _credits_short(c, d["session"])
        if short is not None:  # told now, not when a spot opens and passes them by
            text = c.words.out(f"{text} {c.words.waitlist_needs_credits(*short)}")
        return c.say(text, last_waitlisted=session.id)
    if out.kind == "already_waitlisted":
        return c.say(c.words.already_waitlisted(d["position"]))
    if out.kind == "not_needed":
        return c.say(c.words.waitlist_not_needed(d["session"]), state=State.CONFIRM_BOOK, session_id=session.id)
    if out.kind == "closed":
        closed = c.words.waitlist_closed(d["session"], d["minutes"])
        if d["session"] is not None and d["session"].spots > 0:
            return c.say(closed, state=State.CONFIRM_BOOK, session_id=session.id)
        return c.say(closed)
    if out.kind == "already_booked":
        return c.say(c.words.already_booked(d["session"]))
    return c.say(c.words.not_bookable(d.get("reason", "that class isn't available")))


def _credits_short(c: Ctx, session: SessionView) -> tuple[int, int] | None:
    """(credits the class takes, credits the client has) when they could not pay for it now."""
    balance = c.desk.balance()
    if balance.unlimited:
        return None
    needed = next((e.credits for e in c.desk.catalog().classes if e.id == session.class_type_id), 1)
    return (needed, balance.credits) if balance.credits < needed else None


def confirm(c: Ctx) -> Turn | None:
    if c.parse.intent == "yes":
        session = c.desk.session(c.context["session_id"])
        return join(c, session) if session else None
    if c.parse.intent == "no":
        return c.say("OK, no problem.")
    return None


def answer_offer(c: Ctx, yes: bool, session_id: int | None = None) -> Turn | None:
    """YES or NO with no question pending: is there an offer it answers?"""
    live = c.desk.live_offer()
    if live.kind == "none" and session_id is None:
        return None
    if not yes:
        if not live.ok:
            return None
        c.desk.decline_offer()
        return c.say(c.words.declined())
    out = c.desk.claim_offer(session_id)
    d = out.data
    if out.ok:
        late = {"now": d["now"], "consequence": d["consequence"], "fee": d["fee"]} if "now" in d else {}
        return c.say(c.words.booked(d["session"], d["balance"], d["free_until"], **late, fees=d.get("fees")))
    if out.kind == "expired":  # ran out; a spot still free may be booked all the same (YES books it)
        session = d.get("session")
        if session is not None and d.get("open"):
            return c.say(
                c.words.offer_expired(session, still_open=True), state=State.CONFIRM_BOOK, session_id=session.id
            )
        return c.say(c.words.offer_expired(session))
    if out.kind == "taken":
        return c.say(c.words.spot_taken())
    if out.kind == "no_credits":
        return c.say(c.words.no_credits(d["expired"]))
    return c.say(c.words.no_offer())


def _entries_matching(c: Ctx):
    entries = c.desk.waitlist_entries()
    p = c.parse
    if p.class_match or p.when:
        fits = narrow(entries, p, lambda e: e.session.starts_at, lambda e: e.session.class_type_id)
        return entries, fits.fits
    return entries, entries


def leave(c: Ctx) -> Turn:
    """ "take me off the list for friday": the entry goes, and is never offered."""
    entries, found = _entries_matching(c)
    if not entries:
        return c.say(c.words.not_on_waitlist())
    if not found:
        return c.say(c.words.not_on_waitlist_for(said(c.parse, c.words), [e.session for e in entries]))
    if len(found) > 1:
        return c.say(
            c.words.choose_session([e.session for e in found[:5]], "take you off the waitlist for"),
            state=State.CHOOSING_SESSION,
            options=[e.session.id for e in found[:5]],
            action="leave_waitlist",
        )
    return leave_one(c, found[0].session)


def leave_one(c: Ctx, session: SessionView) -> Turn:
    out = c.desk.leave_waitlist(session.id)
    if out.ok:
        return c.say(c.words.left_waitlist(out.data["session"]), last_left=session.id)
    return c.say(c.words.not_on_waitlist())


def status(c: Ctx) -> Turn:
    """ "where am I on the waitlist": the position on each list (or the one named)."""
    entries, found = _entries_matching(c)
    if not entries:
        return c.say(c.words.not_on_waitlist())
    return c.say(c.words.waitlist_positions(found or entries))


__all__ = ["answer_offer", "confirm", "join", "leave", "leave_one", "start", "status"]
