"""Class reminders at each of the studio's ``reminder_hours`` before a booked class.

What is due is read from the database every time (never from a queue), so a run after
downtime catches up once: only the latest reminder still ahead of the class is sent, a
booking made after a reminder's moment doesn't get that one, and the dedupe key
``reminder:<h>h:booking:<id>`` makes repeats harmless (``…:move:<n>`` once the studio
has moved the class n times, so the new time gets its own reminders). A reminder invites "reply C to
cancel" (a bare CANCEL would opt the client out at the carrier) and opens a short
conversation state in which "C" cancels that booking. When the studio charges late-cancel or
no-show fees the reminder says so in a few words ("No-shows: £15.").

Two ways in, one wording (``_Writer``): the due-work tick queues every studio's due
reminders at once (``queue_due_reminders``: one indexed query across studios for the
bookings whose reminder moment passed since the last tick, or whose class was moved, then
batched ``INSERT … ON CONFLICT DO NOTHING``); ``queue_reminders`` does the same for one
studio in its own scope (tools and tests).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, cast, false, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import String

from app import clock
from app.booking import attendance
from app.booking.policies import load_policy
from app.booking.rows import row as row_of
from app.models import (
    Booking,
    ClassSession,
    ClassType,
    Client,
    Conversation,
    Location,
    OutboxMessage,
    Policy,
    Staff,
    Studio,
)
from app.notify.addressing import address, sender
from app.notify.views import studio_view
from bot.desk import SessionView
from bot.dialogue.base import State
from bot.replies import Words

DEFAULT_HOURS = (24, 2)  # a studio without a policy row (load_policy's defaults)


def reminder_key(hours: int, booking_id: int, move_count: int | None) -> str:
    key = f"reminder:{hours}h:booking:{booking_id}"
    return f"{key}:move:{move_count}" if move_count else key


def due_hour(hours: Sequence[int], starts_at: datetime, booked_at: datetime, now: datetime) -> int | None:
    """Which reminder is due now for a class at ``starts_at`` booked at ``booked_at``: the
    latest whose moment has passed (after an outage, never the earlier ones too), and only
    when the booking existed at that moment. None when none is due."""
    passed = [h for h in hours if starts_at - timedelta(hours=h) <= now]
    if passed and booked_at < starts_at - timedelta(hours=min(passed)):
        return min(passed)
    return None


def _columns(instructor) -> tuple[Any, ...]:
    return (
        Booking.id,
        Booking.booked_at,
        Client.id,
        Client.phone,
        ClassSession.id,
        ClassSession.starts_at,
        ClassSession.capacity,
        ClassSession.class_type_id,
        ClassType.name,
        Location.name,
        instructor.name,
        ClassSession.move_count,
        Booking.studio_id,
    )


def _candidates(columns: tuple[Any, ...], instructor):
    return (
        select(*columns)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .join(Client, Client.id == Booking.client_id)
        .join(ClassType, ClassType.id == ClassSession.class_type_id)
        .join(Location, Location.id == ClassSession.location_id)
        .outerjoin(instructor, instructor.id == ClassSession.instructor_id)
        .where(Booking.status == "confirmed", ClassSession.status == "scheduled")
    )


@dataclass(frozen=True)
class _Due:
    key: str
    hours: int
    row: Any


class _Writer:
    """Renders due reminders from the templates (``Words.reminder``) and writes the outbox
    rows and the conversations' REMINDED state, for any number of studios at once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.words: dict[tuple[int, str], Words] = {}
        self.bodies: dict[tuple[int, int, str], str] = {}

    def body(self, studio: Studio, policy: Policy | None, channel: str, row: Any) -> str:
        _, _, _, _, session_id, starts_at, capacity, type_id, name, location, teacher, _, studio_id = row[:13]
        cached = self.bodies.get((studio_id, session_id, channel))
        if cached is not None:
            return cached
        words = self.words.get((studio_id, channel))
        if words is None:
            words = self.words[(studio_id, channel)] = Words(studio_view(studio), channel)
        tz = ZoneInfo(studio.timezone)
        view = SessionView(session_id, name, type_id, starts_at.astimezone(tz), location, teacher, capacity, 0, 0)
        fees = attendance.fees_charged(policy) if policy is not None else (None, None)
        text = words.reminder(view, self.now, words.fee_note(*fees))
        self.bodies[(studio_id, session_id, channel)] = text
        return text


