"""``frontdesk nlu``: the parser as a JSON-lines filter, for tests and tools outside the project.

With ``--fixture/--studio`` the studio's own catalog is used and a bare hour ("yoga at
6") is resolved against its real timetable; otherwise a generic catalog of class names.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app import clock
from app.booking.schedules import generate_for_studios
from app.clock import FrozenClock
from app.conversation.desk import SqlDesk
from app.db import Database
from app.fixtures import load_fixture
from app.migrate import upgrade
from app.models import Studio
from bot.dialogue.finding import candidates
from bot.nlu.parse import Parse, ParseContext, parse


def to_json(p: Parse) -> dict:
    when = None
    if p.when is not None:
        when = {
            "start": p.when.start.isoformat(),
            "end": p.when.end.isoformat() if p.when.end else None,
            "grain": p.when.grain,
        }
    return {
        "intent": p.intent,
        "when": when,
        "class": p.class_match.label if p.class_match else None,
        "instructor": p.instructor.name if p.instructor else None,
        "number": p.number,
        "confidence": round(float(p.confidence), 3),
    }


class StudioContext:
    """A throwaway database with one fixture loaded, for catalog and timetable look-ups."""

    def __init__(self, fixture: Path, studio_key: str, now: datetime) -> None:

        self._tmp = tempfile.TemporaryDirectory(prefix="frontdesk-nlu-")
        url = f"sqlite:///{Path(self._tmp.name) / 'nlu.db'}"
        upgrade(url)
        self.db = Database(url)
        previous = clock.install(FrozenClock(now))
        try:
            load_fixture(self.db, fixture)
            generate_for_studios(self.db, studio_key=studio_key)
        finally:
            clock.install(previous)
        with self.db.unscoped() as s:
            studio = s.scalars(select(Studio).where(Studio.key == studio_key)).first()
            if studio is None:
                raise SystemExit(f"error: no studio {studio_key!r} in {fixture}")
            s.expunge(studio)
        self.studio = studio
        self.session = self.db.sessions()
        self.session.info["frontdesk.studio_id"] = studio.id
        self.desk = SqlDesk(self.session, studio, "+10000000000", "sms")
        self.catalog = self.desk.catalog()

    def resolve(self, p: Parse) -> Parse:
        """Pick the reading of a bare hour that the timetable actually has."""

        if p.when is None or not p.when.hour_ambiguous or not p.when.alternatives:
            return p
        found = candidates(self.desk, p)
        if not found:
            return p
        start = found[0].starts_at
        others = tuple(t for t in (p.when.start, *p.when.alternatives) if t != start)
        return replace(p, when=replace(p.when, start=start, alternatives=others))

    def close(self) -> None:
        self.session.close()
        self.db.dispose()
        self._tmp.cleanup()


def run(
    lines: Iterable[str],
    emit: Callable[[dict], None],
    *,
    now: str | None,
    tz: str,
    date_order: str,
    fixture: Path | None,
    studio_key: str | None,
) -> None:
    with ExitStack() as stack:
        studio: StudioContext | None = None
        for raw in lines:
            raw = raw.strip()
            if not raw:
                continue
            item = json.loads(raw)
            stamp = item.get("now") or now
            at = datetime.fromisoformat(stamp) if stamp else clock.now()
            if at.tzinfo is None:
                raise SystemExit("error: 'now' must carry a UTC offset")
            if fixture is not None and studio is None:
                if studio_key is None:
                    raise SystemExit("error: --fixture and --studio go together")
                studio = StudioContext(fixture, studio_key, at)
                stack.callback(studio.close)
            zone = item.get("tz") or (studio.studio.timezone if studio and not item.get("tz") and tz is None else tz)
            order = item.get("date_order") or (
                studio.studio.date_order if studio and date_order is None else date_order
            )
            ctx = ParseContext(at, zone or "UTC", order or "DMY", studio.catalog if studio else None)
            previous = clock.install(FrozenClock(at))
            try:
                result = parse(item.get("text", ""), ctx)
                if studio is not None:
                    result = studio.resolve(result)
            finally:
                clock.install(previous)
            emit(to_json(result))
