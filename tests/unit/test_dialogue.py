"""Conversations driven through parse + respond over an in-memory studio (no database).

Each test texts the bot as a client would, turn after turn, carrying the conversation's
state and context as the engine does, and asserts the replies, the studio's resulting
bookings, credits and waitlist, and the state the conversation is left in.
Clock: Monday 23 Nov 2026, 09:00 London. Sam has 10 credits, Priya a membership, Jon
nothing, Alex 5 credits; Maya is the owner. Timetable: see ``fake_desk.FakeStudio``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.dialogue import State

from .fake_desk import (
    ALEX,
    JON,
    MAYA,
    PRIYA,
    SAM,
    STRANGER,
    FakePolicy,
    FakeStudio,
    Phone,
    local,
)

WED_YOGA = local(2026, 11, 25, 18)
TUE_YIN = local(2026, 11, 24, 19, 30)
THU_REFORMER_AM, THU_REFORMER_PM = local(2026, 11, 26, 7), local(2026, 11, 26, 18, 30)
WED_HIIT = local(2026, 11, 25, 6, 30)
TODAY_BARRE = local(2026, 11, 23, 18)  # nine hours away: inside the 12h cancel window

UNKNOWN = (
    "Sorry, I didn't catch that. Try 'book yoga tomorrow 6pm', 'my bookings' or 'cancel thu reformer'. "
    "Reply HELP for contact details."
)
OPTED_OUT = "You're unsubscribed from Lotus Yoga & Movement texts and won't get any more. Reply START to resubscribe."
ASK_NAME = "Hi! Welcome to Lotus Yoga & Movement. I don't think we've met: what's your first name?"


@pytest.fixture
def studio() -> FakeStudio:
    return FakeStudio()


def full_hiit(studio: FakeStudio) -> int:
    """Alex holds the only place in Wednesday's HIIT."""
    hiit = studio.session_at("HIIT 45", WED_HIIT)
    studio.book_directly(ALEX, hiit.id)
    studio.fill(hiit.id)
    return hiit.id


# --------------------------------------------------------------------------- booking


def test_book_a_clear_class_in_one_text(studio):
    sam = Phone(studio, SAM)
    assert sam.says("book yoga wed 6pm") == (
        "Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. 9 credits left. "
        "Free to cancel until Wed 06:00."
    )
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]
    assert studio.credits_of(SAM) == 9
    wed_yoga = studio.session_at("Vinyasa Flow", WED_YOGA).id
    assert sam.state == State.IDLE.value and sam.context["last_booked"] == wed_yoga


def test_a_bare_hour_is_read_against_the_timetable(studio):
    sam = Phone(studio, SAM)
    assert sam.says("yoga at 6 on wednesday pls").startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]


def test_membership_covers_it(studio):
    assert "Your membership covers it." in Phone(studio, PRIYA).says("book yin tomorrow")
    assert studio.bookings_of(PRIYA) == [("Yin Yoga", "Tue 19:30", "confirmed")]


def test_ambiguous_request_offers_numbered_choices_and_a_number_picks(studio):
    sam = Phone(studio, SAM)
    assert sam.says("book reformer thursday") == (
        "Which one shall I book?\n"
        "1) Reformer Pilates Thu 26 Nov 07:00 Clapham Sara (8 left)\n"
        "2) Reformer Pilates Thu 26 Nov 18:30 Clapham Sara (8 left)\n"
        "Reply with the number."
    )
    assert sam.state == State.CHOOSING_SESSION.value
    assert sam.context["action"] == "book" and len(sam.context["options"]) == 2
    assert studio.bookings_of(SAM) == []

    assert sam.says("2") == (
        "Booked: Reformer Pilates, Thu 26 Nov 18:30 at Clapham with Sara. 9 credits left. "
        "Free to cancel until Thu 06:30."
    )
    assert studio.bookings_of(SAM) == [("Reformer Pilates", "Thu 18:30", "confirmed")]
    assert sam.state == State.IDLE.value


