"""Staff by text: their classes, numbered rosters and the register (check-in, no-show,
waive, undo), driven through parse + respond over the in-memory studio.

Clock: Monday 23 Nov 2026, 09:00 London. Maya (owner) teaches Barre today 18:00, Yin Tue
19:30 and Vinyasa Flow Wed 18:00; Sara (instructor) Reformer Thu 07:00 and 18:30; Tom HIIT
Wed 06:30. ``RegisterDesk`` adds the roster and attendance port to ``FakeDesk`` the way
``SqlDesk`` has it: a roster only for those who may see it, actions only on their classes.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.desk import Outcome, RosterEntry
from bot.replies import SMS_LIMIT, gsm7, gsm7_length

from . import fake_desk
from .fake_desk import ACTIVE_BOOKING, ALEX, MAYA, PRIYA, SAM, SARA, TOM, FakeDesk, FakeStudio, Phone, local

TODAY_BARRE = local(2026, 11, 23, 18)
FOOTER = "Reply e.g. 'check in 1 3' or 'no show 2'."


class RegisterStudio(FakeStudio):
    def __init__(self) -> None:
        super().__init__()
        self.register: dict[int, str] = {}  # booking id -> checked_in | no_show | waived


class RegisterDesk(FakeDesk):
    world: RegisterStudio

    def _may(self, session_id: int) -> bool:
        s = self.world.sessions[session_id]
        return self.person.staff_role in ("owner", "manager") or (
            self.person.staff_id is not None and s.instructor_id == self.person.staff_id
        )

    def roster_entries(self, session_id: int) -> list[RosterEntry]:
        if not self._may(session_id):
            return []
        rows = sorted(
            (b for b in self.world.bookings.values() if b.session_id == session_id and b.status in ACTIVE_BOOKING),
            key=lambda b: b.id,
        )
        return [
            RosterEntry(n, b.id, self.world.clients[b.client_id].name or "", self.world.register.get(b.id, "confirmed"))
            for n, b in enumerate(rows, 1)
        ]

    def attendance(self, booking_id: int, action: str) -> Outcome:
        self.calls.append(f"attendance {booking_id} {action}")
        if self.person.staff_id is None:
            return Outcome(False, "not_allowed")
        booking = self.world.bookings.get(booking_id)
        if booking is None or booking.status not in ACTIVE_BOOKING:
            return Outcome(False, "not_found")
        if not self._may(booking.session_id):
            return Outcome(False, "not_allowed")
        register = self.world.register
        now = register.get(booking_id, "confirmed")
        if action == "checked_in":
            if now == "checked_in":
                return Outcome(False, "refused", {"reason": "already checked in"})
            register[booking_id] = "checked_in"
        elif action == "no_show":
            register[booking_id] = "no_show"
        elif action == "waive":
            if now != "no_show":
                return Outcome(False, "refused", {"reason": "not marked as a no-show"})
            register[booking_id] = "waived"
        elif action == "undo":
            register.pop(booking_id, None)
        entry = next(e for e in self.roster_entries(booking.session_id) if e.booking_id == booking_id)
        return Outcome(True, "done", {"entry": entry, "action": action})


@pytest.fixture
def studio(monkeypatch) -> RegisterStudio:
    monkeypatch.setattr(fake_desk, "FakeDesk", RegisterDesk)  # what ``Phone`` builds each turn
    return RegisterStudio()


def barre_with(studio: RegisterStudio, *phones: str) -> int:
    barre = studio.session_at("Barre", TODAY_BARRE)
    for phone in phones:
        studio.book_directly(phone, barre.id)
    return barre.id


def register_of(studio: RegisterStudio) -> dict[str, str]:
    return {studio.clients[studio.bookings[b].client_id].name or "": s for b, s in studio.register.items()}


# --------------------------------------------------------------------------- classes taught


def test_today_lists_the_classes_with_booked_and_capacity(studio):
    barre_with(studio, SAM, PRIYA, ALEX)
    assert Phone(studio, MAYA).says("today") == "Today:\n18:00 Barre, Shoreditch (3/10)"
    assert Phone(studio, MAYA).says("What's on today?") == "Today:\n18:00 Barre, Shoreditch (3/10)"
    assert Phone(studio, TOM).says("tomorrow") == "You have no classes tomorrow."


def test_an_instructor_sees_only_their_week(studio):
    assert Phone(studio, SARA).says("my week") == (
        "The next 7 days:\nThu 07:00 Reformer Pilates, Clapham (0/8)\nThu 18:30 Reformer Pilates, Clapham (0/8)"
    )


def test_the_owner_sees_every_class_and_who_teaches_the_others(studio):
    assert Phone(studio, MAYA).says("my schedule this week") == (
        "This week:\n"
        "Mon 18:00 Barre, Shoreditch (0/10)\n"
        "Tue 19:30 Yin Yoga, Shoreditch (0/10)\n"
        "Wed 06:30 HIIT 45, Shoreditch, Tom (0/12)\n"
        "Wed 18:00 Vinyasa Flow, Shoreditch (0/12)\n"
        "Thu 07:00 Reformer Pilates, Clapham, Sara (0/8)\n"
        "Thu 18:30 Reformer Pilates, Clapham, Sara (0/8)"
    )


def test_a_named_day(studio):
    assert Phone(studio, SARA).says("whats on thursday") == (
        "Thu 26 Nov:\n07:00 Reformer Pilates, Clapham (0/8)\n18:30 Reformer Pilates, Clapham (0/8)"
    )
    assert Phone(studio, TOM).says("my classes friday") == "You have no classes on Fri 27 Nov."


# --------------------------------------------------------------------------- rosters


def test_roster_is_numbered_and_remembered(studio):
    barre = barre_with(studio, SAM, PRIYA, ALEX)
    maya = Phone(studio, MAYA)
    assert maya.says("roster") == f"Barre 18:00, 3/10: 1 Sam Green 2 Priya Shah 3 Alex Kim\n{FOOTER}"
    assert maya.context["staff_roster"]["session_id"] == barre
    assert [n for n, _ in maya.context["staff_roster"]["numbers"]] == [1, 2, 3]
    assert maya.says("who's in my 6pm").startswith("Barre 18:00, 3/10: 1 Sam Green")


def test_roster_of_a_named_class_on_another_day(studio):
    flow = studio.session_at("Vinyasa Flow", local(2026, 11, 25, 18))
    studio.book_directly(PRIYA, flow.id)
    assert Phone(studio, MAYA).says("who's coming to flow") == f"Vinyasa Flow Wed 18:00, 1/12: 1 Priya Shah\n{FOOTER}"
    assert (
        Phone(studio, SARA).says("who's in reformer thu 7am") == "Reformer Pilates Thu 07:00, 0/8: nobody booked yet."
    )


def test_an_instructor_cannot_read_another_instructors_roster(studio):
    barre_with(studio, SAM)
    assert Phone(studio, SARA).says("who's in barre") == (
        "Barre 18:00 isn't one of your classes, so I can't share its roster. Text 'today' to see yours."
    )


def test_a_big_roster_is_never_cut_and_each_text_fits_two_segments(studio):
    barre = studio.session_at("Barre", TODAY_BARRE)
    barre.capacity = 40
    for i in range(36):
        studio.add_client(f"+4477009005{i:02d}", f"Client{i:02d} Longsurname{i:02d}", credits=5)
        studio.book_directly(f"+4477009005{i:02d}", barre.id)
    replies = Phone(studio, MAYA).replies("roster")
    assert len(replies) >= 2
    assert all(gsm7_length(gsm7(r)) <= SMS_LIMIT for r in replies)
    joined = " ".join(replies)
    assert all(f" {n} Client{n - 1:02d} L." in f" {joined}" for n in range(1, 37))


# --------------------------------------------------------------------------- the register


def test_check_in_by_numbers_then_names_then_undo(studio):
    barre_with(studio, SAM, PRIYA, ALEX)
    maya = Phone(studio, MAYA)
    maya.says("roster")
    assert maya.says("check in 1 3") == "Checked in: Sam, Alex."
    assert register_of(studio) == {"Sam Green": "checked_in", "Alex Kim": "checked_in"}
    assert maya.says("Priya is here") == "Checked in: Priya."
    assert maya.says("undo") == "Undone: check-in for Priya."
    assert register_of(studio) == {"Sam Green": "checked_in", "Alex Kim": "checked_in"}
    assert maya.says("undo") == "There's nothing to undo."
    assert maya.says("roster") == f"Barre 18:00, 3/10: 1 Sam Green (in) 2 Priya Shah 3 Alex Kim (in)\n{FOOTER}"


def test_several_names_in_one_text(studio):
    barre_with(studio, SAM, PRIYA, ALEX)
    maya = Phone(studio, MAYA)
    maya.says("roster")
    assert maya.says("Sam and Priya are here") == "Checked in: Sam, Priya."
    assert register_of(studio) == {"Sam Green": "checked_in", "Priya Shah": "checked_in"}


def test_no_show_waive_and_undo_the_waiver(studio):
    barre_with(studio, SAM, PRIYA)
    maya = Phone(studio, MAYA)
    maya.says("roster")
    assert maya.says("no show Priya") == "Marked no-show: Priya."
    assert maya.says("waive Priya's fee") == "No-show waived: Priya."
    assert register_of(studio) == {"Priya Shah": "waived"}
    assert maya.says("undo") == "Undone: waiver for Priya."


def test_a_refusal_is_passed_on(studio):
    barre_with(studio, SAM, PRIYA)
    maya = Phone(studio, MAYA)
    maya.says("roster")
    maya.says("check in sam")
    assert maya.says("check in Sam") == "Sam: already checked in."
    assert maya.says("waive sam") == "Sam: not marked as a no-show."


def test_without_a_roster_shown_the_class_on_now_or_next_is_used(studio):
    barre_with(studio, SAM, PRIYA)
    maya = Phone(studio, MAYA)
    assert maya.says("Sam and Priya are here") == "Checked in (Barre 18:00): Sam, Priya."
    assert maya.context["staff_roster"]["session_id"] == studio.session_at("Barre", TODAY_BARRE).id


def test_numbers_not_yet_seen_show_the_roster_first(studio):
    barre_with(studio, SAM, PRIYA)
    maya = Phone(studio, MAYA)
    assert maya.says("check in 2") == f"Barre 18:00, 2/10: 1 Sam Green 2 Priya Shah\n{FOOTER}"
    assert studio.register == {}
    assert maya.says("check in 2") == "Checked in: Priya."


def test_a_bare_check_in_asks_who(studio):
    barre_with(studio, SAM)
    assert Phone(studio, MAYA).says("check in") == (
        "Barre 18:00, 1/10: 1 Sam Green\nReply e.g. 'check in 1 3' or 'no show 2'.\n"
        "Who's here? Reply with their numbers or names, e.g. 'check in 1 3' or 'Sam is here'."
    )


def test_ambiguous_first_names_are_asked_about(studio):
    barre = barre_with(studio, SAM, PRIYA)
    studio.add_client("+447700900305", "Sam Lee", credits=3)
    studio.book_directly("+447700900305", barre)
    maya = Phone(studio, MAYA)
    maya.says("roster")
    assert maya.says("check in sam") == "Which Sam: 1 Sam Green or 3 Sam Lee? Reply with the number, e.g. 'check in 1'."
    assert studio.register == {}
    assert maya.says("check in sam l") == "Checked in: Sam Lee."
    assert maya.says("check in sam green and priya") == "Checked in: Sam Green, Priya."


def test_names_match_fuzzily_and_unknown_names_are_said(studio):
    barre_with(studio, SAM, PRIYA)
    maya = Phone(studio, MAYA)
    maya.says("roster")
    assert maya.says("check in pryia") == "Checked in: Priya."
    assert maya.says("check in zed") == "I can't see Zed on Barre 18:00. Reply 'roster' to see it."
    assert maya.says("check in green") == "Checked in: Sam."


def test_an_instructor_can_only_mark_classes_they_teach(studio):
    barre_with(studio, SAM)
    sara = Phone(studio, SARA)
    assert sara.says("check in Sam for barre") == "Sorry, you can only update the register for classes you teach."
    assert studio.register == {}
    assert sara.says("check in sam") == (
        "I can't see a class of yours on now or later today. Try e.g. 'who's in flow wed'."
    )


def test_an_instructor_marks_their_own_class(studio):
    reformer = studio.session_at("Reformer Pilates", local(2026, 11, 26, 7))
    studio.book_directly(ALEX, reformer.id)
    sara = Phone(studio, SARA)
    assert sara.says("who's in reformer thu 7am") == f"Reformer Pilates Thu 07:00, 1/8: 1 Alex Kim\n{FOOTER}"
    assert sara.says("no show 1") == "Marked no-show: Alex."
    assert register_of(studio) == {"Alex Kim": "no_show"}


def test_staff_help_is_kept_for_anything_else(studio):
    assert Phone(studio, MAYA).says("book yoga") == (
        "Hi Maya! Staff commands: 'today' (your classes), 'who's in 6pm' (roster)."
    )


# --------------------------------------------------------------------------- with the studio's own rules


@pytest.fixture
def lotus() -> FakeStudio:
    return FakeStudio()  # the plain ``FakeDesk``: the core's check-in / no-show / waive rules


def test_the_register_follows_the_studios_rules(lotus):
    barre = lotus.session_at("Barre", TODAY_BARRE)
    for phone in (SAM, PRIYA):
        lotus.book_directly(phone, barre.id)
    lotus.advance(timedelta(hours=8, minutes=30))  # 17:30: check-in is open, the class hasn't started
    maya = Phone(lotus, MAYA)
    assert maya.says("roster") == f"Barre 18:00, 2/10: 1 Sam Green 2 Priya Shah\n{FOOTER}"
    assert maya.says("check in 1") == "Checked in: Sam."
    assert maya.says("no show 2") == "Priya: the class hasn't started yet."
    lotus.advance(timedelta(minutes=45))  # 18:15: under way; the roster shown is still the one acted on
    assert maya.says("no show 2") == "Marked no-show: Priya."
    assert maya.says("undo") == "Undone: no-show for Priya."
    assert maya.says("roster").startswith("Barre 18:00, 2/10: 1 Sam Green (in) 2 Priya Shah")


def test_a_check_in_without_a_roster_finds_the_class_under_way(lotus):
    barre = lotus.session_at("Barre", TODAY_BARRE)
    lotus.book_directly(SAM, barre.id)
    lotus.advance(timedelta(hours=9, minutes=10))  # 18:10
    assert Phone(lotus, MAYA).says("Sam is here") == "Checked in (Barre 18:00): Sam."


# --------------------------------------------------------------------------- 1:1s they teach


@pytest.fixture
def with_pt(studio):
    """Tom takes 1:1s Tue/Thu 07:00-12:00 at Shoreditch; Sam has booked Tue 09:00."""
    studio.add_appointment_type("Personal Training")
    studio.add_availability(3, 1, time(7), time(12), location_id=1)
    studio.add_availability(3, 3, time(7), time(12), location_id=1)
    assert Phone(studio, SAM).says("PT with Tom tue 9am").startswith("Booked: Personal Training with Tom")
    return studio


def test_an_instructor_sees_the_1to1s_they_teach(with_pt):
    with_pt.advance(timedelta(hours=23))  # Tue 08:00
    tom = Phone(with_pt, TOM)
    assert tom.says("today") == "Today:\n09:00 Personal Training (1:1, Sam Green), Shoreditch"
    assert tom.says("my week") == (
        "The next 7 days:\n"
        "Tue 09:00 Personal Training (1:1, Sam Green), Shoreditch\n"
        "Wed 06:30 HIIT 45, Shoreditch (0/12)"
    )
    assert "Personal Training (1:1, Sam Green), Shoreditch, Tom" in Phone(with_pt, MAYA).says("today")


def test_a_1to1_is_checked_in_and_rostered_by_its_instructor(with_pt):
    with_pt.advance(timedelta(hours=23, minutes=55))  # Tue 08:55
    tom = Phone(with_pt, TOM)
    assert tom.says("Sam is here") == "Checked in (Personal Training 09:00): Sam."
    assert register_of(with_pt) == {"Sam Green": "checked_in"}
    assert tom.says("roster").startswith("Personal Training 09:00, 1/1: 1 Sam Green (in)")


def test_clients_never_see_someone_elses_1to1(with_pt):
    assert "Personal Training" not in Phone(with_pt, PRIYA).says("what's on tuesday?")


def test_an_empty_1to1_is_not_on_the_schedule(with_pt):
    booking = next(b for b in with_pt.bookings.values() if with_pt.sessions[b.session_id].kind == "appointment")
    booking.status = "cancelled"
    with_pt.advance(timedelta(hours=23))
    assert Phone(with_pt, TOM).says("today") == "You have no classes today."


# --------------------------------------------------------------------------- the class under way


def test_my_630_during_the_630_class_is_that_class_not_the_evening_one(studio):
    hiit = studio.session_at("HIIT 45", local(2026, 11, 25, 6, 30))
    studio.add_session(3, local(2026, 11, 25, 18, 30), 2, 2, 8)  # Sara's Reformer Wed 18:30
    studio.book_directly(SAM, hiit.id)
    studio.advance(timedelta(days=1, hours=21, minutes=35))  # Wed 06:35, HIIT under way
    tom = Phone(studio, TOM)
    assert tom.says("who's in my 6:30") == f"HIIT 45 06:30, 1/12: 1 Sam Green\n{FOOTER}"
    assert tom.says("check in 1") == "Checked in: Sam."
    assert tom.says("who's in my 6:30am") == f"HIIT 45 06:30, 1/12: 1 Sam Green (in)\n{FOOTER}"


def test_roster_during_a_class_is_the_class_under_way(studio):
    studio.advance(timedelta(days=3, hours=-1, minutes=-50))  # Thu 07:10, Reformer 07:00 under way
    assert Phone(studio, SARA).says("roster") == "Reformer Pilates 07:00, 0/8: nobody booked yet."


def test_an_owner_gets_her_own_class_first_else_the_one_under_way(studio):
    studio.advance(timedelta(days=1, hours=21, minutes=40))  # Wed 06:40: Tom's HIIT under way, Maya's Flow at 18:00
    assert Phone(studio, MAYA).says("roster") == "Vinyasa Flow 18:00, 0/12: nobody booked yet."
    studio.advance(timedelta(days=1, minutes=30))  # Thu 07:10: nothing of Maya's; Sara's Reformer under way
    assert Phone(studio, MAYA).says("roster") == "Reformer Pilates 07:00, 0/8: nobody booked yet."
