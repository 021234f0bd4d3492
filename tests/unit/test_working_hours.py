"""Working hours (``app.booking.working_hours``): the clock that only runs in the studio's day.

Pure functions of instants, a timezone and a daily window; policies are transient rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.models import Policy

wh = pytest.importorskip("app.booking.working_hours")

LONDON = "Europe/London"
DAY = (time(7), time(20))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """An instant in Nov 2026 (London is on UTC then): Monday is the 23rd."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_policy_values_and_their_defaults():
    assert wh.day_of(None) == (time(7), time(20))
    assert wh.day_of(Policy(working_start=time(8), working_end=time(18))) == (time(8), time(18))
    assert wh.day_of(Policy(working_start=None, working_end=time(18))) == (time(7), time(18))
    assert wh.match_hours_of(None) == 4 and wh.match_hours_of(Policy(lead_match_hours=6)) == 6
    assert wh.match_hours_of(Policy(lead_match_hours=None)) == 4
    assert wh.reply_hours_of(None) == 2 and wh.reply_hours_of(Policy(instructor_reply_hours=3)) == 3
    assert wh.reply_hours_of(Policy(instructor_reply_hours=None)) == 2


@pytest.mark.parametrize(
    "start, end, hours",
    [
        (at(23, 9), at(23, 11, 30), 2.5),  # inside one day
        (at(23, 18), at(24, 9), 4.0),  # 18-20, then 07-09
        (at(23, 21), at(24, 6), 0.0),  # all night
        (at(23, 5), at(23, 8), 1.0),  # before opening counts from 07:00
        (at(23, 19), at(23, 23), 1.0),  # after closing stops at 20:00
        (at(23, 9), at(25, 9), 26.0),  # two whole days
        (at(23, 9), at(23, 9), 0.0),  # empty
        (at(23, 11), at(23, 9), 0.0),  # backwards
    ],
)
def test_working_hours_between(start, end, hours):
    assert wh.working_hours_between(start, end, LONDON, DAY) == pytest.approx(hours)


def test_working_hours_are_counted_in_the_studio_timezone():
    # 13:00-15:00 UTC is 08:00-10:00 in New York: all of it inside a 07-20 day there
    assert wh.working_hours_between(at(23, 13), at(23, 15), "America/New_York", DAY) == pytest.approx(2.0)
    # 10:00-13:00 UTC is 05:00-08:00 in New York: one working hour
    assert wh.working_hours_between(at(23, 10), at(23, 13), "America/New_York", DAY) == pytest.approx(1.0)


def test_a_clocks_forward_day_still_has_its_working_hours():
    # London springs forward on Sun 29 Mar 2026; 07:00-20:00 local is still 13 hours
    start = datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo(LONDON))
    assert wh.working_hours_between(start, start + timedelta(days=1), LONDON, DAY) == pytest.approx(13.0)


@pytest.mark.parametrize(
    "start, hours, due",
    [
        (at(23, 9), 2, at(23, 11)),  # inside the day
        (at(23, 18), 2, at(23, 20)),  # ends exactly at closing
        (at(23, 19), 2, at(24, 8)),  # one hour today, one tomorrow
        (at(23, 5), 1, at(23, 8)),  # starts counting at opening
        (at(23, 22), 4, at(24, 11)),  # after closing: tomorrow
        (at(23, 9), 14, at(24, 10)),  # longer than a working day
    ],
)
def test_add_working_hours(start, hours, due):
    result = wh.add_working_hours(start, hours, LONDON, DAY)
    assert result == due
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("hours", [0.5, 2, 4, 13, 30])
def test_adding_then_counting_gives_the_hours_back(hours):
    start = at(23, 19, 15)
    assert wh.working_hours_between(
        start, wh.add_working_hours(start, hours, LONDON, DAY), LONDON, DAY
    ) == pytest.approx(hours)


def test_escalation_stages_for_a_lead_paid_in_the_evening():
    paid = at(23, 18)
    assert wh.escalation_stages(paid, at(23, 21), LONDON, DAY, 4) == []  # two working hours so far
    assert wh.escalation_stages(paid, at(24, 8, 59), LONDON, DAY, 4) == []
    assert wh.escalation_stages(paid, at(24, 9), LONDON, DAY, 4) == ["4h"]
    assert wh.escalation_stages(paid, at(24, 17), LONDON, DAY, 4) == ["4h"]
    assert wh.escalation_stages(paid, at(24, 18), LONDON, DAY, 4) == ["24h"]  # only the later stage


def test_escalation_points_are_when_the_stages_change():
    paid = at(23, 18)
    assert wh.escalation_points(paid, LONDON, DAY, 4) == [at(24, 9), at(24, 18)]
    for point in wh.escalation_points(paid, LONDON, DAY, 4):
        assert wh.escalation_stages(paid, point - timedelta(seconds=1), LONDON, DAY, 4) != wh.escalation_stages(
            paid, point, LONDON, DAY, 4
        )