def test_a_choice_can_be_picked_by_its_time(studio):
    sam = Phone(studio, SAM)
    sam.says("book reformer thursday")
    assert sam.says("the 7am one").startswith("Booked: Reformer Pilates, Thu 26 Nov 07:00")
    assert studio.bookings_of(SAM) == [("Reformer Pilates", "Thu 07:00", "confirmed")]


def test_schedule_question_then_a_number_books(studio):
    sam = Phone(studio, SAM)
    assert sam.says("what's on tomorrow?") == (
        "Tue 24 Nov:\n1) 19:30 Yin Yoga, Shoreditch: 10 spots left\nReply a number to book."
    )
    assert sam.state == State.CHOOSING_SESSION.value
    assert sam.says("1").startswith("Booked: Yin Yoga, Tue 24 Nov 19:30 at Shoreditch with Maya.")
    assert studio.bookings_of(SAM) == [("Yin Yoga", "Tue 19:30", "confirmed")]


def test_a_pending_choice_lapses_after_half_an_hour(studio):
    sam = Phone(studio, SAM)
    sam.says("book reformer thursday")
    studio.advance(timedelta(minutes=31))
    assert sam.says("2") == UNKNOWN
    assert studio.bookings_of(SAM) == []


def test_booking_twice_says_already_booked(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("book yoga wed 6pm") == (
        "You're already booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya."
    )
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]
    assert studio.credits_of(SAM) == 9


def test_no_credits_and_an_expired_pack_book_nothing(studio):
    assert Phone(studio, JON).says("book reformer thu 7am") == (
        "Reformer Pilates takes 1 credit; you have 0. Buy a pack to book it?\n"
        "1) Drop-in: \u00a318 (1 class)\n2) Unlimited Monthly: \u00a3120 (unlimited)\n"
        "3) 10 Class Pack: \u00a3150 (10 classes)\n"
        "Reply with the number."
    )
    assert studio.bookings_of(JON) == []
    studio.client(ALEX).expires_at = local(2026, 11, 24, 12)  # runs out before Wednesday
    assert (
        Phone(studio, ALEX)
        .says("book yoga wed 6pm")
        .startswith("Your pack has expired. Buy a pack to book it?\n1) Drop-in")
    )
    assert studio.bookings_of(ALEX) == [] and studio.credits_of(ALEX) == 5


def test_outside_the_booking_window_says_when_it_opens(studio):
    assert Phone(studio, SAM).says("book yoga 16 dec 6pm") == (
        "Booking for that class opens Wed 2 Dec 18:00. Text me then!"
    )
    assert studio.bookings_of(SAM) == []


def test_no_such_class_suggests_the_nearest(studio):
    sam = Phone(studio, SAM)
    reply = sam.says("book hiit tomorrow")
    assert reply == (
        "I couldn't find HIIT 45 on Tue 24 Nov. Nearest:\n"
        "1) HIIT 45 Wed 25 Nov 06:30 Shoreditch Tom (12 left)\nReply with a number to book."
    )
    assert sam.state == State.CHOOSING_SESSION.value
    assert sam.says("1").startswith("Booked: HIIT 45, Wed 25 Nov 06:30")


# --------------------------------------------------------------------------- waitlist


def test_full_class_offers_the_waitlist_and_yes_joins(studio):
    full_hiit(studio)
    sam = Phone(studio, SAM)
    assert sam.says("book hiit wed 6:30am") == (
        "HIIT 45, Wed 25 Nov 06:30 is full. Want me to add you to the waitlist? Reply YES or NO."
    )
    assert sam.state == State.CONFIRM_WAITLIST.value
    assert sam.says("yes") == (
        "You're on the waitlist for HIIT 45, Wed 25 Nov 06:30: number 1. I'll text you if a spot opens."
    )
    assert studio.waitlist_of(SAM) == [("HIIT 45", "Wed 06:30", "waiting")]
    assert studio.bookings_of(SAM) == [] and studio.credits_of(SAM) == 10
    assert sam.state == State.IDLE.value


def test_full_class_and_no_leaves_the_waitlist_alone(studio):
    full_hiit(studio)
    sam = Phone(studio, SAM)
    sam.says("book hiit wed 6:30am")
    assert sam.says("no") == "OK, no problem."
    assert studio.waitlist_of(SAM) == [] and sam.state == State.IDLE.value


