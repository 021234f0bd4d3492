"""A client's data by text (issue 17): "send me my data", "delete my data", "forget me".

Both are asked once more and need a YES from the same number before anything happens
(the number is what proves who is asking). The export answers with a one-time link; the
erasure is passed to staff, or carried out at once where the studio says so (the Desk
decides: ``request_erasure``). A NO, or anything else, leaves everything as it was.
"""

from __future__ import annotations

from bot.dialogue.base import Ctx, State, Turn

INTENTS = frozenset({"data_export", "data_erasure"})
EXPORT_HOURS = 24  # as ``app.booking.privacy.EXPORT_LINK_TTL``


def start(c: Ctx) -> Turn:
    """Ask for the YES (or say there is nothing held for a number we don't know)."""
    if c.desk.person.client_id is None:
        return c.say(c.words.no_data_held())
    if c.parse.intent == "data_export":
        return c.say(c.words.confirm_export(EXPORT_HOURS), state=State.CONFIRM_EXPORT)
    upcoming = len(c.desk.upcoming_bookings())
    return c.say(c.words.confirm_erasure(upcoming), state=State.CONFIRM_ERASURE)


def confirm(c: Ctx, state: State) -> Turn | None:
    """The answer to ``start``'s question. None for a reply that is neither YES nor NO
    (it is read afresh, and nothing is done)."""
    if c.parse.intent == "no":
        return Turn([c.words.nothing_changed()])
    if c.parse.intent != "yes" or c.parse.has_slots:
        return None
    if state is State.CONFIRM_EXPORT:
        done = c.desk.request_export()
        if done.ok:
            return Turn([c.words.export_link(str(done.data["url"]), int(done.data.get("hours", EXPORT_HOURS)))])
        if done.kind == "none":
            return Turn([c.words.no_data_held()])
        c.desk.ask_staff("Asked by text for a copy of their data (the link could not be made).")
        return Turn([c.words.export_unavailable()])
    done = c.desk.request_erasure()
    if done.kind == "erased":
        return Turn([c.words.erased(int(done.data.get("cancelled", 0)))])
    if done.kind == "requested":
        return Turn([c.words.erasure_requested()])
    return Turn([c.words.no_data_held()])


def confirm_export(c: Ctx) -> Turn | None:
    return confirm(c, State.CONFIRM_EXPORT)


def confirm_erasure(c: Ctx) -> Turn | None:
    return confirm(c, State.CONFIRM_ERASURE)
