"""One message at a time per conversation.

The booking services commit as they go, so a row lock would be released mid-turn; the
conversation lock spans the whole turn instead: a PostgreSQL session advisory lock on a
connection of its own (works across web processes), or a process-local lock on SQLite
(the embedded default runs one process).
"""
from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from app.db import Database

_local_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_guard = threading.Lock()


@contextmanager
def conversation_lock(db: Database, studio_id: int, phone: str, channel: str) -> Iterator[None]:
    key = f"conversation:{studio_id}:{channel}:{phone}"
    if not db.is_postgres:
        with _guard:
            lock = _local_locks[key]
        with lock:
            yield
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("select pg_advisory_lock(hashtextextended(:k, 0))"), {"k": key})
        try:
            yield
        finally:
            conn.execute(text("select pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})