def test_join_the_waitlist_in_words_and_twice_gives_the_position(studio):
    full_hiit(studio)
    Phone(studio, SAM).says("put me on the waitlist for hiit wed")
    priya = Phone(studio, PRIYA)
    assert priya.says("add me to the waiting list for hiit wednesday").startswith(
        "You're on the waitlist for HIIT 45, Wed 25 Nov 06:30: number 2."
    )
    assert priya.says("add me to the waiting list for hiit wednesday") == ("You're already on that waitlist: number 2.")


def test_waitlist_not_needed_offers_to_book_and_yes_books(studio):
    sam = Phone(studio, SAM)
    assert sam.says("put me on the waitlist for yin tomorrow") == (
        "Good news: Yin Yoga, Tue 24 Nov 19:30 has 10 spots. Reply YES to book it."
    )
    assert sam.state == State.CONFIRM_BOOK.value
    assert sam.says("yes").startswith("Booked: Yin Yoga, Tue 24 Nov 19:30")
    assert studio.bookings_of(SAM) == [("Yin Yoga", "Tue 19:30", "confirmed")]
    assert studio.waitlist_of(SAM) == []


def test_a_freed_spot_is_offered_and_yes_claims_it(studio):
    sid = full_hiit(studio)
    sam, alex = Phone(studio, SAM), Phone(studio, ALEX)
    sam.says("book hiit wed 6:30am")
    sam.says("yes")
    assert alex.says("cancel hiit") == "Cancelled: HIIT 45, Wed 25 Nov 06:30. 1 credit back. You have 5."
    assert studio.notices == [("waitlist_offer", SAM, sid)]
    studio.advance(timedelta(minutes=10))
    assert sam.says("YES") == (
        "Booked: HIIT 45, Wed 25 Nov 06:30 at Shoreditch with Tom. 9 credits left. Free to cancel until Tue 18:30."
    )
    assert studio.bookings_of(SAM) == [("HIIT 45", "Wed 06:30", "confirmed")]
    assert studio.waitlist_of(SAM) == [("HIIT 45", "Wed 06:30", "claimed")]
    assert sam.says("yes") == "There's nothing waiting for a yes right now. Text 'my bookings' or 'book ...'."


def test_no_to_an_offer_passes_it_to_the_next_in_line(studio):
    sid = full_hiit(studio)
    Phone(studio, SAM).says("put me on the waitlist for hiit wed")
    Phone(studio, PRIYA).says("put me on the waitlist for hiit wed")
    Phone(studio, ALEX).says("cancel hiit")
    assert Phone(studio, SAM).says("no thanks") == "No problem, I've passed the spot on."
    assert studio.waitlist_of(SAM) == [("HIIT 45", "Wed 06:30", "declined")]
    assert studio.notices == [("waitlist_offer", SAM, sid), ("waitlist_offer", PRIYA, sid)]
    assert Phone(studio, PRIYA).says("yes") == (
        "Booked: HIIT 45, Wed 25 Nov 06:30 at Shoreditch with Tom. "
        "Your membership covers it. Free to cancel until Tue 18:30."
    )
    assert studio.bookings_of(PRIYA) == [("HIIT 45", "Wed 06:30", "confirmed")]


def test_yes_after_the_offer_ran_out_with_the_spot_still_open_offers_it_and_yes_books_it(studio):
    full_hiit(studio)
    sam = Phone(studio, SAM)
    sam.says("put me on the waitlist for hiit wed")
    Phone(studio, ALEX).says("cancel hiit")
    studio.advance(timedelta(minutes=31))
    studio.expire_offers()
    assert sam.says("yes") == (
        "Your offer for HIIT 45, Wed 25 Nov 06:30 has ended, but the spot is still open: reply YES to book it."
    )
    assert studio.bookings_of(SAM) == []
    assert sam.says("yes").startswith("Booked: HIIT 45, Wed 25 Nov 06:30")
    assert studio.bookings_of(SAM) == [("HIIT 45", "Wed 06:30", "confirmed")]


