"""Texts for staff by text (schedules, numbered rosters, attendance) and 1:1 appointments.

Kept beside ``bot.replies.Words`` (whose formatting it reuses: times in the studio's style,
GSM-7, two segments at most) so these flows can grow without touching the shared copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from bot.desk import AppointmentTypeView, BalanceView, RosterEntry, SessionView, SlotView
from bot.replies import SMS_LIMIT, Words, gsm7, gsm7_length

STATUS_MARK = {"checked_in": " (in)", "no_show": " (no-show)", "waived": " (waived)"}
ACTION_DONE = {
    "checked_in": "Checked in",
    "no_show": "Marked no-show",
    "waive": "No-show waived",
}
ACTION_UNDONE = {"checked_in": "check-in", "no_show": "no-show", "waive": "waiver"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _and(names: Sequence[str]) -> str:
    return ", ".join(names)


class StaffWords:
    """What the bot says to staff about their classes, and to clients about 1:1 slots."""

    def __init__(self, words: Words) -> None:
        self.w = words

    def _fits(self, text: str) -> bool:
        return self.w.channel != "sms" or gsm7_length(gsm7(text)) <= SMS_LIMIT

    # ---------------------------------------------------------------- staff: classes
    def class_line(self, s: SessionView, *, with_day: bool, me: str | None, client: str | None = None) -> str:
        """ "18:00 Barre, Shoreditch (3/10)"; a 1:1 (``client`` named) "09:00 Personal
        Training (1:1, Sam Lee), Shoreditch"."""
        at = self.w.short_when(s.starts_at) if with_day else self.w.time(s.starts_at)
        who = f", {s.instructor.split()[0]}" if s.instructor and s.instructor != me else ""
        if client is not None:
            return f"{at} {s.class_name} (1:1, {client}), {s.location}{who}"
        return f"{at} {s.class_name}, {s.location}{who} ({s.booked}/{s.capacity})"

    def teaching(
        self,
        title: str,
        phrase: str,
        sessions: Sequence[SessionView],
        *,
        with_day: bool,
        me: str | None,
        mine: bool,
        clients: dict[int, str] | None = None,
    ) -> str:
        """ "Today:\\n18:00 Barre, Shoreditch (0/10)"; other instructors' classes name them,
        1:1s their client (``clients``: session id -> name). ``title`` heads the list
        ("Today"), ``phrase`` ends the empty answer ("today", "on Thu 26 Nov")."""
        if not sessions:
            return self.w.out(f"{'You have' if mine else 'There are'} no classes {phrase}.")
        named = clients or {}
        lines = [self.class_line(s, with_day=with_day, me=me, client=named.get(s.id)) for s in sessions]
        text = f"{title[0].upper()}{title[1:]}:\n" + "\n".join(lines)
        shown = len(lines)
        while shown > 1 and not self._fits(text):
            shown -= 1
            text = f"{title[0].upper()}{title[1:]}:\n" + "\n".join(lines[:shown]) + f"\n+{len(lines) - shown} more"
        return self.w.out(text)

    # ---------------------------------------------------------------- staff: rosters
    def session_label(self, s: SessionView, now: datetime) -> str:
        """ "Barre 18:00" today, "Vinyasa Flow Wed 18:00" on another day."""
        today = s.starts_at.astimezone(self.w.tz).date() == now.astimezone(self.w.tz).date()
        return f"{s.class_name} {self.w.time(s.starts_at) if today else self.w.short_when(s.starts_at)}"

    def roster(self, s: SessionView, entries: Sequence[RosterEntry], now: datetime) -> list[str]:
        """ "Barre 18:00, 3/10: 1 Sam Green 2 Priya Shah (in) 3 Alex Kim": one text, or more
        when a big class doesn't fit two segments (names are never cut off)."""
        head = f"{self.session_label(s, now)}, {s.booked}/{s.capacity}:"
        if not entries:
            return [self.w.out(f"{head} nobody booked yet.")]
        footer = "Reply e.g. 'check in 1 3' or 'no show 2'."

        def person(e: RosterEntry, short: bool) -> str:
            name = Words.short_name(e.name) if short else e.name
            return f"{e.number} {name}{STATUS_MARK.get(e.status, '')}"

        for short in (False, True):
            people = " ".join(person(e, short) for e in entries)
            for text in (f"{head} {people}\n{footer}", f"{head} {people}"):
                if self._fits(text):
                    return [self.w.out(text)]
        texts: list[str] = []  # a big class: several texts, each whole
        current = head
        for e in entries:
            part = person(e, True)
            if not self._fits(f"{current} {part}"):
                texts.append(current)
                current = part
            else:
                current = f"{current} {part}"
        texts.append(current)
        return [self.w.out(t) for t in texts]

    def not_yours(self, s: SessionView, now: datetime) -> str:
        return self.w.out(
            f"{self.session_label(s, now)} isn't one of your classes, so I can't share its roster. "
            "Text 'today' to see yours."
        )

    def who_is_here(self) -> str:
        return self.w.out("Who's here? Reply with their numbers or names, e.g. 'check in 1 3' or 'Sam is here'.")

    def done(self, action: str, names: Sequence[str], label: str | None = None) -> str:
        where = f" ({label})" if label else ""
        return f"{ACTION_DONE[action]}{where}: {_and(names)}."

    def undone(self, action: str, names: Sequence[str]) -> str:
        return f"Undone: {ACTION_UNDONE.get(action, 'the last change')} for {_and(names)}."

    def refused(self, name: str, reason: str) -> str:
        return f"{name}: {reason}."

    def not_found(self, name: str) -> str:
        return f"{name}: I can't find that booking any more."

    def not_allowed(self) -> str:
        return self.w.out("Sorry, you can only update the register for classes you teach.")

    def joined(self, parts: Sequence[str]) -> str:
        return self.w.out(" ".join(p for p in parts if p))

    def nothing_to_undo(self) -> str:
        return self.w.out("There's nothing to undo.")

    def no_class_now(self) -> str:
        return self.w.out("I can't see a class of yours on now or later today. Try e.g. 'who's in flow wed'.")

    def no_such_class(self) -> str:
        return self.w.out("I can't find that class. Try 'who's in 6pm' or 'who's in reformer thu'.")

    def unknown_names(self, names: Sequence[str], label: str) -> str:
        listed = ", ".join(n.title() for n in names)
        return f"I can't see {listed} on {label}. Reply 'roster' to see it."

    def ambiguous(self, name: str, options: Sequence[RosterEntry]) -> str:
        listed = " or ".join(f"{e.number} {e.name}" for e in options[:4])
        return f"Which {name.title()}: {listed}? Reply with the number, e.g. 'check in {options[0].number}'."

    def which_people(self) -> str:
        return self.w.out("Who? Reply e.g. 'check in 1 3' or 'no show Priya'.")

    # ---------------------------------------------------------------- clients: 1:1 slots
    def slot_line(self, slot: SlotView, *, with_day: bool) -> str:
        at = self.w.when(slot.starts_at) if with_day else self.w.time(slot.starts_at)
        return f"{at} {slot.instructor.split()[0]}, {slot.location}"

    def reply_a_number(self, *, move: bool = False) -> str:
        return "Reply a number to move it there." if move else "Reply a number to book."

    def slots(
        self,
        what: str,
        period: str,
        slots: Sequence[SlotView],
        *,
        note: str | None = None,
        part: str | None = None,
        move: bool = False,
    ) -> str:
        """ "Free Personal Training slots on Fri 27 Nov:\\n1) 10:00 Sara, Clapham ...": ``period``
        says when with its preposition ("on Fri 27 Nov", "in the next 7 days")."""
        days = {s.starts_at.astimezone(self.w.tz).date() for s in slots}
        with_day = len(days) > 1
        if not with_day and slots and not period.startswith("on "):
            period = f"on {self.w.day(slots[0].starts_at)}"
        parts = f" ({part}s)" if part else ""
        header = (f"{note} " if note else "") + f"Free {what} slots {period}{parts}:"
        credits = {s.credits for s in slots}
        cost = f" ({_plural(credits.pop(), 'credit')})" if len(credits) == 1 else ""
        lines = [self.slot_line(s, with_day=with_day) for s in slots]
        footer = self.reply_a_number(move=True) if move else f"Reply a number to book{cost}."
        return self.w.numbered(header, lines, footer)

    def which_of(self, slots: Sequence[SlotView], *, move: bool = False) -> str:
        """Several slots fit the reply ("the 2pm" on two days): those, numbered again."""
        days = {s.starts_at.astimezone(self.w.tz).date() for s in slots}
        lines = [self.slot_line(s, with_day=len(days) > 1) for s in slots]
        return self.w.numbered("Which one?", lines, self.reply_a_number(move=move))

    def one_slot(self, slot: SlotView, *, move: bool = False) -> str:
        if move:
            return self.w.out(
                f"{slot.instructor.split()[0]} is free {self.w.when(slot.starts_at)} at {slot.location}. "
                "Reply YES to move your booking there."
            )
        return self.w.out(
            f"{slot.instructor.split()[0]} is free {self.w.when(slot.starts_at)} at {slot.location} for "
            f"{slot.class_name} ({_plural(slot.credits, 'credit')}). Reply YES to book it."
        )

    def not_free(self, who: str, at: datetime) -> str:
        return f"{who} isn't free {self.w.when(at)}."

    def no_slots(self, what: str, period: str, part: str | None = None) -> str:
        parts = f" ({part}s)" if part else ""
        return self.w.out(f"Sorry, there are no free {what} slots {period}{parts}. Try another day or time?")

    def which_slot(self, count: int) -> str:
        return self.w.out(f"Which one? Reply a number from 1 to {count}.")

    def slot_booked(self, slot: SlotView, balance: BalanceView, free_until: datetime, now: datetime) -> str:
        if balance.unlimited:
            paid = "Your membership covers it."
        else:
            paid = f"{_plural(slot.credits, 'credit')} used, {balance.credits} left."
        deadline = self.w.cancel_deadline(free_until, balance, now=now)
        return self.w.out(
            f"Booked: {slot.class_name} with {slot.instructor.split()[0]}, {self.w.when(slot.starts_at)} "
            f"at {slot.location}. {paid} {deadline}"
        ).rstrip()

    def slot_taken(self, slot: SlotView) -> str:
        return f"Sorry, {slot.instructor.split()[0]}'s {self.w.time(slot.starts_at)} has just been taken."

    def slot_no_credits(self, what: str, needed: int, have: int) -> str:
        return self.w.out(
            f"{what} needs {_plural(needed, 'credit')} and you have {have}. "
            "Reply PRICES to buy a pack, then text me again to book."
        )

    def slot_overlap(self, slot: SlotView, clash: SessionView, *, move: bool = False) -> str:
        verb = "Move it to" if move else "Book"
        return self.w.out(
            f"You're already booked into {clash.class_name} {self.w.short_when(clash.starts_at)} at that time. "
            f"{verb} {slot.class_name} with {slot.instructor.split()[0]} {self.w.short_when(slot.starts_at)} "
            f"{'anyway' if move else 'too'}? Reply YES or NO."
        )

    def slot_overlap_refused(self, slot: SlotView, clash: SessionView) -> str:
        return self.w.out(
            f"You're booked into {clash.class_name} {self.w.short_when(clash.starts_at)} at that time, so I can't "
            f"book {slot.class_name} {self.w.short_when(slot.starts_at)} too. Cancel that one first if you'd rather."
        )

    def late_slot_move(
        self, old: SessionView, consequence: str, fee: Decimal, hours: int, spent: int, slot: SlotView
    ) -> str:
        cost = {
            "forfeit_credit": "moving it loses that credit" if spent else "moving it counts as a late cancel",
            "fee": f"moving it costs a {self.w.money(fee)} late-cancel fee",
            "none": "moving it counts as a late cancel (no charge this time)",
        }.get(consequence, "moving it counts as a late cancel")
        return self.w.out(
            f"{old.class_name} {self.w.short_when(old.starts_at)} is less than {hours}h away, so {cost}. "
            f"Move to {slot.instructor.split()[0]} {self.w.short_when(slot.starts_at)} anyway? Reply YES or NO."
        )

    def slot_moved(self, slot: SlotView, old: SessionView | None, balance: BalanceView) -> str:
        """ "Moved: Personal Training with Kim, Tue Dec 1 4pm at Park Slope (was 3pm). 9 credits left." """
        was = ""
        if old is not None:
            same_day = old.starts_at.astimezone(self.w.tz).date() == slot.starts_at.astimezone(self.w.tz).date()
            was = f" (was {self.w.time(old.starts_at) if same_day else self.w.short_when(old.starts_at)})"
        left = "" if balance.unlimited else f" {_plural(balance.credits, 'credit')} left."
        return self.w.out(
            f"Moved: {slot.class_name} with {slot.instructor.split()[0]}, {self.w.when(slot.starts_at)} "
            f"at {slot.location}{was}.{left}"
        )

    def already_in_slot(self, slot: SlotView) -> str:
        return self.w.out(f"You're already booked with {slot.instructor.split()[0]} {self.w.when(slot.starts_at)}.")

    def kept(self) -> str:
        return self.w.out("OK, your booking stays as it is.")

    def about(self, kind: AppointmentTypeView, short: str, slots: Sequence[SlotView]) -> str:
        """ "Yes! Personal Training is 1:1 with Dev or Kim: 60 min, 1 credit. To book, text
        e.g. 'PT with Dev wed 10am'." ``slots``: free ones soon (who teaches it, an example)."""
        who: list[str] = []
        for s in slots:
            first = s.instructor.split()[0]
            if first not in who:
                who.append(first)
        facts = f"{kind.duration_min} min, {_plural(kind.credits, 'credit')}"
        if not slots:
            return self.w.out(
                f"Yes! We offer {kind.name}: 1:1, {facts}. Nothing is free in the next 2 weeks, so "
                "reply 'talk to someone' and the team will find you a time."
            )
        names = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} or {who[-1]}"
        soonest = slots[0]
        at = soonest.starts_at.astimezone(self.w.tz)
        example = f"{short} with {soonest.instructor.split()[0]} {at.strftime('%a').lower()} {self.w.time(at)}"
        return self.w.out(f"Yes! {kind.name} is 1:1 with {names}: {facts}. To book, text e.g. '{example}'.")
