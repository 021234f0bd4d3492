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
from bot.nlu.when import When


def _when_json(w: When | None) -> dict | None:
    if w is None:
        return None
    return {"start": w.start.isoformat(), "end": w.end.isoformat() if w.end else None, "grain": w.grain}


def to_json(p: Parse) -> dict:
    """One parse as the ``frontdesk nlu`` contract (README, "nlu contract")."""
    target = None
    if p.target is not None:
        target = {
            "when": _when_json(p.target.when),
            "class": p.target.class_match.label if p.target.class_match else None,
            "instructor": p.target.instructor.name if p.target.instructor else None,
        }
    return {
        "intent": p.intent,
        "when": _when_json(p.when),
        "class": p.class_match.label if p.class_match else None,
        "instructor": p.instructor.name if p.instructor else None,
        "number": p.number,
        "confidence": round(float(p.confidence), 3),
        "target": target,
        "minutes": p.minutes,
        "numbers": list(p.numbers),
        "names": list(p.names),
        "package": p.package,
        "also": [to_json(a) for a in p.also],
        "lang": p.lang,
        "unplaced": p.unplaced,
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
        """Pick the reading of a bare hour that the timetable actually has (each request of a text)."""
        if p.also:
            p = replace(p, also=tuple(self.resolve(a) for a in p.also))
        if p.target is not None and p.target.when is not None:
            # "move my reformer to friday at 7": the hour the timetable has, for the same class unless another is named
            moved = self._resolve_one(replace(p.target, class_match=p.target.class_match or p.class_match))
            p = replace(p, target=replace(p.target, when=moved.when))
        return self._resolve_one(p)

    def _resolve_one(self, p: Parse) -> Parse:
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
