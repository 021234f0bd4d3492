"""Issue 17 by text: "send me my data" / "delete my data", each confirmed by a YES."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue import State
from bot.nlu.parse import ParseContext, parse
from bot.replies import SMS_LIMIT, Words, gsm7, gsm7_length

from .fake_desk import SAM, STRANGER, FakeStudio, Phone, local

CTX = ParseContext(datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("Europe/London")), "Europe/London", "DMY", None)


@pytest.fixture
def studio() -> FakeStudio:
    return FakeStudio()


# ------------------------------------------------------------------------ the nlu


@pytest.mark.parametrize(
    "text",
    [
        "send me my data",
        "Send me my data please",
        "can I get a copy of my data?",
        "what data do you have on me",
        "I'd like all my personal information",
        "GDPR request",
        "can I see my info",
    ],
)
def test_asking_for_ones_data_is_an_export(text):
    assert parse(text, CTX).intent == "data_export"


@pytest.mark.parametrize(
    "text",
    [
        "delete my data",
        "Please delete my account",
        "forget me",
        "erase my personal information",
        "I want to exercise my right to be forgotten",
        "please erase all my data",
    ],
)
def test_asking_to_be_erased_is_an_erasure(text):
    assert parse(text, CTX).intent == "data_erasure"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("delete my booking", "list_bookings"),
        ("remove my booking for friday", "list_bookings"),
        ("cancel tomorrow", "cancel"),
        ("my bookings", "list_bookings"),
        ("stop", "opt_out"),
        ("delete my number", "opt_out"),  # a plain opt-out, as before
        ("remove me from the waitlist", "leave_waitlist"),
        ("cancel my data class", "cancel"),
        ("where is my account balance", "credits"),
        ("can you send me the info about intro offer", "intro"),
        ("I forgot my mat", "unknown"),
        ("can you update my details", "unknown"),
    ],
)
def test_ordinary_texts_are_not_read_as_export_or_erasure(text, intent):
    assert parse(text, CTX).intent == intent


def test_a_soft_opt_out_with_erasure_words_is_still_an_opt_out_first():
    assert parse("delete my data and stop texting me", CTX).intent == "opt_out"


# ------------------------------------------------------------------------ export


def test_export_needs_a_yes_then_texts_a_one_time_link(studio):
    sam = Phone(studio, SAM)
    asked = sam.says("send me my data")
    assert "Reply YES to get it" in asked and "opens once, within 24 hours" in asked
    assert sam.state == State.CONFIRM_EXPORT.value
    assert studio.export_links == []
    link = sam.says("yes")
    assert link == (
        "Here's your data from Lotus Yoga & Movement: https://frontdesk.example/s/lotus/my-data/tok1 "
        "The link opens once and expires in 24 hours."
    )
    assert [c for c, _ in studio.export_links] == [studio.client(SAM).id]
    assert sam.state == State.IDLE.value


def test_export_declined_does_nothing(studio):
    sam = Phone(studio, SAM)
    sam.says("send me my data")
    assert sam.says("no") == "OK, nothing has changed."
    assert studio.export_links == []


def test_something_else_instead_of_yes_is_read_afresh_and_sends_no_link(studio):
    sam = Phone(studio, SAM)
    sam.says("send me my data")
    assert "Vinyasa Flow" in sam.says("what's on wednesday")
    assert studio.export_links == []


def test_a_stranger_asking_for_their_data_is_told_nothing_is_held(studio):
    stranger = Phone(studio, STRANGER)
    said = stranger.says("send me my data")
    assert "no client record for this number" in said
    assert stranger.state == State.IDLE.value and studio.export_links == []


# ------------------------------------------------------------------------ erasure


def test_erasure_by_text_goes_to_staff_after_a_yes(studio):
    wed = studio.session_at("Vinyasa Flow", local(2026, 11, 25, 18))
    studio.book_directly(SAM, wed.id)
    sam = Phone(studio, SAM)
    asked = sam.says("please delete my data")
    assert asked.startswith("To erase your data at Lotus Yoga & Movement, reply YES.")
    assert "Your 1 upcoming booking and waitlist places will be cancelled." in asked
    assert studio.erasure_requests == []
    done = sam.says("YES")
    assert "Your request is with the Lotus Yoga & Movement team" in done
    assert studio.erasure_requests == [studio.client(SAM).id]
    assert "ask_staff" in sam.desk.calls
    assert studio.bookings and all(b.status == "confirmed" for b in studio.bookings.values())


def test_erasure_carried_out_at_once_where_the_studio_says_so(studio):
    studio.erasure_by_text = "auto"
    wed = studio.session_at("Vinyasa Flow", local(2026, 11, 25, 18))
    studio.book_directly(SAM, wed.id)
    sam = Phone(studio, SAM)
    sam.says("forget me")
    done = sam.says("yes please")
    assert done == (
        "Done: your data at Lotus Yoga & Movement is erased and we won't text you again. 1 booking cancelled. "
        "If you text us in future, we'll treat you as a new client."
    )
    assert studio.client(SAM) is None and studio.erased
    assert [b.status for b in studio.bookings.values()] == ["cancelled"]
    # the same number texting again is a new person: asked their name, not silenced
    assert "what's your first name" in sam.says("book yoga wed 6pm")


def test_erasure_declined_does_nothing(studio):
    sam = Phone(studio, SAM)
    sam.says("delete my account")
    assert sam.says("no") == "OK, nothing has changed."
    assert studio.erasure_requests == [] and studio.client(SAM) is not None


def test_the_new_texts_are_gsm7_and_fit_two_segments(studio):
    words = Words(studio.view, "sms")
    texts = [
        words.confirm_export(24),
        words.export_link("https://frontdesk.example.com/s/harbour-yoga-and-pilates/my-data/" + "x" * 24, 24),
        words.export_unavailable(),
        words.confirm_erasure(3),
        words.confirm_erasure(0),
        words.erasure_requested(),
        words.erased(2),
        words.no_data_held(),
        words.nothing_changed(),
    ]
    for text in texts:
        assert gsm7(text) == text and gsm7_length(text) <= SMS_LIMIT, text
        assert "CANCEL" not in text