def test_yes_after_the_offer_ran_out_says_the_spot_has_gone_when_it_was_taken(studio):
    full_hiit(studio)
    sam = Phone(studio, SAM)
    sam.says("put me on the waitlist for hiit wed")
    Phone(studio, ALEX).says("cancel hiit")
    studio.advance(timedelta(minutes=31))
    studio.expire_offers()
    assert Phone(studio, ALEX).says("book hiit wed").startswith("Booked: HIIT 45")
    assert sam.says("yes") == (
        "Sorry, that spot in HIIT 45, Wed 25 Nov 06:30 has gone: the offer ran out. You can still book another class."
    )
    assert studio.bookings_of(SAM) == []


def test_whatsapp_button_claims_an_offer(studio):
    sid = full_hiit(studio)
    sam = Phone(studio, SAM, channel="whatsapp")
    sam.says("put me on the waitlist for hiit wed")
    Phone(studio, ALEX).says("cancel hiit")
    assert studio.notices == [("waitlist_offer", SAM, sid)]
    assert sam.says("", button=f"claim:offer:{sid}").startswith("Booked: HIIT 45, Wed 25 Nov 06:30")
    assert studio.bookings_of(SAM) == [("HIIT 45", "Wed 06:30", "confirmed")]
    assert sam.desk.calls == [f"claim_offer {sid}"]


# --------------------------------------------------------------------------- cancelling


def test_cancel_inside_the_window_refunds_at_once(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("cancel wed yoga") == "Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 10."
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "cancelled")]
    assert studio.credits_of(SAM) == 10
    assert sam.desk.calls == ["preview_cancel 1", "cancel 1 late=False"]


def test_cancel_yoga_is_a_cancellation_not_an_opt_out(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("cancel yoga").startswith("Cancelled: Vinyasa Flow, Wed 25 Nov 18:00.")
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "cancelled")]
    assert studio.client(SAM).sms_opted_out is False


def test_late_cancel_asks_first_and_yes_cancels_keeping_the_credit(studio):
    sam = Phone(studio, SAM)
    sam.says("book barre today")
    assert studio.credits_of(SAM) == 9
    assert sam.says("cancel my booking") == (
        "Barre Mon 23 Nov 18:00 is less than 12h away, so you'll lose the credit. "
        "Reply YES to cancel anyway, or NO to keep your spot."
    )
    assert sam.state == State.CONFIRM_LATE_CANCEL.value
    assert studio.bookings_of(SAM) == [("Barre", "Mon 18:00", "confirmed")]
    assert sam.says("yes") == "Cancelled late: Barre, Mon 23 Nov 18:00. The credit is used."
    assert studio.bookings_of(SAM) == [("Barre", "Mon 18:00", "late_cancelled")]
    assert studio.credits_of(SAM) == 9
    assert sam.state == State.IDLE.value


def test_late_cancel_no_keeps_the_booking(studio):
    sam = Phone(studio, SAM)
    sam.says("book barre today")
    sam.says("cancel barre")
    assert sam.says("no") == "OK, your spot is kept. See you there!"
    assert studio.bookings_of(SAM) == [("Barre", "Mon 18:00", "confirmed")]
    assert sam.state == State.IDLE.value


def test_late_cancel_with_a_fee_states_it_and_refunds_the_credit():
    studio = FakeStudio(policy=FakePolicy(late_cancel="fee", late_cancel_fee=Decimal(5)))
    sam = Phone(studio, SAM)
    sam.says("book barre today")
    assert sam.says("cancel barre") == (
        "Barre Mon 23 Nov 18:00 is less than 12h away, so there's a £5 late-cancel "
        "fee. Reply YES to cancel anyway, or NO to keep your spot."
    )
    assert sam.says("yes").startswith("Cancelled late: Barre, Mon 23 Nov 18:00. A £5 late-cancel fee applies.")
    assert studio.client(SAM).owed == Decimal(5) and studio.credits_of(SAM) == 10
    assert Phone(studio, SAM).says("balance") == "You have 10 credits (first expire Fri 22 Jan). You owe £5 in fees."


