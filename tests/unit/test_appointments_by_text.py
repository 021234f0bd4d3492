"""1:1 appointments by text: free slots, booking one, the nearest when the time asked is taken.

Clock: Monday 23 Nov 2026, 09:00 London; Sam has 10 credits, Jon none. The studio offers
Personal Training (1 credit, 60 min): Sara at Clapham Mon/Wed/Thu/Fri 10:00-16:00, Tom at
Shoreditch Tue/Thu 07:00-12:00 (``FakeStudio.add_availability``).

Until ``machine.py`` routes appointments (``State.CHOOSING_SLOT`` in ``PENDING`` and
``appointments.start`` before the fresh intents), ``ApptPhone`` does that routing itself;
once it is wired, it is a plain ``Phone``.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.dialogue import appointments, machine, moving
from bot.dialogue.base import Ctx, State, Turn
from bot.nlu.parse import ParseContext, parse
from bot.replies import SMS_LIMIT, Words, gsm7, gsm7_length

from .fake_desk import ALEX, JON, SAM, SARA, TOM, FakeDesk, FakeStudio, Phone, local

WIRED = "choosing_slot" in State._value2member_map_ and State("choosing_slot") in machine.PENDING


class ApptPhone(Phone):
    def replies(self, body: str, *, button: str | None = None, profile_name: str | None = None) -> list[str]:
        if WIRED:
            return super().replies(body, button=button, profile_name=profile_name)
        desk = self.desk = FakeDesk(self.world, self.phone, self.channel)
        words = Words(desk.studio, self.channel)
        now = self.world.now()
        state, context = self.state, dict(self.context)
        if self.expires_at is not None and self.expires_at <= now:
            state, context = State.IDLE.value, {}
        p = parse(body, ParseContext(desk.now(), desk.studio.timezone, desk.studio.date_order, desk.catalog()))
        c = Ctx(desk, words, p, body, context)
        turn: Turn | None = appointments.choosing(c) if state == "choosing_slot" else None
        if turn is None:
            turn = appointments.start(c)
        if turn is None:
            turn = machine.respond(desk, words, state, context, p, body)
        self.turn = turn
        self.state = turn.state.value
        self.context = turn.context
        self.expires_at = now + turn.expires_in if turn.expires_in else None
        for reply in turn.replies:
            assert gsm7_length(gsm7(reply)) <= SMS_LIMIT and gsm7(reply) == reply
        return turn.replies


@pytest.fixture
def studio() -> FakeStudio:
    world = FakeStudio()
    world.add_appointment_type("Personal Training")
    sara, tom = (next(s.id for s in world.staff.values() if s.phone == p) for p in (SARA, TOM))
    for weekday in (0, 2, 3, 4):
        world.add_availability(sara, weekday, time(10), time(16), location_id=2)
    for weekday in (1, 3):
        world.add_availability(tom, weekday, time(7), time(12), location_id=1)
    return world


def appointments_of(studio: FakeStudio, phone: str) -> list[tuple[str, str]]:
    return [(name, at) for name, at, status in studio.bookings_of(phone) if name == "Personal Training"]


def test_a_free_slot_named_in_full_is_booked_at_once(studio):
    sam = ApptPhone(studio, SAM)
    assert sam.says("PT with Sara thursday 2pm") == (
        "Booked: Personal Training with Sara, Thu 26 Nov 14:00 at Clapham. 1 credit used, 9 left. "
        "Free to cancel until Thu 02:00."
    )
    assert appointments_of(studio, SAM) == [("Personal Training", "Thu 14:00")]
    assert studio.credits_of(SAM) == 9
    assert sam.state == State.IDLE.value


def test_a_taken_time_offers_the_nearest_free_slots_and_a_number_books(studio):
    ApptPhone(studio, ALEX).says("PT with Sara thursday 2pm")
    sam = ApptPhone(studio, SAM)
    assert sam.says("PT with Sara thursday 2pm") == (
        "Sara isn't free Thu 26 Nov 14:00. Nearest free:\n"
        "1) Thu 26 Nov 11:00 Sara, Clapham\n"
        "2) Thu 26 Nov 12:00 Sara, Clapham\n"
        "3) Thu 26 Nov 13:00 Sara, Clapham\n"
        "4) Thu 26 Nov 15:00 Sara, Clapham\n"
        "Reply a number to book."
    )
    assert sam.state == "choosing_slot" and len(sam.context["slots"]) == 4
    assert sam.says("3").startswith("Booked: Personal Training with Sara, Thu 26 Nov 13:00 at Clapham.")
    assert appointments_of(studio, SAM) == [("Personal Training", "Thu 13:00")]


def test_slots_on_a_day_are_listed_and_the_2pm_books(studio):
    sam = ApptPhone(studio, SAM)
    assert sam.says("any personal training slots friday?") == (
        "Free Personal Training slots on Fri 27 Nov:\n"
        "1) 10:00 Sara, Clapham\n2) 11:00 Sara, Clapham\n3) 12:00 Sara, Clapham\n"
        "4) 13:00 Sara, Clapham\n5) 14:00 Sara, Clapham\n6) 15:00 Sara, Clapham\n"
        "Reply a number to book (1 credit)."
    )
    assert studio.bookings_of(SAM) == []
    assert sam.says("the 2pm").startswith("Booked: Personal Training with Sara, Fri 27 Nov 14:00 at Clapham.")


def test_next_week_mornings_lists_morning_slots_with_their_days(studio):
    sam = ApptPhone(studio, SAM)
    reply = sam.says("book a 1:1 next week mornings")
    lines = reply.split("\n")
    assert lines[0] == "Free Personal Training slots in the week of Mon 30 Nov (mornings):"
    assert lines[1] == "1) Mon 30 Nov 10:00 Sara, Clapham"
    assert lines[2] == "2) Mon 30 Nov 11:00 Sara, Clapham"
    assert lines[3] == "3) Tue 1 Dec 07:00 Tom, Shoreditch"
    assert lines[-1] == "Reply a number to book (1 credit)."
    assert 3 <= len(sam.context["slots"]) <= 6
    assert all(s["starts_at"][11:13] < "12" for s in sam.context["slots"])
    assert sam.says("3").startswith("Booked: Personal Training with Tom, Tue 1 Dec 07:00 at Shoreditch.")


def test_no_day_means_the_next_seven_days(studio):
    sam = ApptPhone(studio, SAM)
    reply = sam.says("any pt slots with tom?")
    assert reply.startswith(
        "Free Personal Training with Tom slots in the next 7 days:\n1) Tue 24 Nov 07:00 Tom, Shoreditch\n"
    )
    assert all(s["instructor"] == "Tom Hart" for s in sam.context["slots"])


def test_one_slot_offered_is_booked_on_yes(studio):
    sam = ApptPhone(studio, SAM)
    assert sam.says("is tom free for pt tuesday 11am?") == (
        "Tom is free Tue 24 Nov 11:00 at Shoreditch for Personal Training (1 credit). Reply YES to book it."
    )
    assert sam.says("yes").startswith("Booked: Personal Training with Tom, Tue 24 Nov 11:00 at Shoreditch.")


def test_a_new_day_while_choosing_searches_again(studio):
    sam = ApptPhone(studio, SAM)
    sam.says("any personal training slots friday?")
    assert sam.says("what about monday?").startswith(
        "Free Personal Training slots on Mon 23 Nov:\n1) 10:00 Sara, Clapham\n"
    )
    assert sam.says("no") == "OK, no problem."


def test_a_slot_taken_meanwhile_offers_the_next_nearest(studio):
    sam = ApptPhone(studio, SAM)
    sam.says("any personal training slots friday?")
    ApptPhone(studio, ALEX).says("PT with Sara friday 10am")
    assert sam.says("1") == (
        "Sorry, Sara's 10:00 has just been taken. Nearest free:\n"
        "1) Fri 27 Nov 11:00 Sara, Clapham\n2) Fri 27 Nov 12:00 Sara, Clapham\n"
        "3) Fri 27 Nov 13:00 Sara, Clapham\n4) Fri 27 Nov 14:00 Sara, Clapham\n"
        "Reply a number to book."
    )
    assert sam.says("1").startswith("Booked: Personal Training with Sara, Fri 27 Nov 11:00")


def test_no_credits_gives_the_numbered_pack_menu_and_a_number_buys(studio):
    jon = ApptPhone(studio, JON)
    assert jon.says("PT with Sara thursday 2pm") == (
        "Personal Training takes 1 credit; you have 0. Buy a pack to book it?\n"
        "1) Drop-in: £18 (1 class)\n2) Unlimited Monthly: £120 (unlimited)\n3) 10 Class Pack: £150 (10 classes)\n"
        "Reply with the number."
    )
    assert studio.bookings_of(JON) == []
    assert jon.state == "choosing_package"
    assert "Pay securely here: https://pay.example/c/" in jon.says("1")
    assert studio.checkouts == [(studio.client(JON).id, 1)]


def test_nothing_free_that_day_offers_the_next_free_slots(studio):
    sam = ApptPhone(studio, SAM)
    reply = sam.says("any pt saturday?")
    assert reply.startswith(
        "Nothing is free on Sat 28 Nov. Free Personal Training slots on Mon 30 Nov:\n1) 10:00 Sara, Clapham\n"
    )


def test_a_class_is_not_an_appointment(studio):
    desk = FakeDesk(studio, SAM)
    words = Words(desk.studio)
    ctx = ParseContext(desk.now(), desk.studio.timezone, desk.studio.date_order, desk.catalog())
    for text in ("book yoga wed 6pm", "what's on tomorrow?", "cancel my pt thursday"):
        c = Ctx(desk, words, parse(text, ctx), text, {})
        assert appointments.start(c) is None
    assert desk.calls == []


def test_appointments_are_us_formatted_for_us_studios(studio):
    studio.view = type(studio.view)("Lotus", "Europe/London", "USD", "MDY", None, None)
    sam = ApptPhone(studio, SAM)
    assert sam.says("PT with Sara thursday 2pm").startswith(
        "Booked: Personal Training with Sara, Thu Nov 26 2pm at Clapham."
    )


@pytest.mark.skipif(not WIRED, reason="machine.py does not route appointments yet")
def test_wired_through_the_machine(studio):
    sam = Phone(studio, SAM)
    assert sam.says("any personal training slots friday?").startswith("Free Personal Training slots on Fri 27 Nov:")
    assert sam.says("2").startswith("Booked: Personal Training with Sara, Fri 27 Nov 11:00")


# --------------------------------------------------------------------------- the overlap rule


def test_pt_at_the_time_of_a_class_booked_asks_first_then_no_keeps_it_unbooked(studio):
    studio.book_directly(SAM, studio.session_at("Reformer Pilates", local(2026, 11, 26, 7)).id)
    sam = Phone(studio, SAM)
    assert sam.says("also PT with Tom thu 7am") == (
        "You're already booked into Reformer Pilates Thu 07:00 at that time. "
        "Book Personal Training with Tom Thu 07:00 too? Reply YES or NO."
    )
    assert appointments_of(studio, SAM) == []
    assert sam.says("no") == "OK, I haven't booked it."
    sam.says("PT with Tom thu 7am")
    assert sam.says("yes").startswith("Booked: Personal Training with Tom, Thu 26 Nov 07:00 at Shoreditch.")
    assert appointments_of(studio, SAM) == [("Personal Training", "Thu 07:00")]


def test_a_studio_that_refuses_overlaps_says_so(studio):
    studio.policy.overlap_rule = "refuse"
    studio.book_directly(SAM, studio.session_at("Reformer Pilates", local(2026, 11, 26, 7)).id)
    assert (
        Phone(studio, SAM)
        .says("PT with Tom thu 7am")
        .startswith(
            "You're booked into Reformer Pilates Thu 07:00 at that time, so I can't book Personal Training Thu 07:00"
        )
    )
    assert appointments_of(studio, SAM) == []


# --------------------------------------------------------------------------- picking from the slots


@pytest.mark.parametrize(
    ("reply", "booked"),
    [
        ("the later one", "Fri 27 Nov 15:00"),
        ("the earliest one", "Fri 27 Nov 10:00"),
        ("the 2pm", "Fri 27 Nov 14:00"),
        ("2", "Fri 27 Nov 11:00"),
        ("friday 1pm", "Fri 27 Nov 13:00"),
    ],
)
def test_a_reply_picks_from_the_slots(studio, reply, booked):
    sam = Phone(studio, SAM)
    sam.says("any personal training slots friday?")
    assert sam.says(reply).startswith(f"Booked: Personal Training with Sara, {booked} at Clapham.")


def test_a_time_on_several_days_asks_which(studio):
    sam = Phone(studio, SAM)
    assert sam.says("any pt slots with tom?").startswith("Free Personal Training with Tom slots in the next 7 days:")
    assert sam.says("the 7am") == (
        "Which one?\n1) Tue 24 Nov 07:00 Tom, Shoreditch\n2) Thu 26 Nov 07:00 Tom, Shoreditch\nReply a number to book."
    )
    assert sam.says("the later one").startswith("Booked: Personal Training with Tom, Thu 26 Nov 07:00")


def test_another_instructor_keeps_the_day_and_a_time_alone_keeps_it_too(studio):
    sam = Phone(studio, SAM)
    assert sam.says("PT with Tom friday").startswith("Nothing is free on Fri 27 Nov.")
    assert sam.says("ok what about with sara then").startswith(
        "Free Personal Training with Sara slots on Fri 27 Nov:\n1) 10:00 Sara, Clapham\n"
    )
    assert sam.says("what about 3pm") == (
        "Sara is free Fri 27 Nov 15:00 at Clapham for Personal Training (1 credit). Reply YES to book it."
    )
    assert sam.says("yes").startswith("Booked: Personal Training with Sara, Fri 27 Nov 15:00")


def test_a_time_not_on_the_list_searches_that_day_again(studio):
    sam = Phone(studio, SAM)
    sam.says("PT with Tom friday")
    sam.says("what about with sara")
    assert sam.says("4pm").startswith("Sara isn't free Fri 27 Nov 16:00. Nearest free:\n1) Fri 27 Nov 12:00 Sara")


# --------------------------------------------------------------------------- moving a 1:1


@pytest.fixture
def moves_wired(monkeypatch):
    """``moving.plan`` hands a 1:1 booking to ``appointments.move`` (the lead's line in
    bot/dialogue/moving.py); harmless once that line is in."""
    plan = moving.plan

    def delegating(c, booking, target):
        if appointments.is_appointment(c, booking):
            return appointments.move(c, booking, target)
        return plan(c, booking, target)

    monkeypatch.setattr(moving, "plan", delegating)


def test_actually_make_it_a_time_moves_the_1to1_on_its_day(studio, moves_wired):
    sam = Phone(studio, SAM)
    sam.says("PT with Tom tue 9am")
    assert sam.says("actually make it 11am") == (
        "Moved: Personal Training with Tom, Tue 24 Nov 11:00 at Shoreditch (was 09:00). 9 credits left."
    )
    assert [b for b in studio.bookings_of(SAM) if b[2] == "confirmed"] == [
        ("Personal Training", "Tue 11:00", "confirmed")
    ]
    assert studio.credits_of(SAM) == 9


def test_move_a_1to1_to_another_day_then_pick_a_time(studio, moves_wired):
    sam = Phone(studio, SAM)
    sam.says("PT with Tom tue 9am")
    reply = sam.says("actually can i move it to thursday with tom")
    assert reply.startswith("Free Personal Training with Tom slots on Thu 26 Nov:\n1) 07:00 Tom, Shoreditch\n")
    assert reply.endswith("Reply a number to move it there.")
    assert sam.says("10am") == (
        "Moved: Personal Training with Tom, Thu 26 Nov 10:00 at Shoreditch (was Tue 09:00). 9 credits left."
    )
    assert [b for b in studio.bookings_of(SAM) if b[2] == "confirmed"] == [
        ("Personal Training", "Thu 10:00", "confirmed")
    ]


def test_a_1to1_moved_late_says_what_it_costs_and_waits_for_yes(studio, moves_wired):
    sam = Phone(studio, SAM)
    sam.says("PT with Tom tue 9am")
    studio.advance(timedelta(hours=14))  # Mon 23:00: Tue 09:00 is inside the 12h window
    sam = Phone(studio, SAM)
    assert sam.says("move my pt to thursday 10am") == (
        "Personal Training Tue 09:00 is less than 12h away, so moving it loses that credit. "
        "Move to Tom Thu 10:00 anyway? Reply YES or NO."
    )
    assert sam.says("no") == "OK, your booking stays as it is."
    assert [b for b in studio.bookings_of(SAM) if b[2] == "confirmed"] == [
        ("Personal Training", "Tue 09:00", "confirmed")
    ]
    sam.says("move my pt to thursday 10am")
    assert sam.says("yes").startswith("Moved: Personal Training with Tom, Thu 26 Nov 10:00")
    assert studio.credits_of(SAM) == 8
    assert ("Personal Training", "Tue 09:00", "late_cancelled") in studio.bookings_of(SAM)


# --------------------------------------------------------------------------- asking about it


def test_do_you_do_personal_training_is_answered(studio):
    assert Phone(studio, SAM).says("hey do you guys do personal training?") == (
        "Yes! Personal Training is 1:1 with Sara or Tom: 60 min, 1 credit. To book, text e.g. 'PT with Sara mon 10:00'."
    )


def test_about_answers_a_new_number_too(studio):
    desk = FakeDesk(studio, "+447700900999")
    ctx = ParseContext(desk.now(), desk.studio.timezone, desk.studio.date_order, desk.catalog())
    text = "do you offer personal training?"
    turn = appointments.about(Ctx(desk, Words(desk.studio), parse(text, ctx), text, {}))
    assert turn is not None and turn.replies[0].startswith("Yes! Personal Training is 1:1 with Sara or Tom")
    for text in ("PT with Sara friday", "cancel my pt", "book yoga"):
        assert appointments.about(Ctx(desk, Words(desk.studio), parse(text, ctx), text, {})) is None
