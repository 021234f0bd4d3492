"""Which instructor should take a new intro client, and when: the owner's top three.

``rank`` is pure (unit-tested on its own): instructors whose specialties fit the
client's goals come first, then those with more free slots that fit the client's
preferences (easier to keep the client), then the lighter load (fewer upcoming
sessions), then the earliest slot. Each instructor appears once before anyone appears
twice, so the owner sees a real choice. ``candidates`` reads the free 1:1 slots from the
database (``appointments.free_slots``: availability minus anything they teach or take).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.booking.appointments import free_slots
from app.booking.policies import load_policy
from app.models import ClassSession, Location, Staff

# Words a client uses for a goal, by the specialty that serves it.
GOAL_WORDS: dict[str, tuple[str, ...]] = {
    "rehab": (
        "injury",
        "injuries",
        "injured",
        "back",
        "knee",
        "shoulder",
        "hip",
        "neck",
        "pain",
        "physio",
        "recovery",
        "recovering",
        "surgery",
        "rehab",
        "sciatica",
    ),
    "weight loss": ("weight", "lose", "fat", "slim", "tone", "toning", "diet"),
    "strength": ("strength", "strong", "stronger", "muscle", "lifting", "weights", "power", "build"),
    "mobility": ("mobility", "flexibility", "flexible", "stiff", "stiffness", "posture", "move"),
    "prenatal": ("pregnant", "pregnancy", "prenatal", "postnatal", "baby", "postpartum"),
    "pilates": ("pilates", "core", "reformer"),
    "yoga": ("yoga", "stretch", "stretching"),
    "running": ("run", "running", "marathon", "race"),
}


def fits(prefs: dict, weekday: int, minutes: int) -> bool:
    """Does a slot starting on local ``weekday`` at ``minutes`` fit stored preferences?

    ``prefs`` as a lead's preferences are stored: ``days`` (0 = Monday) and ``windows``
    ([start, end) in minutes after local midnight); a missing one allows anything."""
    days = prefs.get("days")
    if days is not None and weekday not in days:
        return False
    windows = prefs.get("windows")
    if windows is None:
        return True
    return any(a <= minutes < b for a, b in windows)


@dataclass(frozen=True)
class Candidate:
    staff_id: int
    staff_name: str
    specialties: tuple[str, ...]
    location_id: int
    starts_at: datetime  # UTC
    load: int  # the instructor's upcoming sessions


def specialty_fit(specialties: Iterable[str], goals: str | None) -> int:
    """How many of the instructor's specialties speak to the goals (0 when no goals)."""
    if not goals:
        return 0
    words = set(re.findall(r"[a-z]+", goals.lower()))
    score = 0
    for specialty in specialties:
        name = specialty.lower()
        own = set(re.findall(r"[a-z]+", name))
        related = set(GOAL_WORDS.get(name, ()))
        if words & (related | {w for w in own if len(w) > 3}):
            score += 1
    return score


def rank(candidates: Sequence[Candidate], goals: str | None, limit: int = 3) -> list[Candidate]:
    """The best ``limit`` slots: best instructor's earliest slot first, one per instructor
    before anyone's second."""
    by_staff: dict[int, list[Candidate]] = {}
    for c in sorted(candidates, key=lambda c: (c.starts_at, c.location_id)):
        by_staff.setdefault(c.staff_id, []).append(c)

    def key(staff_id: int) -> tuple:
        slots = by_staff[staff_id]
        first = slots[0]
        return (-specialty_fit(first.specialties, goals), -len(slots), first.load, first.starts_at, staff_id)

    order = sorted(by_staff, key=key)
    picked: list[Candidate] = []
    depth = 0
    while len(picked) < limit and any(depth < len(by_staff[s]) for s in order):
        for staff_id in order:
            if depth < len(by_staff[staff_id]) and len(picked) < limit:
                picked.append(by_staff[staff_id][depth])
        depth += 1
    return picked


def loads(session: Session, staff_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, int]:
    ids = list(staff_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ClassSession.instructor_id, func.count(ClassSession.id))
        .where(
            ClassSession.instructor_id.in_(ids),
            ClassSession.status == "scheduled",
            ClassSession.starts_at >= start,
            ClassSession.starts_at < end,
        )
        .group_by(ClassSession.instructor_id)
    ).all()
    counts = dict(rows)
    return {i: int(counts.get(i, 0)) for i in ids}


def candidates(
    session: Session, class_type_id: int, prefs: dict, *, exclude_staff: Iterable[int] = (), strict: bool = True
) -> list[Candidate]:
    """Free slots of active instructors in the booking window that fit ``prefs``.

    ``strict=False`` drops the day/time fit (still the chosen location), for when no slot fits.
    """
    now = clock.now()
    policy = load_policy(session)
    end = now + timedelta(days=policy.booking_window_days or 14)
    start = now + timedelta(hours=2)  # nobody can be matched, told and turn up sooner
    slots = free_slots(session, class_type_id, start=start, end=end, location_id=prefs.get("location_id"))
    excluded = set(exclude_staff)
    staff = {s.id: s for s in session.scalars(select(Staff).where(Staff.active.is_(True)))}
    zones = {loc.id: ZoneInfo(loc.timezone) for loc in session.scalars(select(Location))}
    fitting = []
    for slot in slots:
        member = staff.get(slot.staff_id)
        if member is None or slot.staff_id in excluded:
            continue
        local = slot.starts_at.astimezone(zones[slot.location_id])
        if strict and not fits(prefs, local.weekday(), local.hour * 60 + local.minute):
            continue
        fitting.append(slot)
    load = loads(session, {s.staff_id for s in fitting}, now, end)
    return [
        Candidate(
            s.staff_id,
            staff[s.staff_id].name,
            tuple(staff[s.staff_id].specialties or ()),
            s.location_id,
            s.starts_at,
            load.get(s.staff_id, 0),
        )
        for s in fitting
    ]


def top_matches(
    session: Session,
    class_type_id: int,
    prefs: dict,
    goals: str | None,
    *,
    exclude_staff: Iterable[int] = (),
    limit: int = 3,
) -> list[Candidate]:
    """The owner's options; when nothing fits the days and times, the best at that location."""
    found = candidates(session, class_type_id, prefs, exclude_staff=exclude_staff)
    if not found:
        found = candidates(session, class_type_id, prefs, exclude_staff=exclude_staff, strict=False)
    return rank(found, goals, limit)
