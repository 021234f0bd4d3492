"""Pure pieces of the intro flow: ranking instructors, reading preferences, working hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from app.booking.matching import Candidate, fits, rank, specialty_fit
from app.booking.working_hours import add_working_hours, escalation_stages, working_hours_between
from bot.nlu.catalog import NamedEntry
from bot.nlu.intent import classify
from bot.nlu.preferences import parse_preferences, when_label

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
LOCS = [NamedEntry(1, "Shoreditch"), NamedEntry(2, "Clapham")]


def slot(staff_id, hours, load=0, specialties=(), name=None):
    return Candidate(staff_id, name or f"Staff {staff_id}", tuple(specialties), 2, T0 + timedelta(hours=hours), load)


# ------------------------------------------------------------------ ranking


def test_specialties_that_fit_the_goals_rank_first():
    slots = [slot(1, 0, specialties=["strength"]), slot(2, 5, specialties=["pilates", "rehab"])]
    assert [c.staff_id for c in rank(slots, "lower back pain")] == [2, 1]
    assert [c.staff_id for c in rank(slots, None)] == [1, 2]  # no goals: earliest first


def test_more_fitting_slots_then_lighter_load_then_earliest():
    busy = [slot(1, h, load=9) for h in (0, 1)]
    light = [slot(2, h, load=1) for h in (2, 3)]
    many = [slot(3, h, load=20) for h in (4, 5, 6)]
    assert [c.staff_id for c in rank(busy + light + many, None)] == [3, 2, 1]
    assert [c.staff_id for c in rank(busy + light, None)][:2] == [2, 1]  # same count: lighter load wins
    same = [slot(1, 3, load=2), slot(2, 1, load=2)]
    assert [c.staff_id for c in rank(same, None)] == [2, 1]  # same load: earliest slot


def test_everyone_once_before_anyone_twice_and_at_most_three():
    slots = [slot(1, h) for h in range(5)] + [slot(2, 10)]
    picked = rank(slots, None)
    assert [(c.staff_id, c.starts_at) for c in picked] == [
        (1, T0),
        (2, T0 + timedelta(hours=10)),
        (1, T0 + timedelta(hours=1)),
    ]
    assert rank([], "anything") == []
    assert len(rank(slots, None, limit=5)) == 5


@pytest.mark.parametrize(
    "goals, specialties, score",
    [
        ("lower back pain", ["rehab"], 1),
        ("I want to lose weight", ["weight loss", "strength"], 1),
        ("get stronger and lose weight", ["weight loss", "strength"], 2),
        ("pregnant, 20 weeks", ["prenatal"], 1),
        ("none", ["rehab"], 0),
        (None, ["rehab"], 0),
    ],
)
def test_specialty_fit(goals, specialties, score):
    assert specialty_fit(specialties, goals) == score


# ------------------------------------------------------------------ preferences


@pytest.mark.parametrize(
    "text, location, days, windows, label",
    [
        ("clapham, weekday mornings before 9", "Clapham", (0, 1, 2, 3, 4), ((360, 540),), "weekday mornings before 9"),
        ("any evening except fri", None, (0, 1, 2, 3, 5, 6), ((1020, 1260),), "any evening except Fri"),
        ("weekends after 6", None, (5, 6), ((1080, 1440),), "weekend after 6"),
        ("Mon and Wed lunchtime", None, (0, 2), ((690, 840),), "Mon/Wed lunchtimes"),
        ("Shoreditch, tuesdays before 9am", "Shoreditch", (1,), ((0, 540),), "Tue before 9"),
        ("clapam any time", "Clapham", tuple(range(7)), ((0, 1440),), "any day, any time"),
        ("between 7 and 9 on weekdays", None, (0, 1, 2, 3, 4), ((420, 540),), "weekday between 7 and 9"),
    ],
)
def test_preferences_are_read(text, location, days, windows, label):
    p = parse_preferences(text, LOCS)
    assert (p.location.name if p.location else None, p.days, p.windows) == (location, days, windows)
    assert when_label(p.days_label, p.times_label) == label


def test_goals_are_the_pieces_that_name_no_place_or_time():
    assert parse_preferences("clapham, weekday mornings before 9, lower back pain", LOCS).goals == "lower back pain"
    assert parse_preferences("Clapham. Goal: run a marathon", LOCS).goals == "run a marathon"
    assert parse_preferences("clapham, weekday mornings", LOCS).goals is None
    assert parse_preferences("none", LOCS, asked_goals=True).no_goals
    assert parse_preferences("A dodgy knee", LOCS, asked_goals=True).goals == "a dodgy knee"


def test_a_slot_fits_stored_preferences():
    prefs = {"days": [0, 1, 2, 3, 4], "windows": [[360, 540]]}
    assert fits(prefs, 1, 8 * 60) and not fits(prefs, 1, 9 * 60) and not fits(prefs, 5, 8 * 60)
    assert fits({}, 6, 23 * 60)


def test_intro_intent():
    for text in ("intro", "how do i start?", "first time", "new here", "i'm new, how do i get started"):
        assert classify(text).intent == "intro", text
    assert classify("how much for the intro offer").intent == "prices"


# ------------------------------------------------------------------ working hours

DAY = (time(7), time(20))
LONDON = "Europe/London"


def test_working_hours_skip_the_night():
    mon_18 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert add_working_hours(mon_18, 4, LONDON, DAY) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert add_working_hours(mon_18, 1, LONDON, DAY) == datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    night = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    assert add_working_hours(night, 2, LONDON, DAY) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert working_hours_between(mon_18, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), LONDON, DAY) == 4


def test_working_hours_follow_local_time_in_summer():
    # 07:00 London in June is 06:00 UTC
    sun = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    assert add_working_hours(sun, 1, LONDON, DAY) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def test_escalation_stages():
    paid = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    at = lambda **kw: paid + timedelta(**kw)  # noqa: E731
    assert escalation_stages(paid, at(hours=14, minutes=59), LONDON, DAY, 4) == []
    assert escalation_stages(paid, at(hours=15), LONDON, DAY, 4) == ["4h"]
    assert escalation_stages(paid, at(hours=24), LONDON, DAY, 4) == ["24h"]
