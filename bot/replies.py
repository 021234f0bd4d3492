"""Every sentence the bot says, in one place.

SMS copy is GSM-7 (no emoji, no curly quotes) and fits in two segments; lists are cut
to fit rather than split. Times are shown in the studio's timezone: 24-hour clock for
day-month studios ("Wed 25 Nov 18:00"), 12-hour for month-day ones ("Wed Nov 25 6pm").
Never ask anyone to reply a bare CANCEL: carriers treat it as an opt-out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.desk import BalanceView, BookingView, PackageView, SessionView, StudioView

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
SMS_LIMIT = 306  # two concatenated GSM-7 segments of 153
_ASCII = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
}


_FOLD = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "OE", "ı": "i"}


def gsm7(text: str) -> str:
    """Map typographic characters to GSM-7; letters outside it lose their accents ("ę" ->
    "e", "ł" -> "l", so a client's Polish reaches staff readable); anything else is dropped."""
    text = "".join(_ASCII.get(ch, ch) for ch in text)
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
            out.append(ch)
            continue
        folded = _FOLD.get(ch) or "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append("".join(c for c in folded if c in GSM7_BASIC or c in GSM7_EXTENDED))
    return "".join(out)


def gsm7_length(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def fit_sms(text: str) -> str:
    text = gsm7(text)
    if gsm7_length(text) <= SMS_LIMIT:
        return text
    lines = text.split("\n")
    while len(lines) > 1 and gsm7_length("\n".join(lines)) > SMS_LIMIT:
        lines.pop(-2 if len(lines) > 2 else -1)
    text = "\n".join(lines)
    return text if gsm7_length(text) <= SMS_LIMIT else text[: SMS_LIMIT - 3] + "..."


class Words:
    """The studio's voice for one conversation: its name, timezone and date style."""

    def __init__(self, studio: StudioView, channel: str = "sms") -> None:
        self.studio = studio
        self.channel = channel
        self.tz = ZoneInfo(studio.timezone)
        self.us = studio.date_order == "MDY"

    # ---------------------------------------------------------------- formatting
    def time(self, at: datetime) -> str:
        at = at.astimezone(self.tz)
        if self.us:
            return at.strftime("%I:%M%p").lstrip("0").replace(":00", "").lower()
        return at.strftime("%H:%M")

    def day(self, at: datetime) -> str:
        at = at.astimezone(self.tz)
        return at.strftime("%a %b ") + str(at.day) if self.us else at.strftime("%a ") + f"{at.day} " + at.strftime("%b")

    def when(self, at: datetime) -> str:
        return f"{self.day(at)} {self.time(at)}"

    def short_when(self, at: datetime) -> str:
        return f"{self.tz_day_name(at)} {self.time(at)}"

    def tz_day_name(self, at: datetime) -> str:
        return at.astimezone(self.tz).strftime("%a")

    def money(self, amount: Decimal) -> str:
        symbol = {"GBP": "£", "USD": "$", "EUR": "€", "AUD": "$", "CAD": "$"}.get(self.studio.currency, "")
        value = f"{amount:.2f}".removesuffix(".00")
        return f"{symbol}{value}" if symbol else f"{value} {self.studio.currency}"

    def session(self, s: SessionView) -> str:
        who = f" with {s.instructor.split()[0]}" if s.instructor else ""
        return f"{s.class_name}, {self.when(s.starts_at)} at {s.location}{who}"

    def credits_line(self, balance: BalanceView) -> str:
        if balance.unlimited:
            return "Your membership covers it."
        return f"{balance.credits} credit{'s' if balance.credits != 1 else ''} left."

    def out(self, text: str) -> str:
        return fit_sms(text) if self.channel == "sms" else text

    def numbered(self, header: str, lines: Sequence[str], footer: str) -> str:
        body = "\n".join(f"{i}) {line}" for i, line in enumerate(lines, 1))
        text = f"{header}\n{body}\n{footer}"
        while len(lines) > 1 and self.channel == "sms" and gsm7_length(gsm7(text)) > SMS_LIMIT:
            lines = lines[:-1]
            body = "\n".join(f"{i}) {line}" for i, line in enumerate(lines, 1))
            text = f"{header}\n{body}\n{footer}"
        return self.out(text)

    def option(self, s: SessionView) -> str:
        spots = "full" if s.spots == 0 else f"{s.spots} left"
        who = f" {s.instructor.split()[0]}" if s.instructor else ""
        return f"{s.class_name} {self.when(s.starts_at)} {s.location}{who} ({spots})"

    # ---------------------------------------------------------------- booking
    def booked(
        self,
        s: SessionView,
        balance: BalanceView,
        free_until: datetime,
        *,
        now: datetime | None = None,
        consequence: str | None = None,
        fee: Decimal = Decimal("0"),
        fees: tuple[Decimal | None, Decimal | None] | None = None,
    ) -> str:
        """``fees``: the studio's (late-cancel, no-show) fees, named in a few words when it
        charges any; a late-cancel fee the deadline sentence already states is not repeated."""
        deadline = self.cancel_deadline(free_until, balance, now=now, consequence=consequence, fee=fee)
        late_fee, no_show_fee = fees or (None, None)
        if "fee" in deadline:
            late_fee = None
        note = self.fee_note(late_fee, no_show_fee)
        return self.out(
            f"Booked: {self.session(s)}. {self.credits_line(balance)} {deadline}" + (f" {note}" if note else "")
        ).rstrip()

    def cancel_deadline(
        self,
        free_until: datetime,
        balance: BalanceView | None = None,
        *,
        now: datetime | None = None,
        consequence: str | None = None,
        fee: Decimal = Decimal("0"),
    ) -> str:
        """When cancelling stops being free; once that has passed (``now`` given), what a
        cancel costs instead: a deadline in the past is never printed."""
        if now is None or free_until > now:
            return f"Free to cancel until {self.short_when(free_until)}."
        if consequence == "fee" and fee > 0:
            return f"Late-cancel rules apply now: cancelling costs a {self.money(fee)} fee."
        if consequence == "forfeit_credit":
            if balance is not None and balance.unlimited:
                return "Late-cancel rules apply now: cancelling counts as a late cancel."
            return "Late-cancel rules apply now: cancelling costs the credit."
        return ""

    def choose_session(self, options: Sequence[SessionView], verb: str = "book") -> str:
        return self.numbered(f"Which one shall I {verb}?", [self.option(s) for s in options], "Reply with the number.")

    def class_full(self, s: SessionView) -> str:
        waiting = f" ({s.waiting} on the waitlist)" if s.waiting else ""
        return self.out(
            f"{s.class_name}, {self.when(s.starts_at)} is full{waiting}. "
            "Want me to add you to the waitlist? Reply YES or NO."
        )

    def no_match(self, what: str, alternatives: Sequence[SessionView]) -> str:
        if not alternatives:
            return self.out(f"I couldn't find {what}. Text 'what's on tomorrow' to see the timetable.")
        return self.numbered(
            f"I couldn't find {what}. Nearest:", [self.option(s) for s in alternatives], "Reply with a number to book."
        )

    def not_at(self, label: str, location: str, elsewhere: Sequence[SessionView]) -> str:
        return self.numbered(
            f"{label} isn't at {location} then. It runs here:",
            [self.option(s) for s in elsewhere],
            "Reply a number to book.",
        )

    def none_of_those(self, what: str) -> str:
        return f"None of those is {what}."

    def what_to_book(self) -> str:
        return self.out("Which class would you like, and when? E.g. 'yoga tomorrow 6pm'.")

    def no_credits(self, expired: bool) -> str:
        why = "Your pack has expired" if expired else "You don't have credits for that class"
        return self.out(f"{why}. Reply PRICES to see packs and memberships.")

    def already_booked(self, s: SessionView) -> str:
        return self.out(f"You're already booked: {self.session(s)}.")

    def window_closed(self, opens_at: datetime | None) -> str:
        if opens_at is None:
            return self.out("That class has already started, sorry.")
        return self.out(f"Booking for that class opens {self.when(opens_at)}. Text me then!")

    def not_bookable(self, reason: str) -> str:
        return self.out(f"Sorry, you can't book that: {reason}.")

    def reminder(self, s: SessionView, now: datetime, fees: str | None = None) -> str:
        local_now = now.astimezone(self.tz)
        start = s.starts_at.astimezone(self.tz)
        if start.date() == local_now.date():
            day = "today"
        elif (start.date() - local_now.date()).days == 1:
            day = "tomorrow"
        else:
            day = self.day(start)
        who = f" with {s.instructor.split()[0]}" if s.instructor else ""
        return self.out(
            f"Reminder: {s.class_name} {day} at {self.time(start)}, {s.location}{who}. "
            "Can't make it? Reply C to cancel." + (f" {fees}" if fees else "")
        )

    # ---------------------------------------------------------------- cancelling
    def cancelled(self, s: SessionView, credits_back: int, balance: BalanceView) -> str:
        back = f" {credits_back} credit{'s' if credits_back != 1 else ''} back." if credits_back else ""
        left = "" if balance.unlimited else f" You have {balance.credits}."
        return self.out(f"Cancelled: {s.class_name}, {self.when(s.starts_at)}.{back}{left}")

    def late_cancel_question(self, s: SessionView, consequence: str, fee: Decimal, hours: int, spent: int = 1) -> str:
        cost = {
            "forfeit_credit": (
                ("you'll lose the credit" if spent == 1 else f"you'll lose the {spent} credits")
                if spent
                else "it counts as a late cancel"
            ),
            "fee": f"there's a {self.money(fee)} late-cancel fee",
            "none": "it's a late cancel (no charge this time)",
        }[consequence]
        return self.out(
            f"{s.class_name} {self.when(s.starts_at)} is less than {hours}h away, so {cost}. "
            "Reply YES to cancel anyway, or NO to keep your spot."
        )

    def late_cancelled(
        self, s: SessionView, consequence: str, fee: Decimal, spent: int = 1, *, forgive_if_filled: bool = False
    ) -> str:
        """What a late cancel did; the waitlist promise only where the studio forgives a
        late cancel whose spot is taken (``Policy.fill_to_forgive``)."""
        cost = {
            "forfeit_credit": (" The credit is used." if spent == 1 else f" The {spent} credits are used.")
            if spent
            else "",
            "fee": f" A {self.money(fee)} late-cancel fee applies.",
            "none": " No charge this time.",
        }[consequence]
        forgive = (
            " If someone takes your spot from the waitlist, it's forgiven and we'll let you know."
            if forgive_if_filled and consequence != "none"
            else ""
        )
        return self.out(f"Cancelled late: {s.class_name}, {self.when(s.starts_at)}.{cost}{forgive}")

    def cancel_policy(self, facts: dict, next_class: SessionView | None, now: datetime | None = None) -> str:
        """The late-cancel rule in one or two sentences; ``facts`` from ``Desk.policy_facts``."""
        hours = facts.get("cancel_window_hours") or 0
        consequence = facts.get("late_cancel") or "none"
        fee = Decimal(str(facts.get("late_cancel_fee") or 0))
        cost = {
            "forfeit_credit": "you lose the class's credit",
            "fee": f"there's a {self.money(fee)} fee",
            "none": "there's no charge",
        }.get(consequence, "late-cancel rules apply")
        text = f"Cancel free up to {hours}h before class; after that {cost}."
        no_show = facts.get("no_show")
        no_show_fee = Decimal(str(facts.get("no_show_fee") or 0))
        if no_show == "fee" and no_show_fee > 0:
            text += f" Missing a class without cancelling costs a {self.money(no_show_fee)} fee."
        elif no_show == "forfeit_credit":
            text += " Missing a class without cancelling uses the credit."
        if next_class is not None:
            deadline = next_class.starts_at - timedelta(hours=hours)
            if now is not None and deadline <= now:  # the client is already inside the window: say so
                text += f" For {self._short(next_class)} that time has passed, so cancelling now means {cost}."
            else:
                text += f" For {self._short(next_class)}: by {self.when(deadline)}."
        return self.out(text)

    def class_over(self, what: str, following: SessionView | None) -> str:
        head = f"{what[:1].upper()}{what[1:]} has already started."
        if following is None:
            return self.out(head)
        return self.out(f"{head} The next one is {self.when(following.starts_at)}: reply YES to book it.")

    def not_open_yet(self, what: str, days: int, opens: datetime) -> str:
        return self.out(f"Bookings open {days} days ahead, so {what} opens on {self.day(opens)}. Text me then!")

    def address_of(self, location: str, address: str | None) -> str:
        if not address:
            return self.out(f"Our {location} studio: reply 'talk to someone' and the team will send directions.")
        return self.out(f"Our {location} studio is at {address}.")

    def how_long(self, s: SessionView) -> str:
        if s.ends_at is None:
            return self.unknown()
        minutes = int((s.ends_at - s.starts_at).total_seconds() // 60)
        return self.out(
            f"{s.class_name} {self.short_when(s.starts_at)} runs {minutes} min, finishing at {self.time(s.ends_at)}."
        )

    def where_and_when(self, s: SessionView, address: str | None) -> str:
        place = f"{s.location}, {address}" if address else s.location
        who = f" with {s.instructor.split()[0]}" if s.instructor else ""
        return self.out(f"{s.class_name} is {self.when(s.starts_at)}{who} at {place}. Aim to arrive 5-10 min early.")

    def still_with_team(self) -> str:
        return self.out("I'm sorry about that. The team has your message and will reply to you soon.")

    def instructor_knows(self, who: str) -> str:
        return self.out(f"Yes, {who} knows you're on your way.")

    def not_booked_offer(self, s: SessionView) -> str:
        return self.out(
            f"You're not booked into {s.class_name}. {self.short_when(s.starts_at)} has "
            f"{s.spots} spot{'s' if s.spots != 1 else ''} left: reply YES to book it."
        )

    FOREIGN_THANKS = {
        "es": "De nada!",
        "fr": "Avec plaisir!",
        "de": "Gern geschehen!",
        "it": "Prego!",
        "pt": "De nada!",
    }

    # ---------------------------------------------------------------- arriving (issue 13)
    def late_no_class(self) -> str:
        return self.out("I can't see a class of yours starting soon. Text 'my bookings' to check.")

    def late_noted(self, s: SessionView, told: bool, doors_close: int | None) -> str:
        who = s.instructor.split()[0] if s.instructor else "the team"
        head = f"Thanks for letting us know. I've told {who}" if told else "Thanks for letting us know"
        doors = ""
        if doors_close:
            closes = self.time(s.starts_at + timedelta(minutes=doors_close))
            doors = f" Doors close {doors_close} min after the start ({closes})."
        return self.out(f"{head}; your spot in {self._short(s)} is kept.{doors}")

    def checked_in(self, s: SessionView) -> str:
        return self.out(f"You're checked in for {self._short(s)}. Enjoy the class!")

    def check_in_too_early(self, s: SessionView, opens_at: datetime) -> str:
        return self.out(f"Check-in for {self._short(s)} opens at {self.time(opens_at)}. See you soon!")

    def check_in_at_desk(self) -> str:
        return self.out("Please check in with the team at the front desk. Enjoy the class!")

    def check_in_no_booking(self) -> str:
        return self.out("I can't see a booking of yours starting now. Text 'my bookings' to check.")

    # ---------------------------------------------------------------- moving (issue 13)
    def moved(self, new: SessionView, old: SessionView) -> str:
        """ "Moved: Flow Sat 9 Dec 10:00 (was Fri 18:00)." with the place when it changed."""
        where = f" at {new.location}" if new.location != old.location else ""
        was = self.short_when(old.starts_at) if old.class_name == new.class_name else self._short(old)
        return self.out(f"Moved: {new.class_name} {self.when(new.starts_at)}{where} (was {was}).")

    def _short(self, s: SessionView) -> str:
        return f"{s.class_name} {self.short_when(s.starts_at)}"

    def move_where(self, s: SessionView) -> str:
        return self.out(f"Sure. Where shall I move {self._short(s)} to? E.g. 'saturday 10am'.")

    def move_no_match(self, old: SessionView, near: Sequence[SessionView]) -> str:
        if not near:
            return self.out(f"I couldn't find a class to move {self._short(old)} to. Which day and time?")
        return self.numbered(
            f"I couldn't find that. Move {self._short(old)} to one of these?",
            [self.option(s) for s in near],
            "Reply with the number.",
        )

    def late_move_question(
        self, old: SessionView, consequence: str, fee: Decimal, hours: int, spent: int, new: SessionView
    ) -> str:
        cost = {
            "forfeit_credit": (
                ("moving it loses that credit" if spent == 1 else f"moving it loses those {spent} credits")
                if spent
                else "moving it counts as a late cancel"
            ),
            "fee": f"moving it costs a {self.money(fee)} late-cancel fee",
            "none": "moving it counts as a late cancel (no charge this time)",
        }[consequence]
        return self.out(
            f"{self._short(old)} is less than {hours}h away, so {cost}. "
            f"Move to {self._short(new)} anyway? Reply YES or NO."
        )

    def move_full(self, s: SessionView) -> str:
        return self.out(
            f"{self._short(s)} is full, so your booking stays as it is. "
            "Want me to add you to its waitlist? Reply YES or NO."
        )

    def credits_short(self, class_name: str, needed: int, have: int) -> str:
        if have >= needed:  # enough in all, but no one pack holds the whole cost
            return self.out(f"{class_name} takes {needed} credits from one pack, and yours are split across packs.")
        return self.out(f"{class_name} takes {needed} credit{'s' if needed != 1 else ''}; you have {have}.")

    def overlap_question(self, s: SessionView, clash: SessionView) -> str:
        return self.out(
            f"You're already booked into {clash.class_name} {self.short_when(clash.starts_at)} at that time. "
            f"Book {s.class_name} {self.short_when(s.starts_at)} too? Reply YES or NO."
        )

    def overlap_refused(self, s: SessionView, clash: SessionView) -> str:
        return self.out(
            f"You're booked into {clash.class_name} {self.short_when(clash.starts_at)} at that time, "
            f"so I can't book {s.class_name} {self.short_when(s.starts_at)} too. Cancel that one first if you'd rather."
        )

    def not_booked(self) -> str:
        return self.out("OK, I haven't booked it.")

    def kept(self) -> str:
        return self.out("OK, your spot is kept. See you there!")

    def choose_booking(self, bookings: Sequence[BookingView], verb: str = "cancel") -> str:
        return self.numbered(
            f"Which booking should I {verb}?",
            [f"{b.session.class_name} {self.when(b.session.starts_at)}" for b in bookings],
            "Reply with the number.",
        )

    def no_bookings(self) -> str:
        return self.out("You have no upcoming bookings. Text e.g. 'book yoga tomorrow 6pm'.")

    def no_booking_matching(self, what: str) -> str:
        return self.out(f"I can't see a booking for {what}. Text 'my bookings' to see them all.")

    def bookings(self, bookings: Sequence[BookingView]) -> str:
        return self.numbered(
            "Your bookings:",
            [f"{b.session.class_name} {self.when(b.session.starts_at)} {b.session.location}" for b in bookings],
            "To cancel one, reply e.g. 'cancel 1'.",
        )

    def not_cancellable(self, reason: str) -> str:
        return self.out(f"I can't cancel that: {reason}.")

    # ---------------------------------------------------------------- schedule
    def schedule(self, title: str, sessions: Sequence[SessionView]) -> str:
        if not sessions:
            if title == "coming up":
                return self.out("Nothing like that coming up in the next week. Text 'what's on' to see the timetable.")
            return self.out(f"Nothing on {title}. Try another day?")
        several_days = len({s.starts_at.astimezone(self.tz).date() for s in sessions}) > 1
        if title == "coming up" and not several_days:
            title = self.day(sessions[0].starts_at)
        lines = []
        for s in sessions:
            if s.spots:
                state = f"{s.spots} spot{'s' if s.spots != 1 else ''} left"
            else:
                state = f"full - {s.waiting} on the waitlist" if s.waiting else "full"
            at = self.short_when(s.starts_at) if several_days else self.time(s.starts_at)
            lines.append(f"{at} {s.class_name}, {s.location}: {state}")
        if all(not s.spots for s in sessions):  # every class listed is full: the number joins its waitlist
            one = len(sessions) == 1
            how = "Reply the number to join its waitlist." if one else "Reply a number to join a waitlist."
        else:
            how = "Reply a number to book."
        return self.numbered(f"{title[0].upper()}{title[1:]}:", lines, how)

    def title_for(self, start: datetime | None, grain: str | None) -> str:
        if start is None:
            return "coming up"
        if grain == "week":
            return f"the week of {self.day(start)}"
        return self.day(start)

    # ---------------------------------------------------------------- waitlist
    def waitlisted(self, s: SessionView, position: int) -> str:
        return self.out(
            f"You're on the waitlist for {s.class_name}, {self.when(s.starts_at)}: number {position}. "
            "I'll text you if a spot opens."
        )

    def not_on_waitlist(self) -> str:
        return self.out("You're not on any waitlist right now.")

    def not_on_waitlist_for(self, what: str, waiting: Sequence[SessionView]) -> str:
        lists = ", ".join(self._short(s) for s in waiting[:3])
        return self.out(f"You're not on a waitlist for {what}. You're waiting for: {lists}.")

    def left_waitlist(self, s: SessionView) -> str:
        return self.out(f"Done: you're off the waitlist for {self._short(s)}. You won't get an offer for it.")

    def waitlist_positions(self, entries: Sequence) -> str:
        """One line per entry: "Reformer Thu 18:30: number 2" (or the live offer)."""
        lines = []
        for e in entries[:4]:
            if e.status == "offered":
                until = f" until {self.time(e.offer_expires_at)}" if e.offer_expires_at else ""
                lines.append(f"{self._short(e.session)}: a spot is yours{until}, reply YES to take it")
            else:
                lines.append(f"{self._short(e.session)}: number {e.position} on the waitlist")
        return self.out("\n".join(lines) + ".")

    def already_waitlisted(self, position: int) -> str:
        return self.out(f"You're already on that waitlist: number {position}.")

    def waitlist_not_needed(self, s: SessionView) -> str:
        return self.out(
            f"Good news: {s.class_name}, {self.when(s.starts_at)} has {s.spots} spots. Reply YES to book it."
        )

    def offer(self, s: SessionView, expires_at: datetime) -> str:
        return self.out(
            f"A spot opened in {s.class_name}, {self.when(s.starts_at)} at {s.location}! "
            f"Reply YES by {self.time(expires_at)} to claim it, or NO to pass."
        )

    def broadcast_offer(self, s: SessionView, expires_at: datetime) -> str:
        return self.out(
            f"A spot opened in {s.class_name}, {self.when(s.starts_at)}! First to reply YES gets it "
            f"(until {self.time(expires_at)})."
        )

    def offer_expired(self, s: SessionView | None, *, still_open: bool = False) -> str:
        """A YES to an offer that ran out: when the spot is still open to them (nobody took it
        or holds an offer for it), it can be booked all the same (the caller expects YES)."""
        if s is not None and still_open:
            return self.offer_ended(s)
        what = f" in {s.class_name}, {self.when(s.starts_at)}" if s else ""
        return self.out(f"Sorry, that spot{what} has gone: the offer ran out. You can still book another class.")

    def offer_lapsed_notice(self, s: SessionView) -> str:
        return self.out(
            f"The spot in {s.class_name}, {self.when(s.starts_at)} has passed to the next person. "
            "You're off that waitlist."
        )

    def offer_ended(self, s: SessionView) -> str:
        """A sent offer lapsed and nobody else was waiting (or it is too close to the class to offer it on)."""
        return self.out(
            f"Your offer for {s.class_name}, {self.when(s.starts_at)} has ended, but the spot is still open: "
            "reply YES to book it."
        )

    def waitlist_closed(self, s: SessionView | None, minutes: int) -> str:
        """Inside the studio's waitlist cutoff: no list to join; a spot that frees up is for anyone to book."""
        what = f"{s.class_name}, {self.when(s.starts_at)}" if s else "that class"
        free = s is not None and s.spots > 0
        tail = " There's a spot free now: reply YES to book it." if free else " If a spot frees up, anyone can book it."
        return self.out(f"The waitlist for {what} has closed: it's less than {minutes} minutes to the class.{tail}")

    def waitlists_dropped(self, s: SessionView, dropped: Sequence[SessionView]) -> str:
        names = " and ".join(f"{d.class_name}, {self.when(d.starts_at)}" for d in dropped) or "another class"
        return self.out(
            f"As you're now booked into {s.class_name}, {self.when(s.starts_at)}, I've taken you off the "
            f"waitlist for {names} (same time)."
        )

    def skipped_overlap(self, s: SessionView) -> str:
        return self.out(
            f"A spot opened in {s.class_name}, {self.when(s.starts_at)}, but you're booked into another class "
            "at that time, so I couldn't offer it to you."
        )

    def spot_taken(self) -> str:
        return self.out("Sorry, someone else claimed that spot first. You're still on the waitlist.")

    def spot_gone(self, s: SessionView) -> str:
        return self.out(
            f"The spot in {s.class_name}, {self.when(s.starts_at)} has been taken. You're still on the waitlist."
        )

    def no_offer(self) -> str:
        return self.out("There's nothing waiting for a yes right now. Text 'my bookings' or 'book ...'.")

    def declined(self) -> str:
        return self.out("No problem, I've passed the spot on.")

    def waitlist_enrolled(
        self,
        s: SessionView,
        balance: BalanceView,
        *,
        minutes: int,
        free_until: datetime,
        now: datetime,
        consequence: str | None = None,
        fee: Decimal = Decimal("0"),
        fees: tuple[Decimal | None, Decimal | None] | None = None,
    ) -> str:
        """Auto-enrolment: booked without being asked, so free to cancel for ``minutes`` after
        this text (whenever it is delivered); the usual deadline when that is later. After the
        grace, what a cancel costs by the studio's rules, and the studio's fees."""
        head = f"Good news! A spot opened and you're booked: {self.session(s)}. {self.credits_line(balance)}"
        late_fee, no_show_fee = fees or (None, None)
        if free_until > now + timedelta(minutes=minutes):
            tail = f"Free to cancel until {self.short_when(free_until)}."
        else:
            tail = f"Can't make it? Cancel within {minutes} min and it's free"
            if consequence == "fee" and fee > 0:
                tail += f"; after that there's a {self.money(fee)} late-cancel fee."
                late_fee = None
            elif consequence == "forfeit_credit":
                tail += (
                    "; after that it counts as a late cancel."
                    if balance.unlimited
                    else "; after that it costs the credit."
                )
            else:
                tail += "."
        note = self.fee_note(late_fee, no_show_fee)
        return self.out(f"{head} {tail}" + (f" {note}" if note else ""))

    def skipped(self, s: SessionView, reason: str) -> str:
        """A waitlisted client passed over because they can't pay (``spots.can_pay``'s
        reason): said plainly, and never claiming the spot went to someone who may not exist."""
        why = {
            "package expired": "your pack has expired",
            "no credits": "you don't have a credit for it",
        }.get(reason)
        if why is None and reason.startswith("needs "):
            why = f"it {reason} and you don't have enough"
        return self.out(
            f"A spot opened in {s.class_name}, {self.when(s.starts_at)}, but {why or 'you can not pay for it'}, "
            "so I couldn't offer it to you. Reply PRICES to top up."
        )

    def forgiven(self, s: SessionView) -> str:
        return self.out(
            f"Good news: your spot in {s.class_name}, {self.when(s.starts_at)} was taken from the "
            "waitlist, so your late cancel is forgiven."
        )

    def session_cancelled(self, s: SessionView) -> str:
        return self.out(
            f"Sorry! {s.class_name}, {self.when(s.starts_at)} has been cancelled by the studio. "
            "Your credit is back on your account."
        )

    def session_moved(self, s: SessionView, old_start: datetime, waiting: bool = False) -> str:
        """The studio moved a class: the new day and time (and place), in the location's time."""
        who = f" with {s.instructor.split()[0]}" if s.instructor else ""
        moved = (
            f"Heads up: {s.class_name} on {self.when(old_start)} has moved to {self.when(s.starts_at)} "
            f"at {s.location}{who}."
        )
        if waiting:
            return self.out(f"{moved} You're still on the waitlist.")
        return self.out(f"{moved} You're still booked. Can't make it? Reply C to cancel, free of charge.")

    # ---------------------------------------------------------------- account
    def balance(self, b: BalanceView, *, owing_asked: bool = False) -> str:
        """Credits, membership and fees owed; ``owing_asked`` ("do I owe anything?") says
        "Nothing to pay" when nothing is owed."""
        parts = []
        if b.unlimited:
            parts.append("Your membership is active" + (f" until {self.day(b.expires_at)}" if b.expires_at else ""))
        if b.credits or not b.unlimited:
            expiry = f" (first expire {self.day(b.expires_at)})" if b.expires_at and b.credits else ""
            parts.append(f"You have {b.credits} credit{'s' if b.credits != 1 else ''}{expiry}")
        if b.owed > 0:
            parts.append(f"You owe {self.money(b.owed)} in fees")
        elif owing_asked:
            parts.insert(0, "You don't owe anything")
        return self.out(". ".join(parts) + ".")

    def class_cost(self, label: str, credits: int, packages: Sequence[PackageView] = ()) -> str:
        """What one class costs: its credits, and what that comes to from each pack that can
        pay for it (a class is paid from one pack, so smaller packs are left out)."""
        if credits == 1:
            return f"{label} takes 1 credit a class."
        ways = [
            f"{self.money(p.price / p.credits * credits)} a class from the {p.name}"
            for p in packages
            if p.credits is not None and p.credits >= credits
        ]
        ways += [f"covered by {p.name}" for p in packages if p.credits is None]
        how = f": {', or '.join(ways)}" if ways else ""
        return f"{label} takes {credits} credits a class{how}."

    def timetable_not_open(self, day: datetime, days: int) -> str:
        return self.out(
            f"Classes open for booking {days} days ahead, so {self.day(day)} opens on "
            f"{self.day(day - timedelta(days=days))}. Text me then!"
        )

    def waitlist_needs_credits(self, needed: int, have: int) -> str:
        return (
            f"Note: it takes {needed} credit{'s' if needed != 1 else ''} and you have {have}, "
            "so top up before a spot opens "
            "(reply PRICES) or I can't offer it to you."
        )

    def prices(self, packages: Sequence[PackageView], lead: str = "") -> str:
        if not packages:
            return self.out(f"Ask the team at {self.studio.name} about prices: reply 'talk to someone'.")
        lines = []
        for p in packages:
            what = "unlimited" if p.credits is None else f"{p.credits} class{'es' if p.credits != 1 else ''}"
            valid = f", {p.valid_days} days" if p.valid_days else ""
            lines.append(f"{p.name}: {self.money(p.price)} ({what}{valid})")
        head = f"{lead} Prices:" if lead else "Prices:"
        return self.out(head + "\n" + "\n".join(lines) + "\nReply BUY to pay by text, or buy at the desk.")

    def ask_name(self) -> str:
        return self.out(f"Hi! Welcome to {self.studio.name}. I don't think we've met: what's your first name?")

    def ask_name_again(self) -> str:
        return self.out("Sorry, what's your first name?")

    def nice_to_meet(self, name: str) -> str:
        return self.out(f"Nice to meet you, {name}!")

    def greeting(self, name: str | None) -> str:
        hello = f"Hi {name}!" if name else "Hi!"
        return self.out(
            f"{hello} Text me things like 'book yoga tomorrow 6pm', 'what's on thursday', "
            "'my bookings' or 'cancel thu reformer'."
        )

    def unknown(self) -> str:
        return self.out(
            "Sorry, I didn't catch that. Try 'book yoga tomorrow 6pm', 'my bookings' or "
            "'cancel thu reformer'. Reply HELP for contact details."
        )

    def help(self) -> str:
        contact = " ".join(x for x in (self.studio.contact_phone, self.studio.contact_email) if x)
        reach = f" Contact us: {contact}." if contact else ""
        return self.out(
            f"{self.studio.name}: book, cancel and check classes by text.{reach} "
            "Msg&data rates may apply. Reply STOP to unsubscribe."
        )

    def thanks(self) -> str:
        return self.out("You're welcome!")

    def here_to_help(self) -> str:
        return self.out("Hi, I'm here! What can I help with? E.g. 'book yoga tomorrow 6pm' or 'my bookings'.")

    def no_worries(self) -> str:
        return self.out("No worries!")

    def question_forwarded(self, sent: bool) -> str:
        if sent:
            return self.out("Good question: I've passed it to the team and someone will reply to you soon.")
        return self.help()

    def ack(self) -> str:
        return self.out("Great! Text me any time you'd like to book, cancel or check your classes.")

    def unplaced_date(self, phrase: str) -> str:
        return self.out(f"I couldn't place the date '{phrase[:20]}'. Which day do you mean? E.g. 'fri 4 dec'.")

    FOREIGN = {
        "es": "Gracias. Le paso su mensaje al equipo; alguien le respondera pronto.",
        "fr": "Merci. Je transmets votre message a l'equipe; quelqu'un vous repondra bientot.",
        "de": "Danke. Ich leite Ihre Nachricht an das Team weiter; jemand meldet sich bald.",
        "it": "Grazie. Passo il suo messaggio al team; qualcuno le rispondera presto.",
        "pt": "Obrigado. Vou passar a sua mensagem a equipa; alguem vai responder em breve.",
        "nl": "Bedankt. Ik stuur je bericht door naar het team; iemand reageert snel.",
        "pl": "Dziekujemy. Przekazuje wiadomosc zespolowi; ktos wkrotce odpowie.",
    }

    def foreign(self, lang: str, sent: bool) -> str:
        """A text in another language: a person answers; we say so in that language (GSM-7:
        no accents outside the GSM alphabet), then in English."""
        said = self.FOREIGN.get(lang)
        english = (
            "I've passed your message to the team; someone will reply soon."
            if sent
            else f"Please contact {self.studio.name} directly: {self.studio.contact_phone or 'reply HELP'}."
        )
        if said is None or not sent:
            return self.out(english)
        return self.out(f"{said} ({english})")

    def opted_out(self, still_booked: Sequence[SessionView] = ()) -> str:
        if not still_booked:
            return self.out(
                f"You're unsubscribed from {self.studio.name} texts and won't get any more. Reply START to resubscribe."
            )
        first = still_booked[0]
        more = f" and {len(still_booked) - 1} more" if len(still_booked) > 1 else ""
        example = f"{first.class_name.split()[0].lower()} {self.tz_day_name(first.starts_at).lower()}"
        return self.out(
            f"You're unsubscribed from {self.studio.name} texts. You're still booked into {self._short(first)}{more}. "
            f"To cancel a class, reply START, then text e.g. 'cancel {example}'."
        )

    def opted_in(self) -> str:
        return self.out(f"Welcome back! You'll get texts from {self.studio.name} again.")

    # ---------------------------------------------------------------- a client's data (issue 17)
    def no_data_held(self) -> str:
        return self.out(
            f"{self.studio.name} has no client record for this number, only these texts. "
            "Text me again if you have a question."
        )

    def confirm_export(self, hours: int) -> str:
        return self.out(
            f"I can text you a private link to everything {self.studio.name} holds about you: details, "
            f"bookings, credits, payments and messages. It opens once, within {hours} hours. Reply YES to get it."
        )

    def export_link(self, url: str, hours: int) -> str:
        return self.out(
            f"Here's your data from {self.studio.name}: {url} The link opens once and expires in {hours} hours."
        )

    def export_unavailable(self) -> str:
        return self.out(
            f"Sorry, I can't make your link right now. I've asked the {self.studio.name} team to send you your data."
        )

    def confirm_erasure(self, upcoming: int) -> str:
        booked = (
            f" Your {upcoming} upcoming booking{'' if upcoming == 1 else 's'} and waitlist places will be cancelled."
            if upcoming
            else ""
        )
        return self.out(
            f"To erase your data at {self.studio.name}, reply YES. We'll delete your name, number, email and messages"
            f" and never text you again.{booked} Payment records are kept, without your details."
        )

    def erasure_requested(self) -> str:
        return self.out(
            f"Thanks. Your request is with the {self.studio.name} team, who will erase your data soon. "
            "After that we won't text you again."
        )

    def erased(self, cancelled: int) -> str:
        gone = f" {cancelled} booking{'' if cancelled == 1 else 's'} cancelled." if cancelled else ""
        return self.out(
            f"Done: your data at {self.studio.name} is erased and we won't text you again.{gone} "
            "If you text us in future, we'll treat you as a new client."
        )

    def nothing_changed(self) -> str:
        return self.out("OK, nothing has changed.")

    def confirm_opt_out(self) -> str:
        return self.out(
            f"Do you want to stop all texts from {self.studio.name}? Reply YES to stop, or NO to keep them."
        )

    def stay_subscribed(self) -> str:
        return self.out("OK, you'll keep getting our texts.")

    def forwarded(self, sent: bool) -> str:
        if sent:
            return self.out("I've passed your message to the team. Someone will get back to you soon.")
        return self.out(self.help())

    def reset(self, name: str | None) -> str:
        return self.greeting(name)

    def staff_forward(self, who: str, phone: str, text: str) -> str:
        return self.out(f'{who} ({phone}) asked for a person: "{text[:200]}"')

    # ---------------------------------------------------------------- staff
    def roster(self, s: SessionView, names: Sequence[str]) -> str:
        people = ", ".join(names) if names else "nobody yet"
        return self.out(f"{s.class_name} {self.when(s.starts_at)} {s.location} ({s.booked}/{s.capacity}): {people}")

    def staff_today(self, sessions: Sequence[SessionView]) -> str:
        if not sessions:
            return self.out("You have no classes today.")
        return self.out(
            "Today:\n"
            + "\n".join(
                f"{self.time(s.starts_at)} {s.class_name}, {s.location} ({s.booked}/{s.capacity})" for s in sessions
            )
        )

    def staff_help(self, name: str) -> str:
        return self.out(f"Hi {name}! Staff commands: 'today' (your classes), 'who's in 6pm' (roster).")

    # ---------------------------------------------------------------- intro leads (issue 6)
    def intro_welcome(self, name: str | None, offer: str, locations: Sequence[str]) -> str:
        hello = f"Hi {name}" if name else "Hi"
        where = f" ({' or '.join(locations)})" if len(locations) > 1 else ""
        return self.out(
            f"{hello}, thanks for buying {offer} at {self.studio.name}! To match you with the right "
            f"instructor: which location suits you{where}, which days and times work, and any goals "
            "or injuries we should know about?"
        )

    @staticmethod
    def short_name(name: str) -> str:
        """ "Jane Doe" -> "Jane D."; a single name stays as it is."""
        parts = (name or "").split()
        if len(parts) < 2:
            return name or "the client"
        return f"{parts[0]} {parts[-1][0].upper()}."

    def intro_offers(self, offers: Sequence[tuple[str, Decimal, str]]) -> str:
        """``offers``: (name, price, checkout url)."""
        if len(offers) == 1:
            name, price, url = offers[0]
            return self.out(
                f"Welcome! Our intro offer is {name}, {self.money(price)}. Book and pay here: {url} "
                "Then tell us what suits you and we'll match you with an instructor."
            )
        lines = "\n".join(f"{name}, {self.money(price)}: {url}" for name, price, url in offers)
        return self.out(f"Welcome! Our intro offers:\n{lines}\nPay for one and we'll match you with an instructor.")

    def no_intro_offer(self) -> str:
        return self.out(
            f"Welcome! {self.studio.name} has no intro offer right now. Text 'prices' to see our "
            "packs, or 'talk to someone' to ask the team."
        )

    def intro_ask_location(self, locations: Sequence[str]) -> str:
        return self.out(f"Which location suits you best: {' or '.join(locations)}?")

    def intro_ask_when(self) -> str:
        return self.out("Which days and times suit you? E.g. 'weekday mornings before 9' or 'any evening except Fri'.")

    def intro_ask_goals(self) -> str:
        return self.out("Any goals or injuries your instructor should know about? Reply 'none' if not.")

    def intro_prefs_confirmed(self, location: str, when: str, goals: str | None) -> str:
        goal = f", goal: {goals[:80]}" if goals else ""
        return self.out(f"Got it: {location}, {when}{goal}. We'll text you your instructor shortly.")

    def intro_option(self, instructor: str, at: datetime, location: str) -> str:
        return f"{instructor.split()[0]} {self.when(at)} {location}"

    def intro_owner_options(
        self, lead: str, location: str, when: str, goals: str | None, options: Sequence[str], reason: str | None = None
    ) -> str:
        head = reason or f"New intro client: {lead}."
        goal = f" Goals: {goals[:60]}." if goals else ""
        header = f"{head} {location}, {when}.{goal}"
        if not options:
            return self.out(f"{header} No free 1:1 slots fit. Reply e.g. 'Tom thu 8am' to pick one.")
        return self.numbered(
            f"{header} {'Next best' if reason else 'Top matches'}:",
            list(options),
            f"Reply 1-{len(options)}, or e.g. 'Tom thu 8am'.",
        )

    def intro_declined_reason(self, instructor: str, lead: str) -> str:
        return f"{instructor.split()[0]} can't take {lead}."

    def intro_expired_reason(self, instructor: str, lead: str) -> str:
        return f"{instructor.split()[0]} didn't answer in time about {lead}."

    def intro_taken_reason(self, lead: str) -> str:
        return f"That time went before it was confirmed for {lead}."

    def intro_instructor_request(self, lead: str, at: datetime, location: str) -> str:
        return self.out(f"New intro client {lead}, {self.when(at)}, {location}. Reply Y to accept, N to decline.")

    def intro_asked_instructor(self, instructor: str, lead: str, at: datetime, location: str) -> str:
        return self.out(
            f"Asked {instructor.split()[0]} to take {lead}, {self.when(at)}, {location}. "
            "I'll text you when they answer."
        )

    def intro_owner_booked(self, instructor: str, lead: str, at: datetime, location: str) -> str:
        return self.out(f"{instructor.split()[0]} accepted: {lead} is booked {self.when(at)}, {location}.")

    def intro_instructor_booked(self, lead: str, at: datetime, location: str) -> str:
        return self.out(f"Thanks! {lead} is booked with you {self.when(at)}, {location}.")

    def intro_instructor_declined(self) -> str:
        return self.out("No problem, I'll ask the owner to choose someone else.")

    def intro_instructor_slot_gone(self) -> str:
        return self.out("That time isn't free any more, so I've asked the owner to pick another.")

    def intro_client_booked(self, instructor: str, at: datetime, location: str, address: str | None, left: int) -> str:
        where = f"{location}, {address}" if address else location
        more = f" You have {left} more intro session{'s' if left != 1 else ''} to book after this." if left else ""
        return self.out(
            f"You're booked: your first session with {instructor}, {self.when(at)} at {where}.{more} See you there!"
        )

    def intro_no_open_lead(self) -> str:
        return self.out("There's no intro client waiting for a match right now.")

    def intro_pick_range(self, count: int) -> str:
        return self.out(f"Please reply a number from 1 to {count}, or e.g. 'Tom thu 8am'.")

    def intro_unknown_lead(self, name: str) -> str:
        return self.out(f"I can't find an open intro client called {name[:30]}.")

    def intro_unknown_instructor(self) -> str:
        return self.out("Which instructor and when? E.g. 'Tom thu 8am' or 'match Jane with Sara monday 10'.")

    def intro_slot_not_free(self, reason: str) -> str:
        return self.out(f"That slot doesn't work: {reason}. Try another time, or reply 1-3.")

    def intro_already_matched(self, lead: str) -> str:
        return self.out(f"{lead} has already been matched.")

    def intro_owner_reminder(self, lead: str, hours: int, options: Sequence[str]) -> str:
        if not options:
            return self.out(
                f"Reminder: {lead} paid for an intro {hours}h ago and has no instructor yet. "
                "Reply e.g. 'Tom thu 8am' to match them."
            )
        return self.numbered(
            f"Reminder: {lead} paid for an intro {hours}h ago and has no instructor yet.",
            list(options),
            f"Reply 1-{len(options)}, or e.g. 'Tom thu 8am'.",
        )

    def intro_next_offer(self, instructor: str) -> str:
        first = instructor.split()[0]
        return self.out(
            f"We hope you enjoyed your first session with {first}! Want to book the next one with "
            f"{first}? Reply YES and I'll send some times."
        )

    def intro_next_options(self, instructor: str, times: Sequence[datetime], location: str) -> str:
        first = instructor.split()[0]
        return self.numbered(
            f"{first}'s next free times at {location}:", [self.when(t) for t in times], "Reply with the number to book."
        )

    def intro_next_none(self, instructor: str) -> str:
        return self.out(
            f"{instructor.split()[0]} has no free times in the next two weeks. I've asked the team to get in touch."
        )

    def intro_next_booked(self, instructor: str, at: datetime, location: str, left: int) -> str:
        more = f" {left} intro session{'s' if left != 1 else ''} left." if left else ""
        return self.out(f"Booked: your next session with {instructor.split()[0]}, {self.when(at)} at {location}.{more}")

    def intro_next_gone(self) -> str:
        return self.out("Sorry, that time has just gone. Reply YES to see the latest times.")

    # ---------------------------------------------------------------- payments (issue 6)
    def package_line(self, p: PackageView) -> str:
        what = "unlimited" if p.credits is None else f"{p.credits} class{'es' if p.credits != 1 else ''}"
        return f"{p.name}: {self.money(p.price)} ({what})"

    def choose_package(self, packages: Sequence[PackageView], unknown: str | None = None, lead: str = "") -> str:
        """``lead``: what comes first ("Reformer takes 2 credits; you have 1."), then the menu."""
        if not packages:
            return self.out("There's nothing to buy by text right now. Reply 'talk to someone' to ask the team.")
        header = f"Sorry, we don't have a '{unknown[:40]}'. We have:" if unknown else "Which would you like to buy?"
        if lead:
            header = f"{lead} Buy a pack to book it?"
        return self.numbered(header, [self.package_line(p) for p in packages], "Reply with the number.")

    def checkout_link(self, name: str, price: Decimal, url: str) -> str:
        return self.out(
            f"{name}, {self.money(price)}. Pay securely here: {url}\nIt's added to your account as soon as it's paid."
        )

    def payments_unavailable(self) -> str:
        return self.out("Sorry, paying by text isn't available right now. You can pay at the desk.")

    def fee_link(self, what: str, amount: Decimal, url: str) -> str:
        return self.out(f"A {self.money(amount)} {what} is due. Pay here: {url}")

    def checkout_validity(self, checkout: dict) -> str:
        """ "do the credits expire?" just after a payment link: the pack's own terms."""
        what = "The membership" if checkout.get("credits") is None else f"The {checkout['name']} credits"
        days = checkout.get("valid_days")
        if not days:
            return self.out(f"{what} don't expire.")
        return self.out(f"{what} last {days} days from when you pay. The payment link above is ready.")

    def late_move_why(self, facts: dict) -> str:
        """Why a move inside the cancel window costs what a late cancel does, then the question again."""
        return self.out(
            f"Moving a class less than {facts.get('cancel_window_hours') or 0}h before it starts counts as a late "
            "cancel, because the spot may not be filled. Still move it? Reply YES or NO."
        )

    def checkout_price(self, checkout: dict) -> str:
        return self.out(
            f"{checkout['name']} is {self.money(Decimal(checkout['price']))}. The payment link above is ready."
        )

    def book_now_question(self, s: SessionView) -> str:
        return f"Shall I book {self._short(s)} for you now? Reply YES."

    def package_paid(self, name: str, amount: Decimal, balance: BalanceView) -> str:
        return self.out(f"Thank you! Payment received: {name}, {self.money(amount)}. {self.credits_line(balance)}")

    def fee_paid(self, amount: Decimal) -> str:
        return self.out(f"Thank you! Your {self.money(amount)} fee is paid.")

    # ---------------------------------------------------------------- no-shows and fees (issue 11)
    def fee_note(self, late_cancel: Decimal | None = None, no_show: Decimal | None = None) -> str | None:
        """The studio's fees in a few words, for a confirmation or a reminder ("No-shows: £15.")."""
        parts = []
        if late_cancel:
            parts.append(f"Late cancels: {self.money(Decimal(late_cancel))}.")
        if no_show:
            parts.append(f"No-shows: {self.money(Decimal(no_show))}.")
        return " ".join(parts) or None

    DISPUTE = "Were you there? Reply and a person will check."

    def no_show_settled(
        self, s: SessionView, rule: str, fee: Decimal | None, credits_spent: int, url: str | None = None
    ) -> str | None:
        """The one text after the review window: what happened and how to dispute it.
        ``None`` when nothing was taken (no fee, no credit kept), so nothing needs saying."""
        what = f"You were marked as a no-show for {s.class_name} {self.when(s.starts_at)}"
        if rule == "fee" and fee:
            pay = f" Pay here: {url}" if url else ""
            back = " Your credit is back." if credits_spent else ""
            return self.out(f"{what}, so a {self.money(Decimal(fee))} fee is due.{back}{pay} {self.DISPUTE}")
        if rule == "forfeit_credit" and credits_spent:
            used = "the credit is used" if credits_spent == 1 else f"the {credits_spent} credits are used"
            return self.out(f"{what}, so {used}. {self.DISPUTE}")
        return None

    def no_show_waived(self, s: SessionView) -> str:
        return self.out(
            f"Good news: your no-show for {s.class_name} {self.when(s.starts_at)} is waived. "
            "Nothing to pay, and the credit is back."
        )

    def dispute_forwarded(self, sent: bool) -> str:
        """A client questions a charge: a person looks, the bot does not argue with a balance."""
        if sent:
            return self.out("Sorry about that. I've passed it to the team and a person will check and reply to you.")
        contact = " ".join(x for x in (self.studio.contact_phone, self.studio.contact_email) if x)
        reach = f"contact the studio: {contact}" if contact else "ask at the front desk"
        return self.out(f"Sorry about that. A person needs to check this: please {reach}.")

    def staff_payment_attention(self, who: str, item: str, amount: Decimal, note: str) -> str:
        return self.out(
            f"Payment needs a look: {who} paid {self.money(amount)} for {item}. {note} See Payments in the admin."
        )