def test_several_matching_bookings_ask_which_one(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    sam.says("book yin tue")
    assert sam.says("cancel yoga") == (
        "Which booking should I cancel?\n1) Yin Yoga Tue 24 Nov 19:30\n"
        "2) Vinyasa Flow Wed 25 Nov 18:00\nReply with the number."
    )
    assert sam.state == State.CHOOSING_BOOKING.value
    assert sam.says("2") == "Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 9."
    assert studio.bookings_of(SAM) == [
        ("Vinyasa Flow", "Wed 18:00", "cancelled"),
        ("Yin Yoga", "Tue 19:30", "confirmed"),
    ]


def test_cancel_by_number_from_my_bookings(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    sam.says("book reformer thu 7am")
    assert sam.says("my bookings") == (
        "Your bookings:\n1) Vinyasa Flow Wed 25 Nov 18:00 Shoreditch\n"
        "2) Reformer Pilates Thu 26 Nov 07:00 Clapham\n"
        "To cancel one, reply e.g. 'cancel 1'."
    )
    assert sam.says("cancel 2").startswith("Cancelled: Reformer Pilates, Thu 26 Nov 07:00.")
    assert studio.bookings_of(SAM) == [
        ("Vinyasa Flow", "Wed 18:00", "confirmed"),
        ("Reformer Pilates", "Thu 07:00", "cancelled"),
    ]


def test_c_after_a_reminder_cancels_that_booking(studio):
    booking = studio.book_directly(SAM, studio.session_at("Vinyasa Flow", WED_YOGA).id)
    sam = Phone(studio, SAM)
    sam.state, sam.context = State.REMINDED.value, {"booking_id": booking.id}
    assert sam.says("C") == "Cancelled: Vinyasa Flow, Wed 25 Nov 18:00. 1 credit back. You have 10."
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "cancelled")]


def test_nothing_to_cancel(studio):
    assert Phone(studio, SAM).says("cancel my yoga") == (
        "You have no upcoming bookings. Text e.g. 'book yoga tomorrow 6pm'."
    )


# --------------------------------------------------------------------------- compliance


def test_bare_cancel_is_an_opt_out_never_a_booking_cancel(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    assert sam.says("CANCEL") == (
        "You're unsubscribed from Lotus Yoga & Movement texts. You're still booked into Vinyasa Flow Wed 18:00. "
        "To cancel a class, reply START, then text e.g. 'cancel vinyasa wed'."
    )
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]
    assert studio.client(SAM).sms_opted_out is True
    assert sam.says("book yin tue") == ""  # opted out: silence, nothing booked
    assert studio.bookings_of(SAM) == [("Vinyasa Flow", "Wed 18:00", "confirmed")]
    assert sam.says("HELP").startswith("Lotus Yoga & Movement: book, cancel and check classes by text.")
    assert sam.says("START") == "Welcome back! You'll get texts from Lotus Yoga & Movement again."
    assert sam.says("book yin tue").startswith("Booked: Yin Yoga")


def test_bare_cancel_during_a_late_cancel_question_is_still_an_opt_out(studio):
    sam = Phone(studio, SAM)
    sam.says("book barre today")
    sam.says("cancel barre")
    assert sam.says("cancel") == (
        "You're unsubscribed from Lotus Yoga & Movement texts. You're still booked into Barre Mon 18:00. "
        "To cancel a class, reply START, then text e.g. 'cancel barre mon'."
    )
    assert studio.bookings_of(SAM) == [("Barre", "Mon 18:00", "confirmed")]
    assert sam.state == State.IDLE.value


def test_stop_opts_out_in_any_state(studio):
    sam = Phone(studio, SAM)
    sam.says("book reformer thursday")
    assert sam.says("Stop.") == OPTED_OUT
    assert studio.client(SAM).sms_opted_out is True
    assert studio.bookings_of(SAM) == []


def test_soft_opt_out_asks_first(studio):
    sam = Phone(studio, SAM)
    assert sam.says("please stop texting me") == (
        "Do you want to stop all texts from Lotus Yoga & Movement? Reply YES to stop, or NO to keep them."
    )
    assert sam.state == State.CONFIRM_OPT_OUT.value
    assert sam.says("no") == "OK, you'll keep getting our texts."
    assert studio.client(SAM).sms_opted_out is False
    sam.says("please stop texting me")
    assert sam.says("yes") == OPTED_OUT
    assert studio.client(SAM).sms_opted_out is True


