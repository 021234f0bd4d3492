"""``parse_when`` on each kind of time language clients use, and ``unplaced_date``.

The reference moment is Tuesday 24 November 2026, 09:00 in London (GMT in winter).
Texts go through ``normalise`` first, as they do in the app.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.nlu.normalise import normalise
from bot.nlu.when import When, parse_when, unplaced_date

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday
TZ = "Europe/London"


def when(text: str, order: str = "DMY", now: datetime = NOW) -> When | None:
    return parse_when(normalise(text), now, TZ, order)


def day_of(text: str, order: str = "DMY", now: datetime = NOW) -> date | None:
    w = when(text, order, now)
    return None if w is None else w.start.date()


def clock(text: str) -> str:
    w = when(text)
    assert w is not None and w.grain == "minute", text
    return w.start.strftime("%Y-%m-%d %H:%M")


# ----------------------------------------------------------------------------- weeks


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the monday after next", date(2026, 12, 7)),
        ("monday after next", date(2026, 12, 7)),
        ("friday after next", date(2026, 12, 4)),
        ("friday of next week", date(2026, 12, 4)),
        ("saturday next week", date(2026, 12, 5)),
        ("next week saturday", date(2026, 12, 5)),
        ("wednesday this week", date(2026, 11, 25)),
        ("a week on thursday", date(2026, 12, 3)),
        ("thursday week", date(2026, 12, 3)),
        ("a week from friday", date(2026, 12, 4)),
        ("a week on tuesday", date(2026, 12, 8)),
        ("this coming tuesday", date(2026, 12, 1)),
        ("this coming thursday", date(2026, 11, 26)),
        ("next thursday", date(2026, 11, 26)),
        ("3 fridays from now", date(2026, 12, 11)),
    ],
)
def test_week_arithmetic_names_the_day(text, expected):
    w = when(text)
    assert w is not None and w.grain == "day" and w.start.date() == expected


def test_a_weekday_a_week_on_keeps_its_time():
    assert clock("yoga a week on thursday at 6pm") == "2026-12-03 18:00"


def test_next_week_alone_is_the_whole_of_next_week_not_today():
    w = when("book yoga next week")
    assert w is not None and w.grain == "week"
    assert w.start.isoformat() == "2026-11-30T00:00:00+00:00"
    assert w.end is not None and w.end.isoformat() == "2026-12-07T00:00:00+00:00"


@pytest.mark.parametrize("text", ["the following week", "the coming week", "upcoming week"])
def test_other_words_for_next_week(text):
    w = when(text)
    assert w is not None and w.grain == "week" and w.start.date() == date(2026, 11, 30)


def test_next_week_said_on_a_sunday_starts_the_next_day():
    sunday = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    w = when("next week", now=sunday)
    assert w is not None and w.start.date() == date(2026, 11, 30)


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    [
        "21st of december",
        "dec 21",
        "december the 21st",
        "the 21st of dec",
        "21 december",
        "the twenty-first of december",
    ],
)
def test_day_and_month_in_any_order(text):
    assert day_of(text) == date(2026, 12, 21)


@pytest.mark.parametrize("text", ["jan 4th", "4th of jan", "4 January", "January 4", "jan4"])
def test_a_date_early_next_year(text):
    assert day_of(text) == date(2027, 1, 4)


def test_the_21st_alone_is_the_next_21st():
    assert day_of("the 21st") == date(2026, 12, 21)
    assert day_of("on the first") == date(2026, 12, 1)


@pytest.mark.parametrize(
    "text, order, expected",
    [
        ("21/12", "DMY", date(2026, 12, 21)),
        ("21/12", "MDY", date(2026, 12, 21)),  # a part over 12 is the day
        ("12/21", "DMY", date(2026, 12, 21)),
        ("12/21", "MDY", date(2026, 12, 21)),
        ("4/1", "DMY", date(2027, 1, 4)),
        ("4/1", "MDY", date(2027, 4, 1)),
        ("21-12", "DMY", date(2026, 12, 21)),
        ("12-21", "MDY", date(2026, 12, 21)),
        ("21.12.2026", "DMY", date(2026, 12, 21)),
        ("4.1", "DMY", date(2027, 1, 4)),
        ("2 / 15", "MDY", date(2027, 2, 15)),
        ("20/11", "DMY", date(2027, 11, 20)),  # passed this year: next year's
        ("29/02", "DMY", date(2028, 2, 29)),
    ],
)
def test_numeric_dates_in_the_studio_order(text, order, expected):
    w = when(text, order)
    assert w is not None and w.grain == "day" and w.start.date() == expected


def test_a_dotted_pair_that_can_be_a_time_is_a_time():
    assert clock("21.12") == "2026-11-24 21:12"


def test_an_hour_range_is_not_a_date():
    assert clock("6-7pm") == "2026-11-24 18:00"


def test_a_date_with_a_time():
    assert clock("yoga 21/12 at 6pm") == "2026-12-21 18:00"
    assert clock("dec 21 7.30am") == "2026-12-21 07:30"


def test_a_weekday_beside_its_date():
    assert day_of("thursday 26th") == date(2026, 11, 26)
    assert day_of("Thu, Nov 26") == date(2026, 11, 26)


def test_day_of_next_month_and_nth_weekday():
    assert day_of("the 20th of next month") == date(2026, 12, 20)
    assert day_of("first tuesday of december") == date(2026, 12, 1)


# ----------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8 oclock pm", "2026-11-24 20:00"),
        ("615p", "2026-11-24 18:15"),
        ("615pm", "2026-11-24 18:15"),
        ("615am", "2026-11-25 06:15"),  # passed today: tomorrow's
        ("7p", "2026-11-24 19:00"),
        ("at 3p", "2026-11-24 15:00"),
        ("quarter past 6pm", "2026-11-24 18:15"),
        ("noon", "2026-11-24 12:00"),
        ("12 noon", "2026-11-24 12:00"),
        ("midday", "2026-11-24 12:00"),
        ("midnight", "2026-11-25 00:00"),
        ("7 in the evening", "2026-11-24 19:00"),
        ("in the morning 10", "2026-11-24 10:00"),
        ("3 in the afternoon", "2026-11-24 15:00"),
        ("8 tonight", "2026-11-24 20:00"),
        ("8 this evening", "2026-11-24 20:00"),
        ("18h30", "2026-11-24 18:30"),
        ("tomorrow 1230", "2026-11-25 12:30"),
        ("10 to 6pm", "2026-11-24 17:50"),
        ("20 minutes past 6pm", "2026-11-24 18:20"),
        ("a quarter to noon", "2026-11-24 11:45"),
        ("3-4pm", "2026-11-24 15:00"),
        ("from 6:30 to 8pm", "2026-11-24 18:30"),
        ("at three pm", "2026-11-24 15:00"),
        ("seven thirty pm", "2026-11-24 19:30"),
        ("eight tonight", "2026-11-24 20:00"),
        ("ten to six pm", "2026-11-24 17:50"),
    ],
)
def test_clock_times(text, expected):
    w = when(text)
    assert w is not None and w.grain == "minute" and not w.hour_ambiguous, text
    assert w.start.strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8 o'clock", "2026-11-24 20:00"),
        ("half 7", "2026-11-24 19:30"),  # UK: 7:30
        ("quarter to 8", "2026-11-24 19:45"),
        ("quarter past 6", "2026-11-24 18:15"),
        ("half three", "2026-11-24 15:30"),
        ("at three twenty", "2026-11-24 15:20"),
        ("at 1030", "2026-11-24 10:30"),
    ],
)
def test_an_hour_without_am_pm_stays_ambiguous(text, expected):
    w = when(text)
    assert w is not None and w.grain == "minute" and w.hour_ambiguous, text
    assert w.start.strftime("%Y-%m-%d %H:%M") == expected


def test_a_bare_hour_keeps_both_readings_for_the_timetable():
    w = when("tomorrow at 6")
    assert w is not None and w.hour_ambiguous
    assert w.start.strftime("%d %H:%M") == "25 06:00"
    assert [a.strftime("%d %H:%M") for a in w.alternatives] == ["25 18:00"]


@pytest.mark.parametrize("text", ["cancel 2", "book 2 spots", "for two", "book one class"])
def test_numbers_that_are_not_times(text):
    assert when(text) is None


# ----------------------------------------------------------------------------- relative days and SMS


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in 3 days", date(2026, 11, 27)),
        ("in a couple of days", date(2026, 11, 26)),
        ("in a week", date(2026, 12, 1)),
        ("a week today", date(2026, 12, 1)),
        ("in 3 days time", date(2026, 11, 27)),
        ("day after tomorrow", date(2026, 11, 26)),
        ("the day after tomorrow", date(2026, 11, 26)),
    ],
)
def test_relative_days_name_a_day(text, expected):
    w = when(text)
    assert w is not None and w.grain == "day" and w.start.date() == expected


def test_in_hours_is_an_instant():
    w = when("in 2 hours")
    assert w is not None and w.grain == "minute" and w.start.strftime("%H:%M") == "11:00"
    assert clock("in a couple of hours") == "2026-11-24 11:00"


def test_tonight_and_this_evening_are_parts_of_today():
    tonight = when("tonight")
    assert tonight is not None and tonight.grain == "part_of_day"
    assert tonight.start.strftime("%d %H:%M") == "24 17:00" and tonight.end is not None
    evening = when("this evening")
    assert evening is not None and evening.start.strftime("%d %H:%M") == "24 17:00"
    assert evening.end is not None and evening.end.strftime("%H:%M") == "22:00"


@pytest.mark.parametrize("text", ["tmrw", "2moro", "tomoz", "tmoz", "2morrow", "tomorrows"])
def test_sms_spellings_of_tomorrow(text):
    assert day_of(f"yoga {text}") == date(2026, 11, 25)


@pytest.mark.parametrize("text, expected", [("thurs", 26), ("weds", 25), ("tues 7pm", 24), ("sat", 28)])
def test_sms_weekdays(text, expected):
    assert day_of(text) == date(2026, 11, expected)


def test_wknd_is_this_weekend():
    w = when("anything on the wknd")
    assert w is not None and w.grain == "week" and w.start.date() == date(2026, 11, 28)


# ----------------------------------------------------------------------------- never silently today


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("book yoga 31/02", "31/02"),
        ("30th feb please", "30th feb"),
        ("can i come on the 35th", "the 35th"),
        ("13/13", "13/13"),
        ("31.02", "31.02"),
        ("31st of april at 6pm", "31st of april"),
        ("feb 30", "feb 30"),
        ("21/12/2020", "21/12/2020"),  # a year given, and past: not today either
    ],
)
def test_a_date_that_cannot_be_placed_is_named_and_never_today(text, phrase):
    text = normalise(text)
    assert unplaced_date(text, NOW, TZ, "DMY") == phrase
    assert parse_when(text, NOW, TZ, "DMY") is None


@pytest.mark.parametrize(
    "text",
    ["book yoga 21/12", "6.30", "it was £31.99", "my 50th class", "tomorrow 6pm", "29/02", "hi", "12/21", "21/12/2026"],
)
def test_dates_that_can_be_placed_are_not_unplaced(text):
    assert unplaced_date(normalise(text), NOW, TZ, "DMY") is None


def test_when_keeps_its_old_fields_and_defaults():
    w = When(NOW, None, "day")
    assert (w.hour_ambiguous, w.alternatives, w.span) == (False, (), (0, 0))


# ----------------------------------------------------------------------------- the week after next


@pytest.mark.parametrize(
    "text", ["week after next", "anything on the week after next?", "book me in for yoga the week after next"]
)
def test_the_week_after_next_is_that_whole_week(text):
    w = when(text)
    assert w is not None and w.grain == "week"
    assert w.start.isoformat() == "2026-12-07T00:00:00+00:00"
    assert w.end is not None and w.end.isoformat() == "2026-12-14T00:00:00+00:00"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tuesday the week after next", date(2026, 12, 8)),
        ("fri of the week after next", date(2026, 12, 11)),
        ("the week after next on wednesday", date(2026, 12, 9)),
    ],
)
def test_a_day_of_the_week_after_next(text, expected):
    w = when(text)
    assert w is not None and w.grain == "day" and w.start.date() == expected


def test_the_weekend_after_next():
    w = when("free the weekend after next?")
    assert w is not None and w.grain == "week"
    assert (w.start.date(), w.end.date()) == (date(2026, 12, 12), date(2026, 12, 14))


def test_next_week_is_still_next_week():
    w = when("yoga next week")
    assert w is not None and w.grain == "week" and w.start.date() == date(2026, 11, 30)