def _due(rows: Iterable[Any], hours_of: dict[int, Sequence[int]], now: datetime) -> list[_Due]:
    due: list[_Due] = []
    for row in rows:
        h = due_hour(hours_of.get(row.studio_id, DEFAULT_HOURS), row.starts_at, row.booked_at, now)
        if h is not None:
            due.append(_Due(reminder_key(h, row[0], row.move_count), h, row))
    return due


def _latest_channels(conversations: Iterable[tuple[int, str, str, datetime]]) -> dict[tuple[int, str], str]:
    """(studio, phone) -> the channel the client last talked to us on."""
    latest: dict[tuple[int, str], tuple[datetime, str]] = {}
    for studio_id, phone, channel, updated_at in conversations:
        known = latest.get((studio_id, phone))
        if known is None or updated_at > known[0]:
            latest[(studio_id, phone)] = (updated_at, channel)
    return {k: channel for k, (_, channel) in latest.items()}


# --------------------------------------------------------------------- one studio


def queue_reminders(session: Session) -> int:
    """Write the outbox rows for reminders due now in this studio (a studio session); the
    caller commits. Returns how many. Looks at every booked class within the studio's
    longest reminder time, so it needs no mark: for one studio, outside the tick."""
    now = clock.now()
    policy = load_policy(session)
    hours = sorted(policy.reminder_hours or [], reverse=True)
    if not hours:
        return 0
    studio = row_of(session, Studio, session.info["frontdesk.studio_id"])
    instructor = aliased(Staff)
    rows = session.execute(
        _candidates(_columns(instructor), instructor)
        .where(ClassSession.starts_at > now, ClassSession.starts_at <= now + timedelta(hours=max(hours)))
        .order_by(ClassSession.starts_at, Booking.id)
    ).all()
    due = _due(rows, {studio.id: hours}, now)
    if not due:
        return 0
    done = set(
        session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_([d.key for d in due])))
    )
    todo = [d for d in due if d.key not in done]
    if not todo:
        return 0
    phones = {d.row.phone for d in todo}
    conversations = {
        (c.phone, c.channel): c for c in session.scalars(select(Conversation).where(Conversation.phone.in_(phones)))
    }
    channels = _latest_channels((studio.id, c.phone, c.channel, c.updated_at) for c in conversations.values())
    writer = _Writer(now)
    reminded: set[tuple[str, str]] = set()
    for item in todo:  # by class start: a client reminded of two classes at once can cancel the sooner
        row = item.row
        channel = channels.get((studio.id, row.phone), "sms")
        session.add(OutboxMessage(studio_id=studio.id, **_outbox_values(writer, studio, policy, channel, item)))
        if (row.phone, channel) in reminded:
            continue
        reminded.add((row.phone, channel))
        conv = conversations.get((row.phone, channel))
        if conv is None:
            conv = Conversation(studio_id=studio.id, phone=row.phone, channel=channel, client_id=row[2])
            session.add(conv)
            conversations[(row.phone, channel)] = conv
        conv.state, conv.context = State.REMINDED.value, {"booking_id": row[0]}
        conv.expires_at, conv.updated_at = row.starts_at, now
    return len(todo)


def _outbox_values(writer: _Writer, studio: Studio, policy: Policy | None, channel: str, item: _Due) -> dict:
    row = item.row
    return {
        "dedupe_key": item.key,
        "kind": f"reminder_{item.hours}h",
        "channel": channel,
        "to_addr": address(channel, row.phone),
        "from_addr": sender(studio, channel),
        "body": writer.body(studio, policy, channel, row),
        "client_id": row[2],
        "send_after": writer.now,
        "valid_until": row.starts_at,
        "status": "pending",
        "about": f"booking:{row[0]}",
    }


# ------------------------------------------------------------------ every studio


def _hour_lists(session: Session) -> dict[str, list[int]]:
    """The distinct reminder-hour lists in use (one small scan of the policies)."""
    found = session.scalars(select(cast(Policy.reminder_hours, String)).distinct()).all()
    lists = {text: sorted({int(h) for h in json.loads(text) or []}) for text in found if text}
    lists["default"] = list(DEFAULT_HOURS)
    return lists


