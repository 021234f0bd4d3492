"""Working hours: the daily window in which owners and instructors are expected to answer,
and the clock that only runs inside it (instructor reply deadlines, owner reminders).

Pure functions of instants, a timezone and a window, plus the studio policy's values
with their defaults (``day_of``, ``match_hours_of``, ``reply_hours_of``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.booking.policies import load_policy
from app.models import Policy

DEFAULT_WORKING = (time(7), time(20))
DEFAULT_MATCH_HOURS = 4
DEFAULT_REPLY_HOURS = 2
DAY_STAGE = timedelta(hours=24)  # the last reminder: a day after payment, working hours or not

WorkingDay = tuple[time, time]


def day_of(policy: Policy | None) -> WorkingDay:
    """A policy's working window (local), the default where it sets none."""
    return (
        (policy.working_start if policy else None) or DEFAULT_WORKING[0],
        (policy.working_end if policy else None) or DEFAULT_WORKING[1],
    )


def match_hours_of(policy: Policy | None) -> int:
    """Working hours the owners have to match a paid lead before they are reminded."""
    return (policy.lead_match_hours if policy else None) or DEFAULT_MATCH_HOURS


def reply_hours_of(policy: Policy | None) -> int:
    """Working hours an instructor has to answer a request before it goes back to the owners."""
    return (policy.instructor_reply_hours if policy else None) or DEFAULT_REPLY_HOURS


def working_day(session: Session) -> WorkingDay:
    """The studio's working hours (local), in which owners and instructors are expected to answer."""
    return day_of(load_policy(session))


def working_hours_between(start: datetime, end: datetime, tz: str, day: WorkingDay) -> float:
    """Hours of [start, end) that fall inside the daily working window, in ``tz``."""
    zone = ZoneInfo(tz)
    if end <= start:
        return 0.0
    total = timedelta()
    d = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while d <= last:
        a = datetime.combine(d, day[0], zone)
        b = datetime.combine(d, day[1], zone)
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total += hi - lo
        d += timedelta(days=1)
    return total.total_seconds() / 3600


def add_working_hours(start: datetime, hours: float, tz: str, day: WorkingDay) -> datetime:
    """The instant ``hours`` working hours after ``start`` (time outside the window doesn't count)."""
    zone = ZoneInfo(tz)
    left = timedelta(hours=hours)
    at = start.astimezone(zone)
    while True:
        a = datetime.combine(at.date(), day[0], zone)
        b = datetime.combine(at.date(), day[1], zone)
        if at < a:
            at = a
        if at < b:
            if at + left <= b:
                return (at + left).astimezone(UTC)
            left -= b - at
        at = datetime.combine(at.date() + timedelta(days=1), day[0], zone)


def escalation_stages(paid_at: datetime, now: datetime, tz: str, day: WorkingDay, match_hours: int) -> list[str]:
    """Which reminders are due for a lead paid at ``paid_at``: "<N>h" after N working hours,
    "24h" a day after payment (only the later one when both fall due at once)."""
    if now - paid_at >= DAY_STAGE:
        return ["24h"]
    if working_hours_between(paid_at, now, tz, day) >= match_hours:
        return [f"{match_hours}h"]
    return []


def escalation_points(paid_at: datetime, tz: str, day: WorkingDay, match_hours: int) -> list[datetime]:
    """The instants at which ``escalation_stages`` changes for a lead paid at ``paid_at``."""
    return [add_working_hours(paid_at, match_hours, tz, day), paid_at + DAY_STAGE]
