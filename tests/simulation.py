"""Run a ``frontdesk simulate`` script on the test's own database (SQLite or PostgreSQL).

``simulate(db, fixture, now, lines)`` returns the output lines as dicts, the final
``{"state": ...}`` last, exactly as the CLI prints them. Lines are dicts or JSON strings:
``{"at": ISO, "from": phone, "to": number, "body": text}`` or ``{"tick": ISO}``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from app import simulate as sim
from app.db import Database


def simulate(db: Database, fixture: Path, now: str | datetime, lines: list[Any]) -> list[dict]:
    out: list[dict] = []
    start = now if isinstance(now, datetime) else sim.parse_instant(now, "now")
    sim.run(
        fixture, start, [line if isinstance(line, str) else json.dumps(line) for line in lines], out.append, database=db
    )
    return out


def replies_to(out: list[dict], phone: str) -> list[str]:
    """What ``phone`` was sent, in order: direct replies and later texts alike."""
    return [line["body"] for line in out if "body" in line and line.get("to", "").removeprefix("whatsapp:") == phone]