def queue_due_reminders(session: Session, since: datetime | None, now: datetime) -> int:
    """Queue every active studio's reminders that fell due in ``(since, now]`` (a system
    session; the caller commits). ``since`` None looks at every booked class ahead, as the
    first tick does. Returns how many rows were written.

    One indexed query finds the candidates across studios: bookings whose class crossed a
    reminder moment (``starts_at - h`` for an ``h`` some studio uses) since ``since``, or
    whose class the studio moved since then. Each candidate's due reminder is then the one
    ``queue_reminders`` would pick (``due_hour`` with its studio's hours), rendered per
    studio from the same template, and inserted in batches with ``ON CONFLICT DO NOTHING``
    on the outbox's unique ``(studio_id, dedupe_key)``: a reminder already queued is
    skipped by the database, and only the rows written open the "reply C" conversation.
    """
    all_hours = sorted({h for hours in _hour_lists(session).values() for h in hours})
    if not all_hours:
        return 0
    bands = []
    for h in all_hours:
        top = now + timedelta(hours=h)
        bottom = now if since is None else max(since + timedelta(hours=h), now)
        if bottom < top:
            bands.append(and_(ClassSession.starts_at > bottom, ClassSession.starts_at <= top))
    if since is not None:  # moved at the very moment of the last tick counts too (a frozen clock)
        bands.append(and_(ClassSession.moved_at >= since, ClassSession.starts_at > now))
    instructor = aliased(Staff)
    rows = session.execute(
        _candidates((*_columns(instructor), Policy.reminder_hours), instructor)
        .join(Studio, Studio.id == Booking.studio_id)
        .outerjoin(Policy, Policy.studio_id == Booking.studio_id)
        .where(Studio.active.is_(True), or_(*bands) if bands else false())
        .order_by(ClassSession.starts_at, Booking.id)
    ).all()
    hours_of: dict[int, Sequence[int]] = {
        r.studio_id: (sorted(r.reminder_hours or [], reverse=True) if r.reminder_hours is not None else DEFAULT_HOURS)
        for r in rows
    }
    due = _due(rows, hours_of, now)
    if not due:
        return 0
    studio_ids = {d.row.studio_id for d in due}
    studios = {s.id: s for s in session.scalars(select(Studio).where(Studio.id.in_(studio_ids)))}
    policies = {p.studio_id: p for p in session.scalars(select(Policy).where(Policy.studio_id.in_(studio_ids)))}
    client_ids = {d.row[2] for d in due}
    talked = session.execute(
        select(Conversation.studio_id, Conversation.phone, Conversation.channel, Conversation.updated_at)
        .join(Client, (Client.studio_id == Conversation.studio_id) & (Client.phone == Conversation.phone))
        .where(Client.id.in_(client_ids))
    ).all()
    channels = _latest_channels((r[0], r[1], r[2], r[3]) for r in talked)
    writer = _Writer(now)
    values = []
    for item in due:
        studio_id = item.row.studio_id
        channel = channels.get((studio_id, item.row.phone), "sms")
        out = _outbox_values(writer, studios[studio_id], policies.get(studio_id), channel, item)
        values.append({"studio_id": studio_id, "created_at": now, "attempts": 0, **out})
    written = _insert_new(session, values)
    if not written:
        return 0
    _remember(
        session, [(v, d) for v, d in zip(values, due, strict=True) if (v["studio_id"], v["dedupe_key"]) in written]
    )
    return len(written)


def _dialect_insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


_PG_OUTBOX = """
INSERT INTO outbox (studio_id, dedupe_key, kind, channel, to_addr, from_addr, body, client_id, valid_until,
                    about, send_after, created_at, status, attempts)
SELECT r.*, :now, :now, 'pending', 0
FROM unnest(CAST(:studio_id AS integer[]), CAST(:dedupe_key AS varchar[]), CAST(:kind AS varchar[]),
            CAST(:channel AS varchar[]), CAST(:to_addr AS varchar[]), CAST(:from_addr AS varchar[]),
            CAST(:body AS text[]), CAST(:client_id AS integer[]), CAST(:valid_until AS timestamp[]),
            CAST(:about AS varchar[])) AS r
ON CONFLICT (studio_id, dedupe_key) DO NOTHING
RETURNING studio_id, dedupe_key
"""
_PG_COLUMNS = ("studio_id", "dedupe_key", "kind", "channel", "to_addr", "from_addr", "body", "client_id", "about")