# --------------------------------------------------------------------------- account and questions


def test_balance_questions(studio):
    assert Phone(studio, SAM).says("how many credits do i have") == "You have 10 credits (first expire Fri 22 Jan)."
    assert Phone(studio, PRIYA).says("what's my balance?") == "Your membership is active until Sun 13 Dec."
    assert Phone(studio, JON).says("credits") == "You have 0 credits."


def test_prices_and_buying_a_pack_by_text(studio):
    jon = Phone(studio, JON)
    assert jon.says("prices").startswith("Prices:\nDrop-in: £18 (1 class, 30 days)\n")
    assert jon.says("buy 10 pack") == (
        "10 Class Pack, £150. Pay securely here: https://pay.example/c/3-2\n"
        "It's added to your account as soon as it's paid."
    )
    assert jon.says("buy").startswith("Which would you like to buy?\n1) Drop-in: £18 (1 class)")
    assert jon.state == State.CHOOSING_PACKAGE.value
    assert jon.says("1").startswith("Drop-in, £18. Pay securely here:")
    assert studio.checkouts == [(3, 2), (3, 1)]


def test_talk_to_a_person_is_forwarded_to_the_team(studio):
    assert Phone(studio, SAM).says("can I speak to someone please") == (
        "I've passed your message to the team. Someone will get back to you soon."
    )
    assert studio.forwarded == ["can I speak to someone please"]


def test_staff_roster_and_today(studio):
    Phone(studio, SAM).says("book yoga wed 6pm")
    maya = Phone(studio, MAYA)
    assert maya.says("who's in wed 6pm") == (
        "Vinyasa Flow Wed 18:00, 1/12: 1 Sam Green\nReply e.g. 'check in 1 3' or 'no show 2'."
    )
    assert maya.says("today") == "Today:\n18:00 Barre, Shoreditch (0/10)"
    assert maya.says("book yoga") == "Hi Maya! Staff commands: 'today' (your classes), 'who's in 6pm' (roster)."


# --------------------------------------------------------------------------- new numbers


def test_a_new_number_is_asked_its_name_then_the_request_carries_on(studio):
    new = Phone(studio, STRANGER)
    assert new.says("book yoga wed 6pm") == ASK_NAME
    assert new.state == State.AWAITING_NAME.value and new.context["pending"] == "book yoga wed 6pm"
    assert studio.client(STRANGER) is None
    assert new.says("book yoga") == "Sorry, what's your first name?"  # not a name: asked again
    assert new.says("I'm jane").startswith(
        "Nice to meet you, Jane!\nVinyasa Flow takes 1 credit; you have 0. Buy a pack to book it?\n1) Drop-in"
    )
    assert studio.client(STRANGER).name == "Jane"
    assert studio.bookings_of(STRANGER) == []
    assert new.state == State.CHOOSING_PACKAGE.value


@pytest.mark.parametrize("answer", ["YES", "y", "maybe", "lol", "Vinyasa", "ok sure", "I just want to book a class"])
def test_an_answer_to_the_name_question_that_is_not_a_name_is_asked_again_not_saved(studio, answer):
    """Issue 14: "YES", a single letter, a class's name or a sentence is never saved as a name."""
    new = Phone(studio, STRANGER)
    assert new.says("book yoga wed 6pm") == ASK_NAME
    assert new.says(answer) == "Sorry, what's your first name?"
    assert studio.client(STRANGER) is None
    assert new.state == State.AWAITING_NAME.value
    assert new.says("Jo").startswith("Nice to meet you, Jo!")
    assert studio.client(STRANGER).name == "Jo"


def test_stop_while_we_ask_a_name_opts_out_and_saves_no_name(studio):
    new = Phone(studio, STRANGER)
    new.says("book yoga wed 6pm")
    assert new.says("STOP").startswith("You're unsubscribed")
    client = studio.client(STRANGER)
    assert client is None or client.name in (None, "")


