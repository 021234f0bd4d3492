"""The one source of "now".

Services, jobs and the bot never call ``datetime.now()``; they call ``clock.now()``.
Tests and the simulator install a ``FrozenClock`` and move it by hand.
All instants are timezone-aware UTC.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to. Thread-safe."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at = _as_utc(at)

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = _as_utc(at)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._at = self._at + delta
            return self._at


def _as_utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes only")
    return at.astimezone(UTC)


_current: Clock = SystemClock()


def now() -> datetime:
    """The current instant, in UTC, from the installed clock."""
    return _current.now()


def install(clock: Clock) -> Clock:
    """Install ``clock`` as the process clock and return the one it replaced."""
    global _current
    previous, _current = _current, clock
    return previous


def current() -> Clock:
    return _current