_PG_CONVERSATIONS = """
INSERT INTO conversations (studio_id, phone, channel, client_id, state, context, expires_at, updated_at, version)
SELECT r.studio_id, r.phone, r.channel, r.client_id, :state, CAST(r.context AS json), r.expires_at, :now, 0
FROM unnest(CAST(:studio_id AS integer[]), CAST(:phone AS varchar[]), CAST(:channel AS varchar[]),
            CAST(:client_id AS integer[]), CAST(:context AS text[]), CAST(:expires_at AS timestamp[]))
     AS r (studio_id, phone, channel, client_id, context, expires_at)
ON CONFLICT (studio_id, phone, channel) DO UPDATE
SET state = excluded.state, context = excluded.context, expires_at = excluded.expires_at,
    updated_at = excluded.updated_at
"""


def _naive(at: datetime | None) -> datetime | None:
    """How ``UTCDateTime`` stores an instant (naive UTC), for the raw statements above."""
    return at.astimezone(UTC).replace(tzinfo=None) if at is not None else None


def _insert_new(session: Session, values: list[dict]) -> set[tuple[int, str]]:
    """Insert outbox rows, skipping keys already there; returns the (studio, key) written.

    PostgreSQL: one ``INSERT … SELECT … FROM unnest(arrays) ON CONFLICT DO NOTHING`` for
    every row of the tick. SQLite (one writer, the embedded default): the same insert,
    compiled once and sent in pages of rows."""
    if session.get_bind().dialect.name == "postgresql":
        params: dict[str, Any] = {c: [v[c] for v in values] for c in _PG_COLUMNS}
        params["valid_until"] = [_naive(v["valid_until"]) for v in values]
        params["now"] = _naive(values[0]["send_after"])
        return {(r[0], r[1]) for r in session.execute(text(_PG_OUTBOX), params)}
    table = OutboxMessage.__table__
    insert = _dialect_insert(session)
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["studio_id", "dedupe_key"])
        .returning(table.c.studio_id, table.c.dedupe_key)
    )
    # one statement compiled once, sent in pages of many rows ("insertmanyvalues")
    return {(r[0], r[1]) for r in session.execute(statement, values)}


def _remember(session: Session, written: list[tuple[dict, _Due]]) -> None:
    """Each reminded client's conversation (on the reminder's channel) waits for "C": one
    upsert per conversation; a client reminded of two classes at once can cancel the sooner."""
    table = Conversation.__table__
    chosen: dict[tuple[int, str, str], dict] = {}
    for values, item in written:  # ordered by class start: keep the first per conversation
        key = (values["studio_id"], item.row.phone, values["channel"])
        chosen.setdefault(
            key,
            {
                "studio_id": values["studio_id"],
                "phone": item.row.phone,
                "channel": values["channel"],
                "client_id": item.row[2],
                "state": State.REMINDED.value,
                "context": {"booking_id": item.row[0]},
                "expires_at": item.row.starts_at,
                "updated_at": values["send_after"],
                "version": 0,
            },
        )
    rows = list(chosen.values())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(_PG_CONVERSATIONS),
            {
                "studio_id": [r["studio_id"] for r in rows],
                "phone": [r["phone"] for r in rows],
                "channel": [r["channel"] for r in rows],
                "client_id": [r["client_id"] for r in rows],
                "context": [json.dumps(r["context"]) for r in rows],
                "expires_at": [_naive(r["expires_at"]) for r in rows],
                "state": State.REMINDED.value,
                "now": _naive(rows[0]["updated_at"]),
            },
        )
        return
    statement = _dialect_insert(session)(table)
    statement = statement.on_conflict_do_update(
        index_elements=["studio_id", "phone", "channel"],
        set_={
            "state": statement.excluded.state,
            "context": statement.excluded.context,
            "expires_at": statement.excluded.expires_at,
            "updated_at": statement.excluded.updated_at,
        },
    )
    session.execute(statement, rows)
