"""What every flow shares: the turn a handler returns and the states it may leave behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from bot.desk import Desk
from bot.nlu.parse import Parse
from bot.replies import Words

PENDING_TTL = timedelta(minutes=30)
# What a conversation remembers across turns for follow-ups ("actually make it friday",
# "rebook it", "put me back on", "will you tell her?", a hand-off to a person).
KEPT = (
    "last_list",
    "last_booked",
    "last_cancelled",
    "last_left",
    "last_waitlisted",
    "last_checkout",
    "last_query",
    "last_action",
    "late_told",
    "handed_off",
    "kept_until",
)


class State(str, Enum):
    IDLE = "idle"
    AWAITING_NAME = "awaiting_name"
    CHOOSING_SESSION = "choosing_session"  # context: options [session ids], action book|waitlist
    CONFIRM_WAITLIST = "confirm_waitlist"  # context: session_id
    CONFIRM_BOOK = "confirm_book"  # context: session_id
    CONFIRM_OVERLAP = "confirm_overlap"  # context: session_id; YES books it alongside the clash
    CHOOSING_BOOKING = "choosing_booking"  # context: options [booking ids]
    CONFIRM_LATE_CANCEL = "confirm_late_cancel"  # context: booking_id
    CONFIRM_OPT_OUT = "confirm_opt_out"
    REMINDED = "reminded"  # context: booking_id; "C" cancels it
    CHOOSING_PACKAGE = "choosing_package"  # context: options [package ids] (issue 6: buying)
    CHOOSING_SLOT = "choosing_slot"  # context: slots [1:1 slots as dicts], appt {type_ids, instructor...}
    CHOOSING_MOVE = "choosing_move"  # context: options [booking ids], target (the words saying where to)
    AWAITING_MOVE_TARGET = "awaiting_move_target"  # context: booking_id; "where shall I move it?"
    CONFIRM_LATE_MOVE = "confirm_late_move"  # context: booking_id, session_id; YES moves it anyway
    CONFIRM_EXPORT = "confirm_export"  # issue 17: YES texts a one-time link to the client's data
    CONFIRM_ERASURE = "confirm_erasure"  # issue 17: YES asks for (or carries out) the erasure


@dataclass
class Turn:
    """The bot's answer to one message: what to say and where the conversation now stands."""

    replies: list[str]
    state: State = State.IDLE
    context: dict = field(default_factory=dict)

    @property
    def expires_in(self) -> timedelta | None:
        return None if self.state is State.IDLE else PENDING_TTL


@dataclass
class Ctx:
    """Everything a handler needs for one message."""

    desk: Desk
    words: Words
    parse: Parse
    raw: str
    context: dict

    def say(self, *texts: str, state: State = State.IDLE, **context) -> Turn:
        kept = {k: v for k, v in self.context.items() if k in KEPT}
        kept.update(context)
        return Turn([t for t in texts if t], state, kept)