def test_a_new_number_gets_its_question_answered_first_and_its_name_asked_when_it_acts(studio):
    """Issue 13: a question needs no account, so it is answered at once; the name is asked
    when the new client picks a class, and then that pick is carried out."""
    new = Phone(studio, STRANGER)
    assert new.says("what's on tomorrow?") == (
        "Tue 24 Nov:\n1) 19:30 Yin Yoga, Shoreditch: 10 spots left\nReply a number to book."
    )
    assert new.state == State.CHOOSING_SESSION.value
    assert new.says("1") == ASK_NAME
    assert studio.client(STRANGER) is None
    assert new.says("Lee").startswith("Nice to meet you, Lee!\nYin Yoga takes 1 credit; you have 0.")
    assert studio.client(STRANGER).name == "Lee"


def test_a_new_number_saying_hi_gets_the_greeting_after_its_name(studio):
    new = Phone(studio, STRANGER)
    new.says("hi")
    assert new.says("it's Ana") == (
        "Nice to meet you, Ana!\nHi Ana! Text me things like 'book yoga tomorrow 6pm', "
        "'what's on thursday', 'my bookings' or 'cancel thu reformer'."
    )


def test_keywords_from_a_new_number_are_answered_without_asking_a_name(studio):
    assert Phone(studio, STRANGER).says("HELP").startswith("Lotus Yoga & Movement: book, cancel")
    assert Phone(studio, STRANGER).says("STOP") == OPTED_OUT
    assert studio.client(STRANGER).name is None and studio.client(STRANGER).sms_opted_out is True


def test_whatsapp_profile_name_spares_the_question(studio):
    new = Phone(studio, STRANGER, channel="whatsapp")
    reply = new.says("what's on thursday?", profile_name="Ines Duarte")
    assert reply.startswith("Thu 26 Nov:\n1) 07:00 Reformer Pilates, Clapham: 8 spots left")
    assert studio.client(STRANGER).name == "Ines Duarte"


# --------------------------------------------------------------------------- faults found (xfail until fixed)


def test_cancel_n_while_choosing_a_class_does_not_book_it(studio):
    sam = Phone(studio, SAM)
    sam.says("book yoga wed 6pm")
    sam.says("my bookings")
    sam.says("what's on tomorrow?")  # lists Tue's Yin Yoga as option 1
    reply = sam.says("cancel 1")
    assert not reply.startswith("Booked")
    assert ("Yin Yoga", "Tue 19:30", "confirmed") not in studio.bookings_of(SAM)


def test_a_different_day_at_a_listed_time_is_not_a_pick(studio):
    sam = Phone(studio, SAM)
    sam.says("book reformer thursday")
    sam.says("reformer friday 6:30pm instead")
    assert studio.bookings_of(SAM) == []


def test_yes_cancel_it_answers_the_late_cancel_question(studio):
    sam = Phone(studio, SAM)
    sam.says("book barre today")
    sam.says("cancel barre")
    assert sam.says("yes, cancel it").startswith("Cancelled late: Barre")
    assert studio.bookings_of(SAM) == [("Barre", "Mon 18:00", "late_cancelled")]


def test_yes_add_me_joins_the_waitlist(studio):
    full_hiit(studio)
    sam = Phone(studio, SAM)
    sam.says("book hiit wed 6:30am")
    sam.says("yes add me")
    assert studio.waitlist_of(SAM) == [("HIIT 45", "Wed 06:30", "waiting")]


def test_no_thanks_is_not_taken_as_a_name(studio):
    new = Phone(studio, STRANGER)
    new.says("what's on tomorrow?")
    reply = new.says("no thanks")
    assert "No Thanks" not in reply
    client = studio.client(STRANGER)
    assert client is None or client.name != "No Thanks"


# --------------------------------------------------------------------------- the fake itself


def test_the_fake_desk_has_every_method_of_the_desk_port(studio):
    from bot.desk import Desk

    from .fake_desk import FakeDesk

    wanted = {name for name in vars(Desk) if not name.startswith("_")} | set(Desk.__annotations__)
    desk = FakeDesk(studio, SAM)
    missing = sorted(name for name in wanted if not hasattr(desk, name))
    assert missing == []
