"""Issue 11: a client disputing a charge is handed to a person, never answered with a
balance; the no-show and fee wording is short, GSM-7 and never asks for a bare CANCEL or STOP."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.desk import BalanceView, SessionView, StudioView
from bot.nlu.intent import classify
from bot.nlu.normalise import normalise
from bot.nlu.parse import ParseContext, parse
from bot.replies import SMS_LIMIT, Words, gsm7, gsm7_length

from .fake_desk import JON, SAM, FakeStudio, Phone

TZ = "Europe/London"
STUDIO = StudioView("Lotus Yoga & Movement", TZ, "GBP", "DMY", "+442079460000", "hello@lotus.example")
WORDS = Words(STUDIO)
REFORMER = SessionView(3, "Reformer", 2, datetime(2026, 11, 24, 7, tzinfo=ZoneInfo(TZ)), "Clapham", "Sara L", 8, 8, 0)


def intent(text: str) -> str:
    return classify(normalise(text)).intent


def sms_ok(body: str) -> bool:
    return gsm7(body) == body and gsm7_length(body) <= SMS_LIMIT


@pytest.mark.parametrize(
    "text",
    [
        "why was I charged",
        "Why was I charged??",
        "why have I been charged £15",
        "why did you charge me",
        "I was there!",
        "i did come!",
        "I came to class",
        "charged twice",
        "you charged me twice",
        "I think I was double charged",
        "that fee is wrong",
        "the charge is incorrect",
        "wrong fee",
        "i shouldn't have been charged",
        "i want a refund",
        "can I get my money back",
        "I wasn't a no-show",
        "why was I marked as a no show",
        "why was my credit taken",
        "I'd like to dispute the fee",
    ],
)
def test_disputes_are_recognised(text):
    assert intent(text) == "dispute"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("how many credits do i have", "credits"),
        ("what's my balance", "credits"),
        ("how many classes do i have left", "credits"),
        ("when does my pack expire", "credits"),
        ("how much is a class pack", "prices"),
        ("cancel my class tomorrow, will I get a refund?", "cancel"),
        ("cancel thu reformer", "cancel"),
        ("i want to book yoga", "book"),
        ("talk to a person", "human"),
        ("i was there yesterday, loved it thanks", "thanks"),
    ],
)
def test_ordinary_questions_are_not_disputes(text, expected):
    assert intent(text) == expected


def test_a_dispute_is_not_read_as_an_opt_out_or_a_booking():
    ctx = ParseContext(datetime(2026, 11, 23, 9, tzinfo=ZoneInfo(TZ)), TZ)
    for text in ("I was there on tuesday at 7!", "why was I charged for reformer", "refund please"):
        assert parse(text, ctx).intent == "dispute", text


def test_a_dispute_goes_to_a_person_and_the_client_is_told_so():
    studio = FakeStudio()
    reply = Phone(studio, JON).says("Why was I charged?? I was there!")
    assert reply == "Sorry about that. I've passed it to the team and a person will check and reply to you."
    assert studio.forwarded == ["Why was I charged?? I was there!"]
    assert "credit" not in reply.lower() and "owe" not in reply.lower()
    Phone(studio, SAM).says("how many credits do i have")
    assert studio.forwarded == ["Why was I charged?? I was there!"]  # a balance question stays a balance


def test_with_nobody_to_hand_to_the_client_is_told_how_to_reach_the_studio():
    text = WORDS.dispute_forwarded(False)
    assert text == (
        "Sorry about that. A person needs to check this: please contact the studio: +442079460000 hello@lotus.example."
    )
    assert sms_ok(text)


def test_the_no_show_text_says_what_happened_and_how_to_dispute_it():
    credit = WORDS.no_show_settled(REFORMER, "forfeit_credit", None, 1)
    assert credit == (
        "You were marked as a no-show for Reformer Tue 24 Nov 07:00, so the credit is used. "
        "Were you there? Reply and a person will check."
    )
    two = WORDS.no_show_settled(REFORMER, "forfeit_credit", None, 2)
    assert two is not None and "so the 2 credits are used" in two
    url = "https://frontdesk.example/pay/" + "x" * 43
    fee = WORDS.no_show_settled(REFORMER, "fee", Decimal("15"), 1, url)
    assert fee == (
        f"You were marked as a no-show for Reformer Tue 24 Nov 07:00, so a £15 fee is due. Your credit is back. "
        f"Pay here: {url} "
        "Were you there? Reply and a person will check."
    )
    for body in (credit, two, fee):
        assert body is not None and sms_ok(body) and "CANCEL" not in body and "STOP" not in body
    assert WORDS.no_show_settled(REFORMER, "forfeit_credit", None, 0) is None  # a membership: nothing taken
    assert WORDS.no_show_settled(REFORMER, "none", None, 1) is None


def test_fee_notes_in_the_confirmation_and_the_reminder():
    assert WORDS.fee_note(None, Decimal("15")) == "No-shows: £15."
    assert WORDS.fee_note(Decimal("10"), Decimal("15.50")) == "Late cancels: £10. No-shows: £15.50."
    assert WORDS.fee_note(None, None) is None and WORDS.fee_note(Decimal("0"), None) is None
    us = Words(StudioView("Harbour", "America/New_York", "USD", "MDY", None, None))
    assert us.fee_note(None, Decimal("15")) == "No-shows: $15."
    balance = BalanceView(4, False, None, Decimal("0"))
    free_until = datetime(2026, 11, 23, 19, tzinfo=ZoneInfo(TZ))
    booked = WORDS.booked(REFORMER, balance, free_until, fees=(Decimal("10"), Decimal("15")))
    assert booked.endswith("Free to cancel until Mon 19:00. Late cancels: £10. No-shows: £15.") and sms_ok(booked)
    late = WORDS.booked(
        REFORMER,
        balance,
        free_until,
        now=free_until,
        consequence="fee",
        fee=Decimal("10"),
        fees=(Decimal("10"), Decimal("15")),
    )
    assert late.endswith("Late-cancel rules apply now: cancelling costs a £10 fee. No-shows: £15.")  # £10 said once
    assert WORDS.booked(REFORMER, balance, free_until).endswith("Free to cancel until Mon 19:00.")
    now = datetime(2026, 11, 23, 9, tzinfo=ZoneInfo(TZ))
    reminder = WORDS.reminder(REFORMER, now, WORDS.fee_note(None, Decimal("15")))
    assert reminder.endswith("Reply C to cancel. No-shows: £15.") and sms_ok(reminder)
    assert WORDS.reminder(REFORMER, now).endswith("Reply C to cancel.")
